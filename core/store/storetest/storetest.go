// Package storetest gives tests a fresh, migrated database of each dialect: a SQLite file in a
// temporary folder, and a new database on the PostgreSQL server named by
// STEWARD_TEST_POSTGRES_URL (which `make test` starts). With CI=true a missing PostgreSQL
// server fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/store"
)

// EnvPostgresURL names the variable holding an administrative URL of a throwaway PostgreSQL
// server; tests create and drop their own databases on it.
const EnvPostgresURL = "STEWARD_TEST_POSTGRES_URL"

// Each runs fn once per dialect, each time with a fresh migrated store, as subtests named
// "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			fn(t, New(t, dialect))
		})
	}
}

// New returns a fresh migrated store of the dialect, closed when the test ends.
func New(t *testing.T, dialect string) *store.Store {
	t.Helper()
	cfg := Config(t, dialect)
	ctx := context.Background()
	s, err := store.Open(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Migrate(ctx))
	return s
}

// Config returns a store configuration for a fresh, empty database of the dialect.
func Config(t *testing.T, dialect string) store.Config {
	t.Helper()
	if dialect == store.SQLite {
		return store.Config{DataDir: t.TempDir()}
	}
	return store.Config{DatabaseURL: NewPostgresDatabase(t)}
}

// NewPostgresDatabase creates an empty database on the test server and returns its URL. The
// database is dropped when the test ends.
func NewPostgresDatabase(t *testing.T) string {
	t.Helper()
	admin := os.Getenv(EnvPostgresURL)
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: run the tests with `make test`, which starts PostgreSQL",
				EnvPostgresURL)
		}
		t.Skipf("PostgreSQL tests need %s (make test sets it)", EnvPostgresURL)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	require.NoError(t, err)
	defer db.Close()

	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "t_" + hex.EncodeToString(buf)
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err, "create test database")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})

	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}
