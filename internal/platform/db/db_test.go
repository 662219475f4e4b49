package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
)

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ?", "x = '?' AND y = $1"},
	}
	for _, c := range cases {
		if got := db.Rebind(db.Postgres, c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := db.Rebind(db.SQLite, c.in); got != c.in {
			t.Errorf("sqlite Rebind changed %q", c.in)
		}
	}
	long := "?,?,?,?,?,?,?,?,?,?,?"
	if got := db.Rebind(db.Postgres, long); got != "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11" {
		t.Errorf("got %q", got)
	}
}

func TestMigrateAndTx(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Migrating twice is a no-op.
		n, err := d.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate: n=%d err=%v", n, err)
		}
		// A failed transaction leaves nothing behind.
		errBoom := context.Canceled
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO areas (code, level, name, valid_from, updated_at) VALUES (?, 'district', ?, 0, 0)`, "370211", "黄岛区"); err != nil {
				return err
			}
			return errBoom
		})
		if err != errBoom {
			t.Fatalf("want rollback error, got %v", err)
		}
		var count int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas`).Scan(&count); err != nil || count != 0 {
			t.Fatalf("after rollback count=%d err=%v", count, err)
		}
		// Unique violations are recognised on both engines.
		ins := `INSERT INTO areas (code, level, name, valid_from, updated_at) VALUES ('370211', 'district', 'x', 0, 0)`
		if _, err := d.ExecContext(ctx, ins); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, ins); !db.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
	})
}

func TestGroupCommit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO areas (code, level, name, valid_from, updated_at) VALUES ('370211', 'district', 'd', 0, 0)`); err != nil {
			t.Fatal(err)
		}
		// 200 concurrent jobs; every fifth fails after writing, and only its own write is undone.
		const n = 200
		errsSeen := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() {
				errsSeen <- d.Group().Do(ctx, func(tx *db.Tx) error {
					code := fmt.Sprintf("370211%03d", i+1)
					if _, err := tx.ExecContext(ctx, `INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES (?, '370211', 'subdistrict', 's', 0, 0)`, code); err != nil {
						return err
					}
					if i%5 == 0 {
						return fmt.Errorf("job %d refuses", i)
					}
					return nil
				})
			}()
		}
		failed := 0
		for i := 0; i < n; i++ {
			if err := <-errsSeen; err != nil {
				failed++
			}
		}
		var count int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE level = 'subdistrict'`).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if failed != n/5 || count != n-n/5 {
			t.Fatalf("failed %d, stored %d", failed, count)
		}
		// A job hitting a constraint fails alone.
		err := d.Group().Do(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO areas (code, level, name, valid_from, updated_at) VALUES ('370211', 'district', 'dup', 0, 0)`)
			return err
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
	})
}

func TestBulkTx(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orphan := `INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES (?, '999999', 'subdistrict', 'x', 0, 0)`
		// A bulk transaction commits like any other; on SQLite it does not
		// check foreign keys (the bulk loader resolves its references), on
		// PostgreSQL it does.
		err := d.InBulkTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, orphan, "370211001")
			return err
		})
		if d.Dialect() == db.SQLite && err != nil {
			t.Fatalf("sqlite bulk tx: %v", err)
		}
		if d.Dialect() == db.Postgres && err == nil {
			t.Fatal("postgres bulk tx accepted a dangling reference")
		}
		// A failed bulk transaction leaves nothing behind.
		boom := fmt.Errorf("boom")
		if err := d.InBulkTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO areas (code, level, name, valid_from, updated_at) VALUES ('370212', 'district', 'x', 0, 0)`); err != nil {
				return err
			}
			return boom
		}); err != boom {
			t.Fatalf("want boom, got %v", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE code = '370212'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled back bulk tx left %d rows (%v)", n, err)
		}
		// Every later transaction checks foreign keys again.
		for i := 0; i < 3; i++ {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, orphan, fmt.Sprintf("37021100%d", i+2))
				return err
			})
			if err == nil {
				t.Fatalf("transaction %d after a bulk one accepted a dangling reference", i)
			}
		}
	})
}

// TestMigratePersonRegistration: migration 00008 moves each person's
// "created" history row onto the person record and leaves the rest of the
// history as it was.
func TestMigratePersonRegistration(t *testing.T) {
	for engine, dsn := range dbtest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.MigrateTo(ctx, 7); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO areas (code, level, name, valid_from, updated_at) VALUES ('m1', 'microgrid', '一号微网格', 0, 0)`,
				`INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (7, 'sec', '王书记', 'x', 0)`,
				`INSERT INTO persons (id, area_code, name, id_masked, residence_type, created_at, updated_at) VALUES (1, 'm1', '张三', '3702**********1234', 'registered', 1000, 2000)`,
				`INSERT INTO persons (id, area_code, name, residence_type, created_at, updated_at) VALUES (2, 'm1', '李四', 'resident', 1500, 1500)`,
				`INSERT INTO registry_history (area_code, entity, entity_id, field, from_value, to_value, actor_user_id, actor_name, channel, at) VALUES
					('m1', 'person', 1, 'created', NULL, '张三 3702**********1234（户 #1，户主）', 7, '王书记', 'import', 1000),
					('m1', 'household', 1, 'created', NULL, '幸福路12号', 7, '王书记', 'import', 1000),
					('m1', 'person', 1, 'name', '张三', '张叁', 7, '王书记', 'console', 2000)`,
			} {
				if _, err := d.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if n, err := d.Migrate(ctx); err != nil || n == 0 {
				t.Fatalf("migrate: n=%d err=%v", n, err)
			}
			type reg struct {
				channel, by string
				user        *int64
			}
			want := map[int64]reg{1: {"import", "王书记", new(int64)}, 2: {"", "", nil}}
			*want[1].user = 7
			for id, w := range want {
				var got reg
				if err := d.QueryRowContext(ctx, `SELECT created_channel, created_by_name, created_by FROM persons WHERE id = ?`, id).Scan(&got.channel, &got.by, &got.user); err != nil {
					t.Fatal(err)
				}
				if got.channel != w.channel || got.by != w.by || (got.user == nil) != (w.user == nil) || (got.user != nil && *got.user != *w.user) {
					t.Errorf("person %d: got %+v, want %+v", id, got, w)
				}
			}
			rows, err := d.QueryContext(ctx, `SELECT entity, field FROM registry_history ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var left []string
			for rows.Next() {
				var e, f string
				if err := rows.Scan(&e, &f); err != nil {
					t.Fatal(err)
				}
				left = append(left, e+"."+f)
			}
			if fmt.Sprint(left) != "[household.created person.name]" {
				t.Errorf("history after the migration: %v", left)
			}
		})
	}
}

// TestPragmaNotCached: a PRAGMA run in a transaction is not prepared again
// afterwards (SQLite applies cache_size when preparing): the setting is the
// last one run, whatever the statement cache does after the transaction.
func TestPragmaNotCached(t *testing.T) {
	d := dbtest.OpenSQLite(t)
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		sizes := []int{-1000, -2000, -3000, -4000, -5000, -6000, -7000, -8000}
		err := d.InBulkTx(ctx, func(tx *db.Tx) error {
			for _, n := range sizes {
				if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", n)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := d.Writer().QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != sizes[len(sizes)-1] {
			t.Fatalf("round %d: cache_size %d after the transaction, want %d", round, got, sizes[len(sizes)-1])
		}
		// The next round runs the same texts: the last one must still win.
		sizes[0], sizes[len(sizes)-1] = sizes[len(sizes)-1], sizes[0]
	}
}
