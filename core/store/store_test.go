package store

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// The storetest package imports this one, so these tests open their databases by hand.
func openEach(t *testing.T, fn func(t *testing.T, s *Store)) {
	for _, dialect := range []string{SQLite, Postgres} {
		t.Run(dialect, func(t *testing.T) {
			cfg := Config{DataDir: t.TempDir()}
			if dialect == Postgres {
				cfg = Config{DatabaseURL: newPostgresDatabase(t)}
			}
			s, err := Open(context.Background(), cfg)
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			require.Equal(t, dialect, s.Dialect())
			fn(t, s)
		})
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	openEach(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		require.NoError(t, s.Migrate(ctx))
		require.NoError(t, s.Migrate(ctx), "a second run must find nothing to do")

		pending, err := s.Pending(ctx)
		require.NoError(t, err)
		require.Empty(t, pending)

		var n int
		require.NoError(t, s.DB.NewRaw("SELECT count(*) FROM tenants").Scan(ctx, &n))
		require.Equal(t, 0, n)
		require.NoError(t, s.DB.NewRaw("SELECT count(*) FROM river_job").Scan(ctx, &n))
	})
}

func TestFailedMigrationLeavesDatabaseAsItWas(t *testing.T) {
	good := fstest.MapFS{
		"00001_people.sql": {Data: []byte(`-- +goose Up
CREATE TABLE people (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO people (id, name) VALUES (1, 'Ada');
-- +goose Down
DROP TABLE people;
`)},
	}
	bad := fstest.MapFS{
		"00001_people.sql": good["00001_people.sql"],
		// The second statement fails after the first has created a table and changed a row.
		"00002_broken.sql": {Data: []byte(`-- +goose Up
CREATE TABLE half_done (id integer PRIMARY KEY);
UPDATE people SET name = 'changed';
INSERT INTO no_such_table VALUES (1);
-- +goose Down
DROP TABLE half_done;
`)},
	}

	openEach(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		require.NoError(t, s.applyFiles(ctx, good))

		err := s.applyFiles(ctx, bad)
		require.Error(t, err)
		require.Contains(t, err.Error(), "00002_broken.sql")

		var name string
		require.NoError(t, s.DB.NewRaw("SELECT name FROM people WHERE id = 1").Scan(ctx, &name))
		require.Equal(t, "Ada", name, "the failed file's update must be rolled back")

		var n int
		err = s.DB.NewRaw("SELECT count(*) FROM half_done").Scan(ctx, &n)
		require.Error(t, err, "the failed file's table must not exist")

		provider, err := s.goose(bad)
		require.NoError(t, err)
		version, err := provider.GetDBVersion(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 1, version)
	})
}

func TestOpenRejectsForeignURL(t *testing.T) {
	_, err := Open(context.Background(), Config{DatabaseURL: "mysql://x"})
	require.ErrorContains(t, err, "postgres://")
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	openEach(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, err := s.DB.ExecContext(ctx, "CREATE TABLE u (k text PRIMARY KEY)")
		require.NoError(t, err)
		_, err = s.DB.ExecContext(ctx, "INSERT INTO u VALUES ('a')")
		require.NoError(t, err)
		_, err = s.DB.ExecContext(ctx, "INSERT INTO u VALUES ('a')")
		require.True(t, IsUniqueViolation(err), "got %v", err)
		require.False(t, IsForeignKeyViolation(err))
	})
}

// Two processes opening one new file at once must both end up with a migrated database.
func TestConcurrentFirstMigrations(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(context.Background(), Config{DataDir: dir})
			if err == nil {
				err = s.Migrate(context.Background())
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
}
