// Package store opens the hub's database, PostgreSQL or an embedded SQLite file, and applies
// the schema migrations. Domain packages own their bun models and queries; this package only
// gives them a ready *bun.DB and the few helpers that differ between the two dialects.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite" // database/sql driver "sqlite", pure Go
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Config says which database to open. The zero value opens steward.db in the current folder.
type Config struct {
	// DatabaseURL selects PostgreSQL (postgres://…). Empty means the embedded SQLite file.
	DatabaseURL string
	// DataDir holds the SQLite file steward.db when DatabaseURL is empty.
	DataDir string
	// Logger receives migration progress; nil discards it.
	Logger *slog.Logger
}

// Store is an open database.
type Store struct {
	// DB is the bun handle every domain package queries through.
	DB *bun.DB
	// Jobs is the pool the job queue uses. On SQLite it is a separate single connection,
	// because the queue's own work would otherwise wait on the application's connections.
	Jobs    *sql.DB
	dialect string
	log     *slog.Logger
	// path is the SQLite file; empty on PostgreSQL.
	path string
}

// Open connects to the database named by cfg and checks that it answers. It does not migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.DatabaseURL != "" {
		return openPostgres(ctx, cfg.DatabaseURL, log)
	}
	dir := cfg.DataDir
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	return openSQLite(ctx, filepath.Join(dir, "steward.db"), log)
}

func openPostgres(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, errors.New("database url must start with postgres:// or postgresql://")
	}
	sqldb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgresql: %w", err)
	}
	sqldb.SetMaxOpenConns(20)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	if err := ping(ctx, sqldb); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("connect to postgresql: %w", err)
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	return &Store{DB: db, Jobs: sqldb, dialect: Postgres, log: log}, nil
}

// sqliteDSN sets the pragmas every connection needs: WAL so readers never wait for the writer,
// a busy timeout so writers queue instead of failing, foreign keys on, and immediate
// transactions so a transaction that will write takes the lock at BEGIN rather than failing
// halfway when it upgrades.
func sqliteDSN(path string) string {
	return "file:" + path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(15000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
}

func openSQLite(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	// Switching a new file to WAL takes a lock that does not wait: processes opening one
	// file at once take turns through the lock file.
	unlock, err := lockFile(ctx, path+".migrate.lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	sqldb, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(8)
	if err := ping(ctx, sqldb); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	jobs, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("open sqlite %s for jobs: %w", path, err)
	}
	jobs.SetMaxOpenConns(1)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	return &Store{DB: db, Jobs: jobs, dialect: SQLite, log: log, path: path}, nil
}

func ping(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// Dialect returns Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// Close closes every connection.
func (s *Store) Close() error {
	err := s.DB.Close()
	if s.Jobs != s.DB.DB {
		err = errors.Join(err, s.Jobs.Close())
	}
	return err
}

// IsUniqueViolation reports whether err says a unique constraint refused a row.
func IsUniqueViolation(err error) bool {
	return hasCode(err, "23505", sqlite3.SQLITE_CONSTRAINT_UNIQUE,
		sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// IsForeignKeyViolation reports whether err says a foreign key refused a change.
func IsForeignKeyViolation(err error) bool {
	if hasCode(err, "23503", sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return true
	}
	// SQLite reports a foreign key refused at the end of a statement under a generic
	// constraint code; only its message names the kind.
	var liteErr *sqlite.Error
	return errors.As(err, &liteErr) &&
		strings.Contains(liteErr.Error(), "FOREIGN KEY constraint failed")
}

func hasCode(err error, pgState string, sqliteCodes ...int) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgState
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return slices.Contains(sqliteCodes, liteErr.Code())
	}
	return false
}
