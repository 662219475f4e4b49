package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/pii"
	"github.com/tongxin/tongxin/internal/server"
)

// OverdueConfig sizes the overdue-scan benchmark.
type OverdueConfig struct {
	DSN     string // an empty postgres:// database, or "" for a fresh SQLite file
	Cases   int    // cases in the table
	Overdue int    // of which this many have just passed their deadline
}

// OverdueResult is what the overdue benchmark measured.
type OverdueResult struct {
	Engine           string
	Load             time.Duration
	Flagged          int
	Scan, SteadyScan time.Duration // the scan that flags, and one that finds nothing new
}

// Overdue fills a fresh database with Cases cases — most closed or still in
// time, Overdue of them just past their resolve deadline — then times the
// scan that flags those (with their timeline steps, notifications and
// webhook events) and a second scan that finds nothing new.
func Overdue(ctx context.Context, cfg OverdueConfig, progress io.Writer) (OverdueResult, error) {
	dir, err := os.MkdirTemp("", "tongxin-bench-")
	if err != nil {
		return OverdueResult{}, err
	}
	defer os.RemoveAll(dir)
	dsn := cfg.DSN
	if dsn == "" {
		dsn = filepath.Join(dir, "bench.db")
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return OverdueResult{}, err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return OverdueResult{}, err
	}
	keys, err := pii.LoadOrCreate(filepath.Join(dir, "pii.key"))
	if err != nil {
		return OverdueResult{}, err
	}
	now := time.Now().UTC()
	fc := clock.NewFake(now)
	srv := server.New(server.Deps{DB: d, Clock: fc, Keys: keys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: server.Config{DataDir: dir}})
	sys := access.System(ctx)
	for _, a := range []area.NewArea{{Code: "370211", Name: "黄岛区"}, {Code: "370211001", Name: "黄岛街道", ParentCode: "370211"},
		{Code: "370211001001", Name: "海军路社区", ParentCode: "370211001"}, {Code: "370211001001001", Name: "第1网格", ParentCode: "370211001001"}} {
		if _, err := srv.Areas.Create(sys, a); err != nil {
			return OverdueResult{}, err
		}
	}
	top, err := srv.Cases.SaveCategory(sys, cases.Category{Code: "appearance", Name: "市容环境", DefaultLevel: cases.LevelGrid, AcceptMinutes: 60, ResolveMinutes: 240, SLAClock: "calendar", Active: true})
	if err != nil {
		return OverdueResult{}, err
	}
	cat, err := srv.Cases.SaveCategory(sys, cases.Category{Code: "appearance.garbage", Name: "垃圾", ParentID: &top.ID, DefaultLevel: cases.LevelGrid, AcceptMinutes: 60, ResolveMinutes: 240, SLAClock: "calendar", Active: true})
	if err != nil {
		return OverdueResult{}, err
	}
	start := time.Now()
	fmt.Fprintf(progress, "writing %d cases into %s …\n", cfg.Cases, d.Dialect())
	if err := fillCases(ctx, d, cfg, cat.ID, now); err != nil {
		return OverdueResult{}, err
	}
	res := OverdueResult{Engine: string(d.Dialect()), Load: time.Since(start)}
	if d.Dialect() == db.Postgres {
		if _, err := d.ExecContext(ctx, `ANALYZE cases`); err != nil {
			return res, err
		}
	}
	t0 := time.Now()
	res.Flagged, err = srv.Cases.ScanOverdue(sys)
	res.Scan = time.Since(t0)
	if err != nil {
		return res, err
	}
	t0 = time.Now()
	again, err := srv.Cases.ScanOverdue(sys)
	res.SteadyScan = time.Since(t0)
	if err == nil && again != 0 {
		err = fmt.Errorf("the second scan flagged %d cases again", again)
	}
	return res, err
}

// fillCases bulk-inserts the cases with multi-row INSERTs: every Overdue-th
// case... is spread evenly: the first Overdue cases are open and just overdue,
// the rest alternate between closed and open with a future deadline.
func fillCases(ctx context.Context, d *db.DB, cfg OverdueConfig, categoryID int64, now time.Time) error {
	const perStmt = 400
	const cols = 13
	ms := db.Millis(now)
	for done := 0; done < cfg.Cases; {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for k := 0; k < 100 && done < cfg.Cases; k++ {
				n := min(perStmt, cfg.Cases-done)
				marks := make([]string, n)
				args := make([]any, 0, n*cols)
				for i := 0; i < n; i++ {
					id := done + i
					state, due, closedAt := "dispatched", ms+int64(3_600_000), any(nil)
					switch {
					case id < cfg.Overdue:
						due = ms - 60_000
					case id%2 == 0:
						state, closedAt = "closed", ms-int64(id%86_400_000)
					}
					marks[i] = "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
					args = append(args, fmt.Sprintf("b%09d", id), "370211001001001", categoryID, "巡查发现", state, "grid", "grid", "app",
						ms-86_400_000, due, due-3*3_600_000, closedAt, ms)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO cases (token, area_code, category_id, title, state, level, max_level, channel,
					reported_at, resolve_due_at, accept_due_at, closed_at, updated_at) VALUES `+strings.Join(marks, ", "), args...); err != nil {
					return err
				}
				done += n
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
