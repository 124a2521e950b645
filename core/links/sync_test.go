package links_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/hub"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/tenant"
)

// The fake connector reports 1200 agents, alternating between clients c1 and c2.
const fakeAgents, perClient = 1200, 600

// pathway is a stored pathway row, written by a test to stand for an earlier sync.
type pathway struct {
	bun.BaseModel `bun:"table:pathways"`

	ID          string    `bun:"id,pk"`
	LinkID      string    `bun:"link_id"`
	ExternalID  string    `bun:"external_id"`
	TenantID    string    `bun:"tenant_id"`
	Online      bool      `bun:"online"`
	Gone        bool      `bun:"gone"`
	FirstSeenAt time.Time `bun:"first_seen_at"`
}

// startFakeLink creates a running link to the fake connector.
func startFakeLink(t *testing.T, c *client.Client) links.Link {
	t.Helper()
	var l links.Link
	require.NoError(t, c.Do(context.Background(), http.MethodPost, "/links", map[string]any{
		"connector": "fake", "name": "Fake RMM", "config": map[string]string{
			"endpoint": "https://api.example.test", "apiKey": apiKey}}, &l))
	return waitStatus(t, c, l.ID, links.StatusRunning)
}

func TestClientMappingAndSync(t *testing.T) {
	opts, _ := withPlugins(t)
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		c := h.Client
		var contoso tenant.Tenant
		require.NoError(t, c.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "CONTOSO, Ltd."}, &contoso))
		l := startFakeLink(t, c)
		base := "/links/" + l.ID

		count := func(table, where string, args ...any) int {
			n, err := h.Store.DB.NewSelect().Table(table).Where(where, args...).Count(ctx)
			require.NoError(t, err)
			return int(n)
		}
		sync := func() links.SyncSummary {
			var sum links.SyncSummary
			require.NoError(t, c.Do(ctx, http.MethodPost, base+"/sync", nil, &sum))
			return sum
		}

		t.Run("clients with a suggestion", func(t *testing.T) {
			var got []links.ClientMapping
			require.NoError(t, c.Do(ctx, http.MethodGet, base+"/clients", nil, &got))
			require.Equal(t, []links.ClientMapping{
				{ClientID: "c1", Name: "Contoso", SuggestedTenantID: contoso.ID, Reported: true},
				{ClientID: "c2", Name: "Fabrikam", Reported: true},
			}, got)
		})

		t.Run("sync before any mapping skips every agent", func(t *testing.T) {
			require.Equal(t, links.SyncSummary{Seen: fakeAgents, Skipped: fakeAgents}, sync())
			require.Zero(t, count("pathways", "link_id = ?", l.ID))
		})

		t.Run("map a client", func(t *testing.T) {
			var m links.ClientMapping
			require.NoError(t, c.Do(ctx, http.MethodPut, base+"/clients/c1",
				map[string]any{"tenantId": contoso.ID}, &m))
			require.Equal(t, links.ClientMapping{ClientID: "c1", Name: "Contoso",
				TenantID: contoso.ID, Reported: true}, m)

			var got []links.ClientMapping
			require.NoError(t, c.Do(ctx, http.MethodGet, base+"/clients", nil, &got))
			require.Equal(t, contoso.ID, got[0].TenantID)
			require.Empty(t, got[0].SuggestedTenantID, "a mapped client needs no suggestion")
			require.Equal(t, 1, count("audit_log", "action = 'map_client' AND object_id = ?",
				l.ID))
		})

		t.Run("sync identifies the agents of mapped clients only", func(t *testing.T) {
			want := links.SyncSummary{Seen: fakeAgents, Identified: perClient,
				Skipped: perClient}
			require.Equal(t, want, sync())
			require.Equal(t, perClient, count("computers", "tenant_id = ?", contoso.ID))
			require.Equal(t, perClient, count("pathways", "link_id = ? AND tenant_id = ?",
				l.ID, contoso.ID))

			var name, serial, smbios string
			require.NoError(t, h.Store.DB.NewSelect().Table("computers").
				Column("computers.name", "serial", "smbios_uuid").
				Join("JOIN pathways AS p ON p.computer_id = computers.id").
				Where("p.link_id = ? AND p.external_id = 'a0002'", l.ID).
				Scan(ctx, &name, &serial, &smbios))
			require.Equal(t, []string{"pc-0002", "SN0002", "00000000-0000-0000-0000-000000000002"},
				[]string{name, serial, smbios})

			require.Equal(t, want, sync(), "a second sync finds the same agents")
			require.Equal(t, perClient, count("computers", "tenant_id = ?", contoso.ID),
				"no duplicates")
			require.Equal(t, perClient, count("pathways", "link_id = ?", l.ID))
		})

		t.Run("an agent no longer reported is marked gone", func(t *testing.T) {
			// The fake connector's list is fixed, so an agent it reported before and no
			// longer does is a stored pathway the list lacks.
			row := pathway{ID: uuid.NewString(), LinkID: l.ID, ExternalID: "a9999",
				TenantID: contoso.ID, Online: true, FirstSeenAt: time.Now().UTC()}
			_, err := h.Store.DB.NewInsert().Model(&row).Exec(ctx)
			require.NoError(t, err)

			sum := sync()
			require.Equal(t, 1, sum.Gone)
			require.Equal(t, perClient, sum.Identified)
			require.Equal(t, 1, count("pathways", "link_id = ? AND gone", l.ID))
			require.Equal(t, 1, count("pathways", "external_id = 'a9999' AND gone"))
			require.Zero(t, sync().Gone, "a gone pathway is counted once")
		})

		t.Run("a gone agent reported again comes back", func(t *testing.T) {
			_, err := h.Store.DB.NewUpdate().Table("pathways").Set("gone = ?", true).
				Set("online = ?", false).
				Where("link_id = ? AND external_id = 'a0000'", l.ID).Exec(ctx)
			require.NoError(t, err)
			sync()
			require.Equal(t, 1, count("pathways",
				"link_id = ? AND external_id = 'a0000' AND NOT gone AND online", l.ID))
		})

		t.Run("create a tenant for a client", func(t *testing.T) {
			var m links.ClientMapping
			require.NoError(t, c.Do(ctx, http.MethodPut, base+"/clients/c2",
				map[string]any{"createTenant": true}, &m))
			require.NotEmpty(t, m.TenantID)
			var name string
			require.NoError(t, h.Store.DB.NewSelect().Table("tenants").Column("name").
				Where("id = ?", m.TenantID).Scan(ctx, &name))
			require.Equal(t, "Fabrikam", name)
			require.Equal(t, 1, count("audit_log",
				"action = 'create' AND object_type = 'tenant' AND object_id = ?", m.TenantID))

			err := c.Do(ctx, http.MethodPut, base+"/clients/c2",
				map[string]any{"createTenant": true}, nil)
			require.True(t, client.IsCode(err, "conflict"), "the name is taken: %v", err)
		})

		t.Run("unmap a client", func(t *testing.T) {
			var m links.ClientMapping
			require.NoError(t, c.Do(ctx, http.MethodPut, base+"/clients/c2",
				map[string]any{"tenantId": nil}, &m))
			require.Empty(t, m.TenantID)
			require.Equal(t, 1, count("audit_log",
				"action = 'unmap_client' AND object_id = ?", l.ID))
			var got []links.ClientMapping
			require.NoError(t, c.Do(ctx, http.MethodGet, base+"/clients", nil, &got))
			require.Empty(t, got[1].TenantID)
		})

		t.Run("bad mappings", func(t *testing.T) {
			for name, tc := range map[string]struct {
				path string
				body any
				code string
			}{
				"unknown client": {base + "/clients/c9", map[string]any{"tenantId": nil},
					"not_found"},
				"unknown tenant": {base + "/clients/c1",
					map[string]any{"tenantId": "nope"}, "invalid"},
				"both tenant and create": {base + "/clients/c1",
					map[string]any{"tenantId": contoso.ID, "createTenant": true}, "invalid"},
				"unknown link": {"/links/nope/clients/c1", map[string]any{"tenantId": nil},
					"not_found"},
			} {
				t.Run(name, func(t *testing.T) {
					err := c.Do(ctx, http.MethodPut, tc.path, tc.body, nil)
					require.True(t, client.IsCode(err, tc.code), "%v", err)
				})
			}
		})

		t.Run("a stopped link cannot sync", func(t *testing.T) {
			require.NoError(t, c.Do(ctx, http.MethodPost, base+"/disable", nil, nil))
			err := c.Do(ctx, http.MethodPost, base+"/sync", nil, nil)
			require.True(t, client.IsCode(err, "conflict"), "%v", err)
			err = c.Do(ctx, http.MethodGet, base+"/clients", nil, nil)
			require.True(t, client.IsCode(err, "conflict"), "%v", err)
		})
	}, opts)
}

func TestLinksSyncOnTheirOwn(t *testing.T) {
	opts, _ := withPlugins(t)
	configure := opts.Configure
	opts.Configure = func(c *hub.Config) {
		configure(c)
		c.Links.SyncInterval = time.Second
	}
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		var contoso tenant.Tenant
		require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "Contoso"}, &contoso))
		l := startFakeLink(t, h.Client)
		require.NoError(t, h.Client.Do(ctx, http.MethodPut, "/links/"+l.ID+"/clients/c1",
			map[string]any{"tenantId": contoso.ID}, nil))
		require.Eventually(t, func() bool {
			n, err := h.Store.DB.NewSelect().Table("pathways").Where("link_id = ?", l.ID).
				Count(ctx)
			return err == nil && n == perClient
		}, 60*time.Second, 100*time.Millisecond, "the link was never synced by its job")
	}, opts)
}
