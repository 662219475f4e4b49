// Package db opens Tongxin's database — embedded SQLite by default, PostgreSQL
// for scale — and hides the few differences the domain stores should not see:
// placeholder style, the single SQLite writer, migrations per dialect.
//
// Stores write SQL with "?" placeholders; Rebind turns them into $n for
// PostgreSQL. Timestamps are stored as BIGINT unix milliseconds (UTC) on both
// engines so that comparisons and scans behave the same.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Dialect names the engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a database handle: a writer and a reader pool. On SQLite the writer
// is a single connection that starts transactions with BEGIN IMMEDIATE, so
// writers queue in Go instead of failing with SQLITE_BUSY; readers run in
// parallel thanks to WAL. On PostgreSQL both are the same pool.
type DB struct {
	dialect   Dialect
	w, r      *sql.DB
	wst, rst  *stmtCache
	groupOnce sync.Once
	group     *Group
}

// Dialect names the engine behind the handle.
func (db *DB) Dialect() Dialect { return db.dialect }

// IsPostgres reports whether the DSN names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a postgres:// URL or a SQLite file
// path (its directory is created if missing). It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(32)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	cache := newStmtCache(pool)
	return &DB{dialect: Postgres, w: pool, r: pool, wst: cache, rst: cache}, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("empty database path")
	}
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, err
			}
		}
	}
	// busy_timeout first, so that the other pragmas wait instead of failing.
	pragmas := []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)", "temp_store(MEMORY)", "cache_size(-65536)"}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &DB{dialect: SQLite, w: w, r: r, wst: newStmtCache(w), rst: newStmtCache(r)}, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.wst.close()
	if db.rst != db.wst {
		db.rst.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		if e := db.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Writer returns the write pool (for migrations and bulk tools).
func (db *DB) Writer() *sql.DB { return db.w }

// Ping checks both pools (readiness).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return err
	}
	return db.r.PingContext(ctx)
}

// Querier is what stores run SQL against: the DB (reads from the reader pool,
// single statements on the writer) or a Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	Dialect() Dialect
}

func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = Rebind(db.dialect, q)
	if st := db.rst.get(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.r.QueryContext(ctx, q, args...)
}

func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q = Rebind(db.dialect, q)
	if st := db.rst.get(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.r.QueryRowContext(ctx, q, args...)
}

func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.w.ExecContext(ctx, Rebind(db.dialect, q), args...)
}

// Tx is a write transaction.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	cache   *stmtCache
	// local are the statements a long transaction (a bulk load) runs again
	// and again before the shared cache has them: prepared on the
	// transaction the second time they run. A nil value: seen once.
	local map[string]*sql.Stmt
}

// maxLocalStmts bounds the statements a transaction prepares for itself.
const maxLocalStmts = 128

// stmt returns a prepared statement for q bound to the transaction — the
// shared cache's, or the transaction's own for a text run more than once —
// or nil to run q unprepared.
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if !cacheable(q) {
		return nil
	}
	if st := t.cache.peek(q); st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	st, seen := t.local[q]
	if st != nil || len(t.local) >= maxLocalStmts {
		return st
	}
	if t.local == nil {
		t.local = map[string]*sql.Stmt{}
	}
	if seen {
		if p, err := t.tx.PrepareContext(ctx, q); err == nil {
			t.local[q] = p
			return p
		}
	}
	t.local[q] = nil
	return nil
}

func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = Rebind(t.dialect, q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q = Rebind(t.dialect, q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = Rebind(t.dialect, q)
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *Tx) Dialect() Dialect { return t.dialect }

// InTx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if err := db.run(ctx, db.w.BeginTx, fn); err != nil {
		return err
	}
	db.wst.prepareWanted(ctx)
	return nil
}

// run runs fn in the transaction begin starts, committing when fn returns
// nil and rolling back otherwise.
func (db *DB) run(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(tx *Tx) error) error {
	sqlTx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Tx{tx: sqlTx, dialect: db.dialect, cache: db.wst}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// InBulkTx is InTx for bulk loads whose code resolves every reference it
// writes itself (as ledger imports do, from ids they just read or stored in
// the same transaction): on SQLite the writer connection checks no foreign
// keys for the duration of the transaction — each check is a B-tree seek per
// row and reference — and checks them again from the next transaction on.
// PostgreSQL runs it as InTx.
func (db *DB) InBulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect != SQLite {
		return db.InTx(ctx, fn)
	}
	if err := db.inBulkTx(ctx, fn); err != nil {
		return err
	}
	db.wst.prepareWanted(ctx)
	return nil
}

func (db *DB) inBulkTx(ctx context.Context, fn func(tx *Tx) error) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	// Outside a transaction, as SQLite ignores the pragma inside one.
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		// A connection left without foreign keys must not go back to the
		// pool: Raw marks it bad when the pragma fails.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return db.run(ctx, conn.BeginTx, fn)
}

// Rebind rewrites "?" placeholders as $1, $2 … for PostgreSQL, leaving
// question marks inside quoted strings alone.
func Rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Millis converts a time to the stored form.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Time converts the stored form back to UTC time.
func Time(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NullTime converts a nullable stored time.
func NullTime(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := Time(ms.Int64)
	return &t
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
