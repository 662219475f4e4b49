package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
)

// TestAnchorCatchesTheKeyHolder: someone holding the key deletes the newest
// entries and re-seals the head. The chain then verifies on its own; only
// the anchor kept outside tells.
func TestAnchorCatchesTheKeyHolder(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := 0; i < 5; i++ {
			if err := d.InTx(ctx, func(tx *db.Tx) error {
				return Append(ctx, tx, Entry{At: time.Unix(int64(i), 0), Actor: "wang", Action: "pii.reveal", AreaCode: "370211001"})
			}); err != nil {
				t.Fatal(err)
			}
		}
		anchor, err := TakeAnchor(ctx, d, testKey, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE id >= 4`); err != nil {
				return err
			}
			var hash string
			if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE id = 3`).Scan(&hash); err != nil {
				return err
			}
			return storeHead(ctx, tx, testKey, head{Total: 3, LastID: 3, LastHash: hash})
		})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := Check(ctx, d, testKey, nil); err != nil || r.Entries != 3 {
			t.Fatalf("the re-sealed chain should verify on its own (that is why the anchor exists): %+v %v", r, err)
		}
		_, err = Check(ctx, d, testKey, &anchor)
		if err == nil || !strings.Contains(err.Error(), "count shrank") {
			t.Fatalf("the anchor did not catch the rewrite: %v", err)
		}
	})
}

// TestLegacyEntriesKeepVerifying: entries written before the chain was keyed
// (migration 00011 sets legacy_until to them) verify under the old hash, the
// keyed ones after them under the key; a forged unkeyed entry after the
// switch does not pass.
func TestLegacyEntriesKeepVerifying(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		prev := Genesis
		for id := int64(1); id <= 3; id++ {
			h := legacyHash(prev, id, "admin", "area.create", "area:1", "370211", "{}")
			if _, err := d.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, action, object, area_code, detail, prev_hash, hash) VALUES (?, ?, 'admin', 'area.create', 'area:1', '370211', '{}', ?, ?)`, id, id, prev, h); err != nil {
				t.Fatal(err)
			}
			prev = h
		}
		if _, err := d.ExecContext(ctx, `UPDATE audit_head SET total = 3, last_id = 3, last_hash = ?, legacy_until = 3`, prev); err != nil {
			t.Fatal(err)
		}
		r, err := Check(ctx, d, testKey, nil)
		if err != nil || r.Entries != 3 || r.Legacy != 3 || len(r.Warnings) != 1 {
			t.Fatalf("legacy chain before the first keyed entry: %+v %v", r, err)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return Append(ctx, tx, Entry{At: time.Unix(9, 0), Actor: "admin", Action: "auth.login"})
		}); err != nil {
			t.Fatal(err)
		}
		if r, err := Check(ctx, d, testKey, nil); err != nil || r.Entries != 4 || r.Legacy != 3 {
			t.Fatalf("legacy then keyed: %+v %v", r, err)
		}
		var last string
		_ = d.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE id = 4`).Scan(&last)
		forged := legacyHash(last, 10, "mallory", "auth.login", "", "", "{}")
		if _, err := d.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, action, object, area_code, detail, prev_hash, hash) VALUES (5, 10, 'mallory', 'auth.login', '', '', '{}', ?, ?)`, last, forged); err != nil {
			t.Fatal(err)
		}
		if _, err := Check(ctx, d, testKey, nil); err == nil {
			t.Fatal("an unkeyed entry after the switch passed")
		}
	})
}
