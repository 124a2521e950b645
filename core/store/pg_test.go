package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// newPostgresDatabase mirrors storetest.NewPostgresDatabase, which this package cannot import.
func newPostgresDatabase(t *testing.T) string {
	admin := os.Getenv("STEWARD_TEST_POSTGRES_URL")
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("STEWARD_TEST_POSTGRES_URL is not set: run the tests with `make test`")
		}
		t.Skip("PostgreSQL tests need STEWARD_TEST_POSTGRES_URL (make test sets it)")
	}
	db, err := sql.Open("pgx", admin)
	require.NoError(t, err)
	defer db.Close()
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "s_" + hex.EncodeToString(buf)
	_, err = db.ExecContext(context.Background(), "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err == nil {
			_, _ = db.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)")
			db.Close()
		}
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}
