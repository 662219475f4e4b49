package audit_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
)

var t0 = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// appendN appends n entries a day apart from start, the i-th in area i%2
// of two communities, from 10.0.0.i.
func appendN(t *testing.T, d *db.DB, start time.Time, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		area := []string{"370211001001", "370211001002"}[i%2]
		err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Append(audit.WithSource(ctx, fmt.Sprintf("10.0.0.%d", i)), tx, audit.Entry{At: start.Add(time.Duration(i) * 24 * time.Hour),
				Actor: []string{"wang", "li"}[i%2], Action: []string{"auth.login", "pii.reveal"}[i%3%2], Object: fmt.Sprintf("user:%d", i), AreaCode: area})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func key(t *testing.T) audit.Key {
	k, err := audit.CurrentKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustBreak(t *testing.T, err error, want string) {
	t.Helper()
	var br *audit.Break
	if !errors.As(err, &br) {
		t.Fatalf("want a break (%s), got %v", want, err)
	}
	if !strings.Contains(br.Reason, want) {
		t.Fatalf("break %q, want it to say %q", br.Reason, want)
	}
}

// TestChainEndIsAnchored: deleting the newest entries, the head, or every
// entry is caught; so is a chain recomputed under another key, and one
// rewritten even with the key once an anchor was taken outside.
func TestChainEndIsAnchored(t *testing.T) {
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"delete newest", `DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)`, "entries removed after id 4"},
		{"delete newest two", `DELETE FROM audit_log WHERE id >= 4`, "entries removed after id 3"},
		{"delete all", `DELETE FROM audit_log`, "the log is empty"},
		{"delete head", `DELETE FROM audit_head`, "head missing"},
		{"reset head", `UPDATE audit_head SET mac = ''`, "head was reset"},
		{"shrink head", `UPDATE audit_head SET total = 3, last_id = 3, last_hash = (SELECT hash FROM audit_log WHERE id = 3)`, "head mismatch"},
		{"edit source", `UPDATE audit_log SET source_ip = '8.8.8.8' WHERE id = 2`, "edited at id 2"},
		{"renumber", `UPDATE audit_log SET id = 9 WHERE id = 5`, "id 9"},
		{"downgrade scheme", `UPDATE audit_log SET scheme = 0 WHERE id = 2`, "unkeyed but was written after the chain was keyed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Engines(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				appendN(t, d, t0, 5)
				if r, err := audit.Check(ctx, d, key(t), nil); err != nil || r.Entries != 5 || r.Head.Count != 5 || r.Head.LastID != 5 {
					t.Fatalf("intact chain: %+v %v", r, err)
				}
				if _, err := d.ExecContext(ctx, tc.sql); err != nil {
					t.Fatal(err)
				}
				_, err := audit.Check(ctx, d, key(t), nil)
				mustBreak(t, err, tc.want)
				// Whether an append is refused (a head that fails its MAC) or
				// goes on from the sealed head, it must not hide the tampering.
				_ = d.InTx(ctx, func(tx *db.Tx) error {
					return audit.Append(ctx, tx, audit.Entry{At: t0, Actor: "mallory", Action: "auth.login"})
				})
				if _, err := audit.Check(ctx, d, key(t), nil); err == nil {
					t.Fatal("an append after the tampering made the chain verify again")
				}
			})
		})
	}
}

func TestWrongKeyAndAnchor(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		appendN(t, d, t0, 4)
		other, _ := audit.NewKey([]byte("someone else's secret, 32 bytes!"))
		_, err := audit.Check(ctx, d, other, nil)
		mustBreak(t, err, "wrong key")

		dir := t.TempDir()
		path := filepath.Join(dir, audit.AnchorFile)
		if err := audit.WriteAnchor(ctx, d, key(t), path); err != nil {
			t.Fatal(err)
		}
		a, err := audit.ReadAnchor(path)
		if err != nil || a.Count != 4 || a.LastID != 4 || len(a.LastHash) != 64 {
			t.Fatalf("anchor %+v %v", a, err)
		}
		appendN(t, d, t0.Add(100*24*time.Hour), 2)
		if r, err := audit.Check(ctx, d, key(t), &a); err != nil || r.Entries != 6 {
			t.Fatalf("the chain extends its anchor: %+v %v", r, err)
		}
		if err := audit.WriteAnchor(ctx, d, key(t), path); err != nil {
			t.Fatal(err)
		}

		// Cut back below the anchor: caught, and the anchor file is kept.
		if _, err := d.ExecContext(ctx, `DELETE FROM audit_log WHERE id >= 4`); err != nil {
			t.Fatal(err)
		}
		a2, _ := audit.ReadAnchor(path)
		_, err = audit.Check(ctx, d, key(t), &a2)
		var br *audit.Break
		if !errors.As(err, &br) {
			t.Fatalf("a chain cut back below its anchor passed: %v", err)
		}
		if err := audit.WriteAnchor(ctx, d, key(t), path); err == nil {
			t.Fatal("the anchor file was replaced although the chain no longer extends it")
		}
		if kept, _ := audit.ReadAnchor(path); kept != a2 {
			t.Fatalf("the old anchor, the evidence, changed: %+v", kept)
		}
	})
}

// TestPurge: entries older than the retention go, the chain keeps
// verifying from its new start, a purge entry says what went; a retention
// under 180 days is refused, and a broken chain is not purged.
func TestPurge(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := access.System(context.Background())
		appendN(t, d, t0, 10) // days 0..9
		now := t0.Add(185 * 24 * time.Hour)
		if _, err := audit.Purge(ctx, d, key(t), now, 90*24*time.Hour); err == nil || !strings.Contains(err.Error(), "180") {
			t.Fatalf("a 90-day retention: %v", err)
		}
		if n := count(t, d); n != 10 {
			t.Fatalf("refused purge removed entries: %d left", n)
		}
		res, err := audit.Purge(ctx, d, key(t), now, audit.MinRetention) // cut-off: day 5
		if err != nil {
			t.Fatal(err)
		}
		if res.Removed != 5 || res.FirstKept != 6 {
			t.Fatalf("purge %+v, want 5 removed, first kept 6", res)
		}
		r, err := audit.Check(ctx, d, key(t), nil)
		if err != nil || r.Entries != 6 || r.Head.Count != 11 {
			t.Fatalf("after the purge: %+v %v (want 5 kept + the purge entry, 11 ever written)", r, err)
		}
		var action, detail string
		if err := d.QueryRowContext(ctx, `SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&action, &detail); err != nil {
			t.Fatal(err)
		}
		if action != "audit.purge" || !strings.Contains(detail, `"removed":5`) {
			t.Fatalf("purge entry %s %s", action, detail)
		}
		// Deleting the oldest kept entry is still tampering.
		if _, err := d.ExecContext(ctx, `DELETE FROM audit_log WHERE id = 6`); err != nil {
			t.Fatal(err)
		}
		_, err = audit.Check(ctx, d, key(t), nil)
		mustBreak(t, err, "entries removed before id 7")
		if _, err := audit.Purge(ctx, d, key(t), now.Add(10*24*time.Hour), audit.MinRetention); err == nil {
			t.Fatal("a broken chain was purged: the evidence would be gone")
		}
	})
}

func count(t *testing.T, d *db.DB) int {
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestListFilters: every filter narrows, scope hides other areas, entries of
// no area show only when asked, paging goes through every entry once.
func TestListFilters(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		appendN(t, d, t0, 9)
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Append(ctx, tx, audit.Entry{At: t0, Actor: "system", Action: "audit.purge", Object: "audit"})
		}); err != nil {
			t.Fatal(err)
		}
		all := access.Scope{All: true}
		ids := func(f audit.Filter) []int64 {
			t.Helper()
			es, _, err := audit.List(ctx, d, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, e := range es {
				out = append(out, e.ID)
			}
			return out
		}
		for name, tc := range map[string]struct {
			f    audit.Filter
			want string
		}{
			"all":            {audit.Filter{Scope: all}, "[10 9 8 7 6 5 4 3 2 1]"},
			"actor":          {audit.Filter{Scope: all, Actor: "li"}, "[8 6 4 2]"},
			"action":         {audit.Filter{Scope: all, Action: "pii.reveal"}, "[8 5 2]"},
			"object":         {audit.Filter{Scope: all, Object: "user:3"}, "[4]"},
			"period":         {audit.Filter{Scope: all, From: t0.Add(2 * 24 * time.Hour), To: t0.Add(4 * 24 * time.Hour)}, "[4 3]"},
			"scope":          {audit.Filter{Scope: access.NewScope("370211001002")}, "[8 6 4 2]"},
			"scope+arealess": {audit.Filter{Scope: access.NewScope("370211001002"), AreaLess: true}, "[10 8 6 4 2]"},
			"empty scope":    {audit.Filter{}, "[]"},
		} {
			if got := fmt.Sprint(ids(tc.f)); got != tc.want {
				t.Errorf("%s: %s, want %s", name, got, tc.want)
			}
		}
		var seen []int64
		f := audit.Filter{Scope: all, Limit: 3}
		for {
			es, next, err := audit.List(ctx, d, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				seen = append(seen, e.ID)
			}
			if next == 0 {
				break
			}
			f.BeforeID = next
		}
		if fmt.Sprint(seen) != "[10 9 8 7 6 5 4 3 2 1]" {
			t.Fatalf("paged: %v", seen)
		}
		es, _, _ := audit.List(ctx, d, audit.Filter{Scope: all, Object: "user:3"})
		if len(es) != 1 || es[0].SourceIP != "10.0.0.3" || es[0].Actor != "li" {
			t.Fatalf("entry 4: %+v", es)
		}
	})
}
