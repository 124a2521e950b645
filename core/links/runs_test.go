package links_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/core/tenant"
	"github.com/stewardhq/steward/sdk"
)

// syncedLink creates a running link of the fake connector named name, maps client c1 to
// tenantID and syncs it.
func syncedLink(t *testing.T, c *client.Client, name string, priority int,
	tenantID string) links.Link {
	t.Helper()
	ctx := context.Background()
	var l links.Link
	require.NoError(t, c.Do(ctx, http.MethodPost, "/links", map[string]any{
		"connector": "fake", "name": name, "priority": priority, "config": map[string]string{
			"endpoint": "https://api.example.test", "apiKey": apiKey}}, &l))
	l = waitStatus(t, c, l.ID, links.StatusRunning)
	require.Contains(t, l.Capabilities, sdk.CapRunScript)
	require.NoError(t, c.Do(ctx, http.MethodPut, "/links/"+l.ID+"/clients/c1",
		map[string]any{"tenantId": tenantID}, nil))
	require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/sync", nil, nil))
	return l
}

func waitRun(t *testing.T, c *client.Client, id string, done func(scripts.Run) bool) scripts.Run {
	t.Helper()
	var r scripts.Run
	require.Eventually(t, func() bool {
		return c.Do(context.Background(), http.MethodGet, "/script-runs/"+id, nil, &r) == nil &&
			done(r)
	}, 30*time.Second, 50*time.Millisecond, "run %s stayed %s", id, r.Status)
	return r
}

func TestScriptsRunThroughLinksByPriority(t *testing.T) {
	opts, _ := withPlugins(t)
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		c := h.Client
		var ten tenant.Tenant
		require.NoError(t, c.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "Contoso"}, &ten))
		first := syncedLink(t, c, "Fake A", 0, ten.ID)
		var computerID string
		require.NoError(t, h.Store.DB.NewSelect().Table("pathways").Column("computer_id").
			Where("link_id = ? AND external_id = 'a0000'", first.ID).Scan(ctx, &computerID))
		run := func(body map[string]any) scripts.Run {
			var r scripts.Run
			require.NoError(t, c.Do(ctx, http.MethodPost,
				"/computers/"+computerID+"/scripts/run", body, &r))
			return r
		}

		t.Run("output and exit code come back through the connector", func(t *testing.T) {
			r := run(map[string]any{"language": "sh", "body": "hello\nerr:oops",
				"params": map[string]string{"exit": "3"}})
			r = waitRun(t, c, r.ID, func(r scripts.Run) bool { return scripts.Finished(r.Status) })
			require.Equal(t, scripts.StatusCompleted, r.Status, r.Error)
			require.Equal(t, 3, *r.ExitCode)
			require.Equal(t, "link Fake A", r.Via)
			require.Empty(t, r.AgentID)

			var out struct {
				Lines []sdk.OutputLine `json:"lines"`
			}
			require.NoError(t, c.Do(ctx, http.MethodGet, "/script-runs/"+r.ID+"/output", nil,
				&out))
			require.GreaterOrEqual(t, len(out.Lines), 3)
			require.Equal(t, "hello", out.Lines[0].Text)
			require.Equal(t, sdk.StreamStderr, out.Lines[1].Stream)
			require.Equal(t, "oops", out.Lines[1].Text)
		})

		t.Run("a cancel stops the script in the connector", func(t *testing.T) {
			r := run(map[string]any{"language": "sh", "body": "sleep", "timeoutSeconds": 120})
			waitRun(t, c, r.ID, func(r scripts.Run) bool {
				return r.Status == scripts.StatusDispatched
			})
			require.NoError(t, c.Do(ctx, http.MethodPost, "/script-runs/"+r.ID+"/cancel", nil,
				nil))
			r = waitRun(t, c, r.ID, func(r scripts.Run) bool { return scripts.Finished(r.Status) })
			require.Equal(t, scripts.StatusCancelled, r.Status)
		})

		t.Run("the link with the higher priority goes first", func(t *testing.T) {
			second := syncedLink(t, c, "Fake B", 10, ten.ID)
			var ps []scripts.Pathway
			require.NoError(t, c.Do(ctx, http.MethodGet, "/computers/"+computerID+"/pathways",
				nil, &ps))
			require.Len(t, ps, 2, "both links reach the same computer")
			require.Equal(t, []string{"Fake B", "Fake A"}, []string{ps[0].Link, ps[1].Link})
			r := run(map[string]any{"language": "sh", "body": "which"})
			r = waitRun(t, c, r.ID, func(r scripts.Run) bool { return scripts.Finished(r.Status) })
			require.Equal(t, "link Fake B", r.Via)

			pids := pidsOf(t, first.BinaryPath)
			require.NoError(t, c.Do(ctx, http.MethodPatch, "/links/"+first.ID,
				map[string]any{"priority": 20, "name": "Fake A"}, nil))
			require.Equal(t, pids, pidsOf(t, first.BinaryPath),
				"a new priority restarts no connector")
			r = run(map[string]any{"language": "sh", "body": "which"})
			r = waitRun(t, c, r.ID, func(r scripts.Run) bool { return scripts.Finished(r.Status) })
			require.Equal(t, "link Fake A", r.Via)

			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+first.ID+"/disable", nil,
				nil))
			r = run(map[string]any{"language": "sh", "body": "which"})
			r = waitRun(t, c, r.ID, func(r scripts.Run) bool { return scripts.Finished(r.Status) })
			require.Equal(t, "link "+second.Name, r.Via, "a disabled link is passed over")
		})

		t.Run("deleting a link ends the runs waiting for it", func(t *testing.T) {
			_, err := h.Store.DB.ExecContext(ctx, `INSERT INTO script_runs (id, tenant_id,
				computer_id, pathway_id, language, context, body, timeout_seconds, status,
				created_by, created_at) SELECT 'waiting', tenant_id, computer_id, id, 'sh',
				'system', 'x', 60, 'queued', 'test', ? FROM pathways
				WHERE link_id = ? AND external_id = 'a0000'`, time.Now().UTC(), first.ID)
			require.NoError(t, err)
			require.NoError(t, c.Do(ctx, http.MethodDelete, "/links/"+first.ID, nil, nil))

			r := waitRun(t, c, "waiting", func(r scripts.Run) bool {
				return scripts.Finished(r.Status)
			})
			require.Equal(t, scripts.StatusError, r.Status)
			require.Contains(t, r.Error, "was deleted")
			require.Equal(t, "a deleted link", r.Via)
			n, err := h.Store.DB.NewSelect().Table("pathways").
				Where("link_id = ? AND (online OR NOT gone)", first.ID).Count(ctx)
			require.NoError(t, err)
			require.Zero(t, n, "the deleted link's records are gone, kept for history")
		})
	}, opts)
}
