package registry

import (
	"context"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
)

// TestJobHeartbeat: a running import's beat records the time and its
// progress, which the job then reads back; a finished job takes no beats.
func TestJobHeartbeat(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		s := NewStore(d, c, nil, area.NewStore(d, c), nil)
		if _, err := d.ExecContext(ctx, `INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (5, 'gw', '网格员', 'x', 0)`); err != nil {
			t.Fatal(err)
		}
		j := &ImportJob{ID: "t1", FileName: "台账.csv", Mode: ImportValidRows, BytesTotal: 8192, userID: 5}
		if err := s.startJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		heartbeat := func() int64 {
			var at int64
			if err := d.QueryRowContext(ctx, `SELECT heartbeat_at FROM import_jobs WHERE token = 't1'`).Scan(&at); err != nil {
				t.Fatal(err)
			}
			return at
		}
		if heartbeat() != db.Millis(c.Now()) {
			t.Fatalf("heartbeat at the start %d", heartbeat())
		}
		c.Advance(jobHeartbeat)
		if err := s.beat(ctx, "t1", 120, 4096); err != nil {
			t.Fatal(err)
		}
		got, err := s.job(ctx, "t1", 5)
		if err != nil || got.State != JobRunning || got.Rows != 120 || got.BytesRead != 4096 || heartbeat() != db.Millis(c.Now()) {
			t.Fatalf("after a beat %+v %v (heartbeat %d)", got, err, heartbeat())
		}
		if err := s.finishJob(ctx, j, ImportResult{Mode: ImportValidRows, Rows: 200, Imported: 200}, nil); err != nil {
			t.Fatal(err)
		}
		finished := heartbeat()
		c.Advance(jobHeartbeat)
		if err := s.beat(ctx, "t1", 150, 5000); err != nil {
			t.Fatal(err)
		}
		if got, err := s.job(ctx, "t1", 5); err != nil || got.State != JobDone || got.Rows != 200 || heartbeat() != finished {
			t.Fatalf("a beat after the end changed the job: %+v %v", got, err)
		}
	})
}
