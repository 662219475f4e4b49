package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are kept per dialect because the engines spell identity columns,
// booleans and collations differently; the two trees stay parallel file by file.
//
//go:embed migrations
var migrations embed.FS

// Migrate applies every pending migration. On PostgreSQL a session advisory
// lock lets several replicas start at once.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	return db.migrate(ctx, func(p *goose.Provider) ([]*goose.MigrationResult, error) { return p.Up(ctx) })
}

// MigrateTo applies the pending migrations up to and including version:
// upgrade tests start from an older schema with it.
func (db *DB) MigrateTo(ctx context.Context, version int64) (applied int, err error) {
	return db.migrate(ctx, func(p *goose.Provider) ([]*goose.MigrationResult, error) { return p.UpTo(ctx, version) })
}

func (db *DB) migrate(ctx context.Context, up func(*goose.Provider) ([]*goose.MigrationResult, error)) (int, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return 0, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return 0, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.w, sub, opts...)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	res, err := up(p)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}
