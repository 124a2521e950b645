package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/migrations"
)

// TestRunPathwaysKeepsRunsAndOutput upgrades a database holding a run and its output across
// migration 11, which rebuilds the runs table on SQLite, and checks that nothing was lost and
// that a run may now go through a link's pathway instead of an agent.
func TestRunPathwaysKeepsRunsAndOutput(t *testing.T) {
	openEach(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		fsys, err := migrations.FS(s.Dialect())
		require.NoError(t, err)
		provider, err := s.goose(fsys)
		require.NoError(t, err)
		_, err = provider.UpTo(ctx, 10)
		require.NoError(t, err)

		now := time.Now().UTC()
		exec := func(q string, args ...any) {
			t.Helper()
			_, err := s.DB.ExecContext(ctx, q, args...)
			require.NoError(t, err)
		}
		exec(`INSERT INTO tenants (id, name, created_at, updated_at) VALUES ('t1', 'A', ?, ?)`,
			now, now)
		exec(`INSERT INTO computers (id, tenant_id, name, status, created_at, updated_at)
			VALUES ('c1', 't1', 'pc', 'onboarded', ?, ?)`, now, now)
		exec(`INSERT INTO agents (id, tenant_id, public_key, enrolled_at)
			VALUES ('a1', 't1', 'key', ?)`, now)
		exec(`INSERT INTO script_runs (id, tenant_id, computer_id, agent_id, language, context,
			body, timeout_seconds, status, created_by, created_at)
			VALUES ('r1', 't1', 'c1', 'a1', 'sh', 'system', 'echo hi', 60, 'completed',
			'test', ?)`, now)
		exec(`INSERT INTO script_output (run_id, seq, stream, line, at)
			VALUES ('r1', 1, 'stdout', 'hi', ?), ('r1', 2, 'stdout', 'there', ?)`, now, now)

		require.NoError(t, s.Migrate(ctx))

		var lines []string
		require.NoError(t, s.DB.NewRaw(`SELECT line FROM script_output WHERE run_id = 'r1'
			ORDER BY seq`).Scan(ctx, &lines))
		require.Equal(t, []string{"hi", "there"}, lines, "output survives the rebuild")
		var agent string
		require.NoError(t, s.DB.NewRaw(`SELECT agent_id FROM script_runs WHERE id = 'r1'`).
			Scan(ctx, &agent))
		require.Equal(t, "a1", agent)

		exec(`INSERT INTO pathways (id, link_id, external_id, tenant_id, computer_id,
			first_seen_at) VALUES ('p1', 'l1', 'web1', 't1', 'c1', ?)`, now)
		exec(`INSERT INTO script_runs (id, tenant_id, computer_id, pathway_id, language,
			context, body, timeout_seconds, status, created_by, created_at)
			VALUES ('r2', 't1', 'c1', 'p1', 'sh', 'system', 'echo hi', 60, 'queued', 'test', ?)`,
			now)
		exec(`INSERT INTO script_output (run_id, seq, stream, line, at)
			VALUES ('r2', 1, 'stdout', 'through a link', ?)`, now)

		_, err = s.DB.ExecContext(ctx, `INSERT INTO script_runs (id, tenant_id, computer_id,
			agent_id, pathway_id, language, context, body, timeout_seconds, status,
			created_by, created_at) VALUES ('r3', 't1', 'c1', 'a1', 'p1', 'sh', 'system', 'x',
			60, 'queued', 'test', ?)`, now)
		require.Error(t, err, "a run has one pathway, not two")

		exec(`DELETE FROM script_runs WHERE id = 'r2'`)
		var n int
		require.NoError(t, s.DB.NewRaw(`SELECT count(*) FROM script_output WHERE run_id = 'r2'`).
			Scan(ctx, &n))
		require.Zero(t, n, "output still goes with its run")
	})
}
