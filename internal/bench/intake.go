package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/demo"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/pii"
	"github.com/tongxin/tongxin/internal/server"
)

// IntakeConfig sizes the intake benchmark.
type IntakeConfig struct {
	DSN      string // a postgres:// URL (its database must be empty), or "" for a fresh SQLite file
	Clients  int
	Duration time.Duration
}

// IntakeResult is what the intake benchmark measured.
type IntakeResult struct {
	Engine           string
	Accepted, Failed int64
	Elapsed          time.Duration
	PerSecond        float64
	P50, P99, Max    time.Duration
	Stored           int64 // cases in the database afterwards: must be ≥ Accepted
}

// Intake loads the demo district into a fresh database, serves the real API
// on loopback, and has Clients concurrent clients POST located reports (with
// an API key, as the grid-worker app's sync or an integration would) for
// Duration. Every 201 counts as accepted; afterwards the stored cases are
// counted to show that every acknowledged report was committed.
func Intake(ctx context.Context, cfg IntakeConfig, progress io.Writer) (IntakeResult, error) {
	dsn := cfg.DSN
	dir, err := os.MkdirTemp("", "tongxin-bench-")
	if err != nil {
		return IntakeResult{}, err
	}
	defer os.RemoveAll(dir)
	if dsn == "" {
		dsn = filepath.Join(dir, "bench.db")
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return IntakeResult{}, err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return IntakeResult{}, err
	}
	keys, err := pii.LoadOrCreate(filepath.Join(dir, "pii.key"))
	if err != nil {
		return IntakeResult{}, err
	}
	srv := server.New(server.Deps{DB: d, Clock: clock.Real{}, Keys: keys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Config: server.Config{DataDir: dir}})
	sys := access.System(ctx)
	fmt.Fprintf(progress, "loading the demo district into %s …\n", d.Dialect())
	ds, err := demo.LoadIfEmpty(sys, srv.Areas, srv.Auth, srv.Cases, srv.Registry, d, demo.DefaultSeed)
	if err != nil || ds == nil {
		return IntakeResult{}, fmt.Errorf("demo data (the database must be empty): %v", err)
	}
	if err := srv.Start(ctx); err != nil {
		return IntakeResult{}, err
	}
	uid, err := srv.Auth.UserIDByName(sys, "gridworker")
	if err != nil {
		return IntakeResult{}, err
	}
	_, key, err := srv.Auth.CreateAPIKey(sys, uid, "bench")
	if err != nil {
		return IntakeResult{}, err
	}
	var categoryID int64
	if err := d.QueryRowContext(ctx, `SELECT id FROM case_categories WHERE code = 'appearance.garbage'`).Scan(&categoryID); err != nil {
		return IntakeResult{}, err
	}
	points := gridWorkerPoints(ds)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return IntakeResult{}, err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/api/v1/cases"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients}, Timeout: 30 * time.Second}

	fmt.Fprintf(progress, "%d clients posting reports for %v …\n", cfg.Clients, cfg.Duration)
	var (
		accepted, failed atomic.Int64
		mu               sync.Mutex
		lat              []time.Duration
		wg               sync.WaitGroup
	)
	deadline := time.Now().Add(cfg.Duration)
	start := time.Now()
	for c := 0; c < cfg.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 7))
			var mine []time.Duration
			for i := 0; time.Now().Before(deadline); i++ {
				p := points[r.IntN(len(points))]
				body, _ := json.Marshal(map[string]any{"category_id": categoryID, "title": "垃圾堆放", "description": "巡查发现",
					"lng": p[0], "lat": p[1], "channel": "app"})
				req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%d", c, i))
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mine = append(mine, time.Since(t0))
				if res.StatusCode == http.StatusCreated {
					accepted.Add(1)
				} else {
					failed.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	res := IntakeResult{Engine: string(d.Dialect()), Accepted: accepted.Load(), Failed: failed.Load(), Elapsed: elapsed}
	res.PerSecond = float64(res.Accepted) / elapsed.Seconds()
	if n := len(lat); n > 0 {
		res.P50, res.P99, res.Max = lat[n/2], lat[min(n-1, n*99/100)], lat[n-1]
	}
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&res.Stored); err != nil {
		return res, err
	}
	return res, nil
}

// gridWorkerPoints picks points inside the demo's microgrids of the grid
// worker's community, so every report is in the reporter's area.
func gridWorkerPoints(ds *demo.Dataset) []orb.Point {
	var code string
	for _, u := range ds.Users {
		if u.Username == "gridworker" {
			code = u.AreaCode
		}
	}
	var pts []orb.Point
	r := rand.New(rand.NewPCG(1, 1))
	for _, a := range ds.Areas {
		if a.Level != "microgrid" || len(a.Code) < len(code) || a.Code[:len(code)] != code {
			continue
		}
		poly, ok := a.Boundary.(orb.Polygon)
		if !ok {
			continue
		}
		b := poly.Bound()
		for found := 0; found < 50; {
			p := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
			if planar.PolygonContains(poly, p) {
				pts = append(pts, p)
				found++
			}
		}
	}
	return pts
}
