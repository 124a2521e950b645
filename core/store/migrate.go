package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/stewardhq/steward/migrations"
)

// migrateLockKey is the PostgreSQL advisory lock that lets only one instance migrate at a time
// when several start together.
const migrateLockKey = 0x5354455741524430 // "STEWARD0"

// MigrationStatus is one applied or pending migration.
type MigrationStatus struct {
	Source  string // "steward" or "jobs"
	Version int64
	Applied bool
}

// Migrate applies every pending migration: the hub's own files, then the job queue's tables.
// Each file runs in its own transaction, so a failure leaves the database as it was before
// that file, and the error names the file.
func (s *Store) Migrate(ctx context.Context) error {
	unlock, err := s.lockMigrations(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	fsys, err := migrations.FS(s.dialect)
	if err != nil {
		return fmt.Errorf("load migration files: %w", err)
	}
	if err := s.applyFiles(ctx, fsys); err != nil {
		return err
	}

	migrator, err := rivermigrate.New(s.riverDriver(), nil)
	if err != nil {
		return fmt.Errorf("prepare job queue migrations: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("apply job queue migrations: %w", err)
	}
	for _, v := range res.Versions {
		s.log.Info("job queue migration applied", "version", v.Version)
	}
	return nil
}

func (s *Store) applyFiles(ctx context.Context, fsys fs.FS) error {
	provider, err := s.goose(fsys)
	if err != nil {
		return err
	}
	results, err := provider.Up(ctx)
	for _, r := range results {
		s.log.Info("migration applied", "version", r.Source.Version,
			"file", r.Source.Path, "duration", r.Duration)
	}
	var partial *goose.PartialError
	if errors.As(err, &partial) && partial.Failed != nil {
		return fmt.Errorf("apply migration %s (rolled back): %w",
			partial.Failed.Source.Path, partial.Err)
	}
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Pending lists the hub's migrations that are not applied yet.
func (s *Store) Pending(ctx context.Context) ([]MigrationStatus, error) {
	fsys, err := migrations.FS(s.dialect)
	if err != nil {
		return nil, fmt.Errorf("load migration files: %w", err)
	}
	provider, err := s.goose(fsys)
	if err != nil {
		return nil, err
	}
	status, err := provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("read migration status: %w", err)
	}
	var out []MigrationStatus
	for _, st := range status {
		if st.State != goose.StateApplied {
			out = append(out, MigrationStatus{Source: "steward", Version: st.Source.Version})
		}
	}
	return out, nil
}

func (s *Store) goose(fsys fs.FS) (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	provider, err := goose.NewProvider(dialect, s.DB.DB, fsys,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("prepare migrations: %w", err)
	}
	return provider, nil
}

// riverDriver returns the job queue's driver over database/sql, so jobs and application rows
// share one transaction type on both databases.
func (s *Store) riverDriver() riverdriver.Driver[*sql.Tx] {
	if s.dialect == Postgres {
		return riverdatabasesql.New(s.Jobs)
	}
	return riversqlite.New(s.Jobs)
}

// RiverDriver is riverDriver for the job queue package.
func (s *Store) RiverDriver() riverdriver.Driver[*sql.Tx] { return s.riverDriver() }

func (s *Store) lockMigrations(ctx context.Context) (func(), error) {
	if s.dialect != Postgres {
		// Two processes may open one file at the same moment (a first `serve` and a
		// `token create`): a lock file beside it lets one migrate while the other waits.
		return lockFile(ctx, s.path+".migrate.lock")
	}
	conn, err := s.DB.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		conn.Close()
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(),
			"SELECT pg_advisory_unlock($1)", migrateLockKey)
		conn.Close()
	}, nil
}
