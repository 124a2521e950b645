package catalog_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/tenant"
)

// env is a catalog service on a fresh database with two tenants and a caller of each role.
type env struct {
	svc   *catalog.Service
	store *store.Store
	a, b  string // tenant ids
	// Contexts carrying principals.
	msp, mspUser, adminA, adminB, userA context.Context
}

func newEnv(t *testing.T, s *store.Store) env {
	t.Helper()
	sys := access.WithPrincipal(context.Background(), access.System())
	ts := tenant.NewService(s.DB)
	a, err := ts.Create(sys, tenant.Input{Name: "Tenant A"})
	require.NoError(t, err)
	b, err := ts.Create(sys, tenant.Input{Name: "Tenant B"})
	require.NoError(t, err)
	as := func(role access.Role, tenantID string) context.Context {
		return access.WithPrincipal(context.Background(), access.Principal{
			Kind: access.KindToken, ID: string(role) + tenantID, Name: string(role),
			Role: role, TenantID: tenantID})
	}
	return env{svc: catalog.NewService(s.DB), store: s, a: a.ID, b: b.ID,
		msp: as(access.MSPAdmin, ""), mspUser: as(access.MSPUser, ""),
		adminA: as(access.TenantAdmin, a.ID), adminB: as(access.TenantAdmin, b.ID),
		userA: as(access.TenantUser, a.ID)}
}

func ptr[T any](v T) *T { return &v }

// nameDetected is the input of a software found by display name with an inline install script.
func nameDetected(name string) catalog.SoftwareInput {
	return catalog.SoftwareInput{Name: ptr(name),
		Detection: &catalog.DetectionInput{Method: "display_name", Pattern: name},
		Scripts: &catalog.ScriptRefs{
			Install: catalog.Inline("sh", `dpkg -i "$InstallerFile"`)}}
}

func mustSoftware(t *testing.T, ctx context.Context, svc *catalog.Service,
	in catalog.SoftwareInput) catalog.Software {
	t.Helper()
	sw, err := svc.CreateSoftware(ctx, in)
	require.NoError(t, err)
	return sw
}

func mustScript(t *testing.T, ctx context.Context, svc *catalog.Service, name string,
	tenantID string) catalog.Script {
	t.Helper()
	sc, err := svc.CreateScript(ctx, catalog.ScriptInput{TenantID: tenantID, Name: ptr(name),
		Language: ptr("sh"), Body: ptr("echo " + name)})
	require.NoError(t, err)
	return sc
}
