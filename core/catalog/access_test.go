package catalog_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
)

func softwareNames(t *testing.T, ctx context.Context, svc *catalog.Service) []string {
	t.Helper()
	page, err := svc.ListSoftware(ctx, catalog.Filter{}, paging.Request{})
	require.NoError(t, err)
	var out []string
	for _, sw := range page.Items {
		out = append(out, sw.Name)
	}
	return out
}

func TestOwnershipAndVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		svc := e.svc

		mspSw := mustSoftware(t, e.msp, svc, nameDetected("MSP Tool"))
		require.Empty(t, mspSw.TenantID, "an MSP role without tenantId makes an MSP item")
		aSw := mustSoftware(t, e.adminA, svc, nameDetected("A Tool"))
		require.Equal(t, e.a, aSw.TenantID, "a tenant admin's item belongs to their tenant")
		forA := nameDetected("Made for A")
		forA.TenantID = e.a
		madeForA := mustSoftware(t, e.mspUser, svc, forA)
		require.Equal(t, e.a, madeForA.TenantID)

		require.Equal(t, []string{"A Tool", "Made for A", "MSP Tool"},
			softwareNames(t, e.msp, svc), "the MSP sees everything")
		require.Equal(t, []string{"A Tool", "Made for A", "MSP Tool"},
			softwareNames(t, e.userA, svc), "a tenant reads its own and the MSP's items")
		require.Equal(t, []string{"MSP Tool"}, softwareNames(t, e.adminB, svc),
			"another tenant's items are invisible")

		_, err := svc.GetSoftware(e.adminB, aSw.ID)
		require.ErrorIs(t, err, errs.ErrNotFound)
		_, err = svc.UpdateSoftware(e.adminB, aSw.ID, catalog.SoftwareInput{Name: ptr("Mine")})
		require.ErrorIs(t, err, errs.ErrNotFound)
		require.ErrorIs(t, svc.DeleteSoftware(e.adminB, aSw.ID), errs.ErrNotFound)
		_, err = svc.GetScript(e.adminB, aSw.Scripts.Install)
		require.ErrorIs(t, err, errs.ErrNotFound, "inline scripts belong to the item's owner")

		got, err := svc.GetSoftware(e.adminA, mspSw.ID)
		require.NoError(t, err, "tenants read MSP items")
		require.Equal(t, "MSP Tool", got.Name)
		_, err = svc.UpdateSoftware(e.adminA, mspSw.ID, catalog.SoftwareInput{Name: ptr("X")})
		require.ErrorIs(t, err, errs.ErrForbidden, "but only MSP roles change them")
		_, err = svc.AddVersion(e.adminA, mspSw.ID, catalog.VersionInput{Version: "1.0"})
		require.ErrorIs(t, err, errs.ErrForbidden)

		_, err = svc.CreateSoftware(e.userA, nameDetected("User Tool"))
		require.ErrorIs(t, err, errs.ErrForbidden, "tenant users only read")
		_, err = svc.UpdateSoftware(e.userA, aSw.ID, catalog.SoftwareInput{Name: ptr("X")})
		require.ErrorIs(t, err, errs.ErrForbidden)
		_, err = svc.CreateTask(e.userA, catalog.TaskInput{Name: ptr("T"),
			TestScript: catalog.Inline("sh", "true")})
		require.ErrorIs(t, err, errs.ErrForbidden)

		forB := nameDetected("Sneaky")
		forB.TenantID = e.b
		_, err = svc.CreateSoftware(e.adminA, forB)
		require.ErrorIs(t, err, errs.ErrNotFound, "a tenant admin cannot write elsewhere")
		forNobody := nameDetected("Orphan")
		forNobody.TenantID = "no-such-tenant"
		_, err = svc.CreateSoftware(e.msp, forNobody)
		require.ErrorIs(t, err, errs.ErrInvalid)

		renamed, err := svc.UpdateSoftware(e.adminA, aSw.ID,
			catalog.SoftwareInput{Name: ptr("A Tool 2")})
		require.NoError(t, err)
		require.Equal(t, "A Tool 2", renamed.Name)
		require.Equal(t, aSw.Scripts, renamed.Scripts, "fields left out stay")
		require.NoError(t, svc.DeleteSoftware(e.adminA, aSw.ID))

		page, err := svc.ListSoftware(e.msp, catalog.Filter{TenantID: e.a}, paging.Request{})
		require.NoError(t, err)
		require.Equal(t, 1, page.Total)
		require.Equal(t, "Made for A", page.Items[0].Name)
		page, err = svc.ListSoftware(e.msp, catalog.Filter{Query: "msp"}, paging.Request{})
		require.NoError(t, err)
		require.Equal(t, 1, page.Total)
	})
}

// Names are unique per owner: the MSP, each tenant and the global catalog each have their
// own namespace.
func TestNamesAreUniquePerOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		mustSoftware(t, e.msp, e.svc, nameDetected("Tool"))
		_, err := e.svc.CreateSoftware(e.mspUser, nameDetected("TOOL"))
		require.ErrorIs(t, err, errs.ErrConflict)
		require.Contains(t, err.Error(), `the MSP already has a software named "TOOL"`)
		mustSoftware(t, e.adminA, e.svc, nameDetected("Tool"))
		mustSoftware(t, e.adminB, e.svc, nameDetected("Tool"))

		mustScript(t, e.msp, e.svc, "Cleanup", "")
		_, err = e.svc.CreateScript(e.msp, catalog.ScriptInput{Name: ptr("cleanup"),
			Language: ptr("sh"), Body: ptr("true")})
		require.ErrorIs(t, err, errs.ErrConflict)
		mustScript(t, e.adminA, e.svc, "Cleanup", "")

		mk := func(name string) catalog.TaskInput {
			return catalog.TaskInput{Name: ptr(name), TestScript: catalog.Inline("sh", "true")}
		}
		_, err = e.svc.CreateTask(e.adminA, mk("Check"))
		require.NoError(t, err)
		_, err = e.svc.CreateTask(e.adminA, mk("check"))
		require.ErrorIs(t, err, errs.ErrConflict)
	})
}

// An item's references must be readable by everyone who reads the item.
func TestReferencesStayWithinWhatTheOwnerSees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		scriptA := mustScript(t, e.adminA, e.svc, "A install", "")
		scriptB := mustScript(t, e.adminB, e.svc, "B install", "")
		scriptMSP := mustScript(t, e.msp, e.svc, "MSP install", "")

		in := nameDetected("Uses MSP script")
		in.Scripts = &catalog.ScriptRefs{Install: catalog.Ref(scriptMSP.ID)}
		mustSoftware(t, e.adminA, e.svc, in)

		in = nameDetected("Uses own script")
		in.Scripts = &catalog.ScriptRefs{Install: catalog.Ref(scriptA.ID)}
		mustSoftware(t, e.adminA, e.svc, in)

		in = nameDetected("Uses B's script")
		in.Scripts = &catalog.ScriptRefs{Install: catalog.Ref(scriptB.ID)}
		_, err := e.svc.CreateSoftware(e.adminA, in)
		require.ErrorIs(t, err, errs.ErrInvalid)
		require.Contains(t, err.Error(), "install script "+scriptB.ID+" does not exist")

		in = nameDetected("MSP item with A's script")
		in.Scripts = &catalog.ScriptRefs{Install: catalog.Ref(scriptA.ID)}
		_, err = e.svc.CreateSoftware(e.msp, in)
		require.ErrorIs(t, err, errs.ErrInvalid)
		require.Contains(t, err.Error(), "the MSP's items may refer only to global and MSP items")
	})
}
