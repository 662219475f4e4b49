package patrol_test

import (
	"context"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/patrol"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

const grid = "370211001001"

var now = time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)

// setup makes a grid and two grid workers (ids 1 and 2) bound to it.
func setup(t *testing.T, d *db.DB) (*patrol.Store, context.Context, context.Context) {
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES ('370211', NULL, 'district', '区', 0, 0)`,
		`INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES ('370211001', '370211', 'subdistrict', '街道', 0, 0)`,
		`INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES ('370211001001', '370211001', 'community', '社区', 0, 0)`,
		`INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (1, 'gw1', '网格员一', '-', 0), (2, 'gw2', '网格员二', '-', 0)`,
	} {
		if _, err := d.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	as := func(id int64, name string) context.Context {
		return access.With(ctx, access.NewPrincipal(id, name, []access.Binding{{Role: "grid_worker", AreaCode: grid}}))
	}
	return patrol.NewStore(d, clock.NewFake(now)), as(1, "gw1"), as(2, "gw2")
}

// track is n points a minute apart walking north ~111 m a step.
func track(from time.Time, lat0 float64, n int) []patrol.Point {
	out := make([]patrol.Point, n)
	for i := range out {
		out[i] = patrol.Point{At: from.Add(time.Duration(i) * time.Minute), Lng: 120.19, Lat: lat0 + float64(i)*0.001, AccuracyM: 8}
	}
	return out
}

func rule(t *testing.T, err error, field, want string) {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok {
		t.Fatalf("want a field error %s/%s, got %v", field, want, err)
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Rule == want && f.Detail != "" && f.DetailZH != "" {
			return
		}
	}
	t.Fatalf("want %s/%s, got %+v", field, want, e.Fields)
}

func TestPatrolTrackIsIdempotent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, gw1, gw2 := setup(t, d)
		start := now.Add(-time.Hour)
		p, created, err := s.Start(gw1, patrol.NewPatrol{ClientID: "app-1", AreaCode: grid, StartedAt: start})
		if err != nil || !created {
			t.Fatalf("start: %v %v", created, err)
		}
		again, created, err := s.Start(gw1, patrol.NewPatrol{ClientID: "app-1", AreaCode: grid, StartedAt: start})
		if err != nil || created || again.ID != p.ID {
			t.Fatalf("a retried start must return the same patrol: %+v %v %v", again, created, err)
		}
		pts := track(start, 35.96, 10)
		res, err := s.AddPoints(gw1, p.ID, pts[:6])
		if err != nil || res.Accepted != 6 || res.DistanceM < 550 || res.DistanceM > 560 {
			t.Fatalf("first upload: %+v %v (5 steps of ~111 m)", res, err)
		}
		// A replay of the first upload overlapping the next one: the
		// overlap is skipped, the rest goes in, the distance joins up.
		res, err = s.AddPoints(gw1, p.ID, pts[3:])
		if err != nil || res.Accepted != 4 || res.Skipped != 3 || res.DistanceM < 440 || res.DistanceM > 450 {
			t.Fatalf("overlapping upload: %+v %v", res, err)
		}
		if res, err := s.AddPoints(gw1, p.ID, pts); err != nil || res.Accepted != 0 || res.Skipped != 10 {
			t.Fatalf("full replay: %+v %v", res, err)
		}
		var n int
		var dist float64
		if err := d.QueryRowContext(context.Background(), `SELECT (SELECT COUNT(*) FROM patrol_points WHERE patrol_id = ?), distance_m FROM patrols WHERE id = ?`, p.ID, p.ID).Scan(&n, &dist); err != nil {
			t.Fatal(err)
		}
		if n != 10 || dist < 995 || dist > 1005 {
			t.Fatalf("stored %d points, %.0f m; want 10 and ~1000 m", n, dist)
		}
		// Someone else's patrol does not exist for the caller.
		if _, err := s.AddPoints(gw2, p.ID, track(now.Add(-time.Minute), 35.97, 1)); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another worker's patrol: %v", err)
		}
		ended, err := s.End(gw1, p.ID, pts[9].At.Add(time.Minute))
		if err != nil || ended.EndedAt == nil {
			t.Fatalf("end: %v", err)
		}
		if _, err := s.AddPoints(gw1, p.ID, track(now.Add(-time.Second), 35.98, 1)); err == nil {
			t.Fatal("a point after the end was accepted")
		}
	})
}

func TestPatrolRefusesBadInput(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, gw1, _ := setup(t, d)
		start := now.Add(-time.Hour)
		if _, _, err := s.Start(gw1, patrol.NewPatrol{ClientID: "x", AreaCode: "370211002001", StartedAt: start}); err == nil {
			t.Fatal("a patrol outside the worker's grids was started")
		} else {
			rule(t, err, "area_code", "scope")
		}
		_, _, err := s.Start(gw1, patrol.NewPatrol{ClientID: "x", AreaCode: grid, StartedAt: now.Add(time.Hour)})
		rule(t, err, "started_at", "future")
		p, _, err := s.Start(gw1, patrol.NewPatrol{ClientID: "ok", AreaCode: grid, StartedAt: start})
		if err != nil {
			t.Fatal(err)
		}
		good := track(start, 35.96, 3)
		for _, tc := range []struct {
			name, field, rule string
			edit              func(p []patrol.Point)
		}{
			{"latitude", "points[1].lat", "range", func(p []patrol.Point) { p[1].Lat = 91 }},
			{"no fix", "points[0].lng", "no_fix", func(p []patrol.Point) { p[0].Lng, p[0].Lat = 0, 0 }},
			{"future", "points[2].at", "future", func(p []patrol.Point) { p[2].At = now.Add(time.Hour) }},
			{"before start", "points[0].at", "before_start", func(p []patrol.Point) { p[0].At = start.Add(-time.Minute) }},
			{"order", "points[2].at", "order", func(p []patrol.Point) { p[2].At = p[0].At }},
			{"accuracy", "points[1].accuracy_m", "range", func(p []patrol.Point) { p[1].AccuracyM = -1 }},
		} {
			pts := append([]patrol.Point(nil), good...)
			tc.edit(pts)
			_, err := s.AddPoints(gw1, p.ID, pts)
			if err == nil {
				t.Fatalf("%s: accepted", tc.name)
			}
			rule(t, err, tc.field, tc.rule)
		}
		var n int
		_ = d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM patrol_points`).Scan(&n)
		if n != 0 {
			t.Fatalf("refused uploads stored %d points", n)
		}
	})
}
