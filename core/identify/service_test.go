package identify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
	"github.com/stewardhq/steward/core/tenant"
	"github.com/stewardhq/steward/sdk"
)

type fixture struct {
	t      *testing.T
	s      *store.Store
	svc    *identify.Service
	tenant string
	ctx    context.Context
}

func newFixture(t *testing.T, s *store.Store) *fixture {
	ctx := access.WithPrincipal(context.Background(), access.System())
	msp, err := tenant.NewService(s.DB).EnsureMSP(ctx, "MSP")
	require.NoError(t, err)
	// The link whose records the tests report; records of links that do not exist are
	// refused.
	now := time.Now().UTC()
	_, err = s.DB.ExecContext(ctx, `INSERT INTO links (id, connector, name, binary_path,
		binary_sha256, created_at, updated_at) VALUES ('rmm-1', 'rmm', 'RMM', '/x', 'x', ?, ?)`,
		now, now)
	require.NoError(t, err)
	return &fixture{t: t, s: s, svc: identify.NewService(s, nil), tenant: msp.ID, ctx: ctx}
}

// agent enrolls a native agent row by hand; online marks it connected and heard from now.
func (f *fixture) agent(online bool) string {
	id := uuid.NewString()
	now := time.Now().UTC()
	var instance any
	if online {
		instance = "instance-1"
	}
	_, err := f.s.DB.ExecContext(f.ctx, `INSERT INTO agents (id, tenant_id, public_key,
		enrolled_at, connected_instance, last_seen_at) VALUES (?, ?, 'k', ?, ?, ?)`,
		id, f.tenant, now.Add(-time.Hour), instance, now.Add(-time.Minute))
	require.NoError(f.t, err)
	return id
}

func (f *fixture) setOffline(agentID string, lastSeen time.Time) {
	_, err := f.s.DB.ExecContext(f.ctx, `UPDATE agents SET connected_instance = NULL,
		last_seen_at = ? WHERE id = ?`, lastSeen, agentID)
	require.NoError(f.t, err)
}

func (f *fixture) report(link, external string, facts sdk.IdentityFacts) string {
	id, err := f.svc.Report(f.ctx, identify.Report{TenantID: f.tenant,
		Pathway:   identify.Pathway{LinkID: link, ExternalID: external},
		Inventory: sdk.Inventory{Facts: facts}, Fingerprint: external})
	require.NoError(f.t, err)
	return id
}

func (f *fixture) native(agentID string, facts sdk.IdentityFacts) string {
	return f.report(identify.NativeLink, agentID, facts)
}

func (f *fixture) computer(id string) computer.Computer {
	c, err := computer.NewService(f.s.DB).Load(f.ctx, f.s.DB, id)
	require.NoError(f.t, err)
	return c
}

func (f *fixture) count() int {
	n, err := f.s.DB.NewSelect().Table("computers").Count(f.ctx)
	require.NoError(f.t, err)
	return int(n)
}

var dell = sdk.IdentityFacts{SMBIOSUUID: "4C4C4544-0042-3510-8050-B4C04F4E3232",
	Serial: "5B2PN22", Manufacturer: "Dell Inc.", Model: "OptiPlex 7090", Hostname: "FIN-PC01",
	OSInstallID: "9f1a0c2e-3f4b-4c1e-a7a2-000000000001"}

var identificationCases = []struct {
	name string
	run  func(t *testing.T, f *fixture)
}{
	{"different machines sharing a placeholder uuid stay apart", func(t *testing.T, f *fixture) {
		a := sdk.IdentityFacts{SMBIOSUUID: "03000200-0400-0500-0006-000700080009",
			Serial: "MXL1234ABC", Manufacturer: "HP", Model: "ProDesk 400 G7", Hostname: "A"}
		b := a
		b.Serial, b.Hostname = "CZC9876XYZ", "B"
		require.NotEqual(t, f.native(f.agent(true), a), f.native(f.agent(true), b))
	}},

	{"byte-swapped uuid through two pathways is one computer", func(t *testing.T, f *fixture) {
		first := f.native(f.agent(true), dell)
		swapped := dell
		swapped.SMBIOSUUID = "{44454c4c-4200-1035-8050-b4c04f4e3232}"
		require.Equal(t, first, f.report("rmm-1", "device-77", swapped))
		require.Equal(t, computer.StatusNeedsOnboarding, f.computer(first).Status)
	}},

	{"a link's record does not rename a computer its agent reports", func(t *testing.T,
		f *fixture) {
		agent := f.agent(true)
		id := f.native(agent, dell)
		fromLink := dell
		fromLink.Hostname, fromLink.OSInstallID = "rmm-name", ""
		require.Equal(t, id, f.report("rmm-1", "device-1", fromLink))
		require.Equal(t, id, f.report("rmm-1", "device-1", fromLink), "reported again")
		require.Equal(t, "FIN-PC01", f.computer(id).Name)

		_, err := f.s.DB.ExecContext(f.ctx, `UPDATE agents SET revoked_at = ? WHERE id = ?`,
			time.Now().UTC(), agent)
		require.NoError(t, err)
		require.Equal(t, id, f.report("rmm-1", "device-1", fromLink))
		require.Equal(t, "rmm-name", f.computer(id).Name, "without an agent the link speaks")
	}},

	{"a deleted link's record is refused", func(t *testing.T, f *fixture) {
		_, err := f.svc.Report(f.ctx, identify.Report{TenantID: f.tenant,
			Pathway:   identify.Pathway{LinkID: "deleted", ExternalID: "device-1"},
			Inventory: sdk.Inventory{Facts: dell}})
		require.ErrorIs(t, err, errs.ErrNotFound)
		require.Zero(t, f.count(), "nothing is created for it")
	}},

	{"empty serial and placeholder uuid is new every time", func(t *testing.T, f *fixture) {
		bare := sdk.IdentityFacts{SMBIOSUUID: "00000000-0000-0000-0000-000000000000",
			Serial: "To be filled by O.E.M.", Manufacturer: "System manufacturer",
			Model: "System Product Name", Hostname: "DESKTOP-1"}
		ids := map[string]bool{}
		for range 3 {
			ids[f.native(f.agent(true), bare)] = true
		}
		require.Len(t, ids, 3)
	}},

	{"agent reinstall needs a decision suggesting overwrite", func(t *testing.T, f *fixture) {
		old := f.agent(false)
		known := f.native(old, dell)
		f.setOffline(old, time.Now().Add(-2*time.Hour))

		newcomer := f.native(f.agent(true), dell)
		c := f.computer(newcomer)
		require.Equal(t, computer.StatusNeedsDecision, c.Status)
		require.Equal(t, identify.SuggestOverwrite, identify.Suggestion(c.DecisionSuggestion))
		require.Equal(t, known, *c.DecisionComputerID)
		require.NotEmpty(t, c.DecisionReason)

		kept, err := f.svc.Decide(f.ctx, newcomer, "overwrite")
		require.NoError(t, err)
		require.Equal(t, known, kept)
		require.Equal(t, 1, f.count(), "overwrite leaves one computer")
		n, err := f.s.DB.NewSelect().Table("agents").Where("computer_id = ?", known).
			Where("revoked_at IS NULL").Count(f.ctx)
		require.NoError(t, err)
		require.EqualValues(t, 1, n, "and one pathway")
	}},

	{"clone online with its source suggests keep both", func(t *testing.T, f *fixture) {
		f.native(f.agent(true), dell)
		clone := dell
		clone.OSInstallID, clone.Hostname = "9f1a0c2e-3f4b-4c1e-a7a2-0000000000ff", "FIN-PC02"
		newcomer := f.native(f.agent(true), clone)
		c := f.computer(newcomer)
		require.Equal(t, computer.StatusNeedsDecision, c.Status)
		require.Equal(t, string(identify.SuggestKeepBoth), c.DecisionSuggestion)

		kept, err := f.svc.Decide(f.ctx, newcomer, "keep-both")
		require.NoError(t, err)
		require.Equal(t, newcomer, kept)
		require.Equal(t, computer.StatusNeedsOnboarding, f.computer(kept).Status)
		require.Equal(t, 2, f.count())
	}},

	{"wiped machine replaces the old record", func(t *testing.T, f *fixture) {
		old := f.agent(false)
		known := f.native(old, dell)
		f.setOffline(old, time.Now().Add(-48*time.Hour))
		fresh := dell
		fresh.OSInstallID = "11111111-2222-3333-4444-555555555555"
		newcomer := f.native(f.agent(true), fresh)
		require.Equal(t, string(identify.SuggestWiped), f.computer(newcomer).DecisionSuggestion)

		_, err := f.svc.Decide(f.ctx, newcomer, "wiped")
		require.NoError(t, err)
		require.Equal(t, computer.StatusRetired, f.computer(known).Status)
		require.Equal(t, computer.StatusNeedsOnboarding, f.computer(newcomer).Status)
	}},

	{"new os install id through the same pathway means wiped", func(t *testing.T, f *fixture) {
		agent := f.agent(true)
		id := f.native(agent, dell)
		_, err := f.svc.SetStatus(f.ctx, id, computer.StatusOnboarded)
		require.NoError(t, err)

		fresh := dell
		fresh.OSInstallID = "11111111-2222-3333-4444-555555555555"
		_, err = f.svc.Report(f.ctx, identify.Report{TenantID: f.tenant, ComputerID: id,
			Pathway:   identify.Pathway{LinkID: identify.NativeLink, ExternalID: agent},
			Inventory: sdk.Inventory{Facts: fresh}})
		require.NoError(t, err)
		c := f.computer(id)
		require.Equal(t, computer.StatusNeedsOnboarding, c.Status)
		require.NotEmpty(t, c.StatusReason)
	}},

	{"a decision is refused for a computer that needs none", func(t *testing.T, f *fixture) {
		id := f.native(f.agent(true), dell)
		_, err := f.svc.Decide(f.ctx, id, "overwrite")
		require.ErrorContains(t, err, "not waiting for a decision")
		_, err = f.svc.Decide(f.ctx, id, "merge")
		require.ErrorContains(t, err, "must be overwrite")
	}},

	{"a link's record keeps its own online state", func(t *testing.T, f *fixture) {
		seen := time.Now().UTC().Add(-36 * time.Hour).Truncate(time.Second)
		_, err := f.svc.Report(f.ctx, identify.Report{TenantID: f.tenant,
			Pathway: identify.Pathway{LinkID: "rmm-1", ExternalID: "device-9", Online: false,
				LastSeen: seen},
			Inventory: sdk.Inventory{Facts: dell}})
		require.NoError(t, err)
		var row struct {
			Online     bool      `bun:"online"`
			LastSeenAt time.Time `bun:"last_seen_at"`
		}
		require.NoError(t, f.s.DB.NewSelect().Table("pathways").Column("online",
			"last_seen_at").Where("external_id = ?", "device-9").Scan(f.ctx, &row))
		require.False(t, row.Online)
		require.WithinDuration(t, seen, row.LastSeenAt, time.Second)
	}},

	{"two pathways arriving at once make one computer", func(t *testing.T, f *fixture) {
		agent := f.agent(true)
		var wg sync.WaitGroup
		ids := make([]string, 2)
		errs := make([]error, 2)
		for i, p := range []identify.Pathway{
			{LinkID: identify.NativeLink, ExternalID: agent},
			{LinkID: "rmm-1", ExternalID: "device-1"},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids[i], errs[i] = f.svc.Report(f.ctx, identify.Report{TenantID: f.tenant,
					Pathway: p, Inventory: sdk.Inventory{Facts: dell}})
			}()
		}
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
		require.Equal(t, ids[0], ids[1])
		require.Equal(t, 1, f.count())
	}},
}

func TestIdentification(t *testing.T) {
	for _, c := range identificationCases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				c.run(t, newFixture(t, s))
			})
		})
	}
}

func TestUserAffinity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		ctx := f.ctx
		_, err := s.DB.ExecContext(ctx, `INSERT INTO persons (id, tenant_id, upn, created_at,
			updated_at) VALUES ('p-ann', ?, 'ann@contoso.com', ?, ?), ('p-bob', ?,
			'bob@contoso.com', ?, ?)`, f.tenant, time.Now(), time.Now(), f.tenant, time.Now(),
			time.Now())
		require.NoError(t, err)

		agent := f.agent(true)
		report := func(users ...string) computer.Computer {
			facts := dell
			id := ""
			if c, err := s.DB.NewSelect().Table("agents").Column("computer_id").
				Where("id = ?", agent).Rows(ctx); err == nil {
				for c.Next() {
					var v *string
					_ = c.Scan(&v)
					if v != nil {
						id = *v
					}
				}
				c.Close()
			}
			got, err := f.svc.Report(ctx, identify.Report{TenantID: f.tenant, ComputerID: id,
				Pathway:   identify.Pathway{LinkID: identify.NativeLink, ExternalID: agent},
				Inventory: sdk.Inventory{Facts: facts, Users: users}})
			require.NoError(t, err)
			return f.computer(got)
		}

		report("ANN@contoso.com")
		report("bob@contoso.com")
		c := report("ann@contoso.com")
		require.Equal(t, []string{"ANN@contoso.com", "bob@contoso.com", "ann@contoso.com"},
			c.RecentUsers)
		require.Equal(t, "p-ann", *c.PrimaryPersonID, "seen most often, case-insensitively")

		c, err = f.svc.SetPrimaryPerson(ctx, c.ID, "p-bob")
		require.NoError(t, err)
		require.Equal(t, "p-bob", *c.PrimaryPersonID)
		c = report("ann@contoso.com", "local-admin")
		require.Equal(t, "p-bob", *c.PrimaryPersonID, "a manual override sticks")

		c, err = f.svc.SetPrimaryPerson(ctx, c.ID, "")
		require.NoError(t, err)
		require.Equal(t, "p-ann", *c.PrimaryPersonID)

		for i := range 12 {
			c = report("user" + string(rune('a'+i)) + "@contoso.com")
		}
		require.Len(t, c.RecentUsers, 10, "only the last 10 users are kept")
	})
}
