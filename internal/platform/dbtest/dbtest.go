// Package dbtest gives every store and API test a fresh, migrated database on
// each engine: a SQLite file in a temp dir, and — when TONGXIN_TEST_POSTGRES
// holds a URL — a throwaway schema in that PostgreSQL. Under CI the PostgreSQL
// URL is mandatory, so no test can pass on one engine only.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/tongxin/tongxin/internal/platform/db"
)

// Engines runs fn once per engine as subtests named "sqlite" and "postgres".
func Engines(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
	pg := os.Getenv("TONGXIN_TEST_POSTGRES")
	if pg == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TONGXIN_TEST_POSTGRES is not set under CI: every store test must run on PostgreSQL too (use scripts/test.sh)")
		}
		t.Log("TONGXIN_TEST_POSTGRES not set: PostgreSQL half skipped (scripts/test.sh sets it)")
		return
	}
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t, pg)) })
}

// OpenSQLite returns a migrated SQLite database in a temp dir.
func OpenSQLite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// OpenPostgres creates a fresh schema in the server at base, returns a
// migrated handle whose search_path is that schema, and drops it afterwards.
func OpenPostgres(t testing.TB, base string) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, SchemaURL(t, base))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// DSNs returns, per engine, a fresh database for code that opens its own
// (the CLI): a SQLite path, and a PostgreSQL URL bound to a new schema when
// TONGXIN_TEST_POSTGRES is set (mandatory under CI).
func DSNs(t *testing.T) map[string]string {
	out := map[string]string{"sqlite": filepath.Join(t.TempDir(), "cli.db")}
	pg := os.Getenv("TONGXIN_TEST_POSTGRES")
	if pg == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TONGXIN_TEST_POSTGRES is not set under CI")
		}
		return out
	}
	out["postgres"] = SchemaURL(t, pg)
	return out
}

// SchemaURL creates a fresh schema in the server at base and returns a URL
// whose search_path is that schema; the schema is dropped after the test.
func SchemaURL(t testing.TB, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := db.Open(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	t.Cleanup(func() {
		if a, err := db.Open(context.Background(), base); err == nil {
			_, _ = a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			a.Close()
		}
	})
	return u.String()
}
