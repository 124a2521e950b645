package catalog_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
)

const (
	toolID = "0a6b1f0e-1111-4c3a-8d7e-000000000001"
	baseID = "0a6b1f0e-1111-4c3a-8d7e-000000000002"
	taskID = "0a6b1f0e-1111-4c3a-8d7e-000000000003"
)

func globalFiles(installBody, description string) fstest.MapFS {
	return fstest.MapFS{
		// Tool names Base as a prerequisite, and sorts before it: loading must order them.
		"software/a-tool.json": {Data: []byte(`{"id": "` + toolID + `", "name": "Tool",
			"description": "` + description + `",
			"detection": {"method": "display_name", "match": "wildcard", "pattern": "Tool *"},
			"scripts": {"installScriptId": {"language": "sh", "body": "` + installBody + `"}},
			"prerequisites": [{"if": "any_missing", "of": ["` + baseID + `"],
				"then": "install", "on": ["` + baseID + `"]}],
			"versions": [{"version": "2.0"}, {"version": "1.0"}]}`)},
		"software/b-base.json": {Data: []byte(`{"id": "` + baseID + `", "name": "Base",
			"detection": {"method": "upgrade_code",
				"pattern": "{11111111-2222-3333-4444-555555555555}"},
			"scripts": {"installScriptId": {"language": "powershell", "body": "msiexec"}}}`)},
		"tasks/check.json": {Data: []byte(`{"id": "` + taskID + `", "name": "Check",
			"testScriptId": {"language": "sh", "body": "true"}}`)},
	}
}

func TestGlobalCatalogSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		n, err := e.svc.SyncGlobal(ctx, globalFiles("install v1", "first"))
		require.NoError(t, err)
		require.Equal(t, 5, n, "two software, a task and two versions")

		tool, err := e.svc.GetSoftware(e.userA, toolID)
		require.NoError(t, err, "every tenant reads the global catalog")
		require.True(t, tool.Global)
		require.Len(t, tool.Versions, 2)
		install := tool.Scripts.Install

		n, err = e.svc.SyncGlobal(ctx, globalFiles("install v1", "first"))
		require.NoError(t, err)
		require.Zero(t, n)

		n, err = e.svc.SyncGlobal(ctx, globalFiles("install v2", "second"))
		require.NoError(t, err)
		require.Equal(t, 1, n, "only the changed item is updated")
		tool, err = e.svc.LoadSoftware(ctx, toolID)
		require.NoError(t, err)
		require.Equal(t, "second", tool.Description)
		require.Equal(t, install, tool.Scripts.Install, "inline scripts keep their stable id")
		sc, err := e.svc.LoadScript(ctx, install)
		require.NoError(t, err)
		require.Equal(t, "install v2", sc.Body)
		require.True(t, sc.Global)

		// Read-only for everyone through the service, the MSP admin included.
		_, err = e.svc.UpdateSoftware(e.msp, toolID, catalog.SoftwareInput{Name: ptr("Mine")})
		require.ErrorIs(t, err, errs.ErrForbidden)
		require.Contains(t, err.Error(), "global catalog, which is read-only")
		require.ErrorIs(t, e.svc.DeleteSoftware(e.msp, toolID), errs.ErrForbidden)
		_, err = e.svc.AddVersion(e.msp, toolID, catalog.VersionInput{Version: "3.0"})
		require.ErrorIs(t, err, errs.ErrForbidden)
		require.ErrorIs(t, e.svc.DeleteVersion(e.msp, toolID, tool.Versions[0].ID),
			errs.ErrForbidden)
		_, err = e.svc.UpdateScript(e.msp, install, catalog.ScriptInput{Body: ptr("x")})
		require.ErrorIs(t, err, errs.ErrForbidden)
		require.ErrorIs(t, e.svc.DeleteTask(e.msp, taskID), errs.ErrForbidden)

		// Everyone may build on it.
		own := nameDetected("Tool Addon")
		own.Prerequisites = []catalog.Prerequisite{{If: "always", Then: "install",
			On: []string{toolID}}}
		own.ConfigTaskID = ptr(taskID)
		mustSoftware(t, e.adminA, e.svc, own)
	})
}

// Instances that start together load the same new items at the same moment.
func TestGlobalCatalogSyncRacesSettle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		svc := catalog.NewService(s.DB)
		other := catalog.NewService(s.DB)
		errc := make(chan error, 2)
		for _, x := range []*catalog.Service{svc, other} {
			go func() {
				_, err := x.SyncGlobal(context.Background(), globalFiles("install", "d"))
				errc <- err
			}()
		}
		require.NoError(t, <-errc)
		require.NoError(t, <-errc)
		tool, err := svc.LoadSoftware(context.Background(), toolID)
		require.NoError(t, err)
		require.Len(t, tool.Versions, 2)
	})
}

func TestGlobalCatalogRefusesBrokenFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		mspScript := mustScript(t, e.msp, e.svc, "MSP script", "")
		tests := []struct {
			name, file, data, msg string
		}{
			{"unknown field", "tasks/x.json", `{"id": "` + taskID + `", "colour": "red"}`,
				`unknown field "colour"`},
			{"id that is no UUID", "tasks/x.json", `{"id": "check", "name": "Check",
				"testScriptId": {"language": "sh", "body": "true"}}`, "must be a UUID"},
			{"tenant", "tasks/x.json", `{"id": "` + taskID + `", "tenantId": "t",
				"name": "Check", "testScriptId": {"language": "sh", "body": "true"}}`,
				"global items have no tenantId"},
			{"reference to an MSP script", "tasks/x.json", `{"id": "` + taskID + `",
				"name": "Check", "testScriptId": "` + mspScript.ID + `"}`,
				"items of the global catalog may refer only to global items"},
			{"invalid item", "tasks/x.json", `{"id": "` + taskID + `", "name": "Check"}`,
				"needs a combined script or at least a test script"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.svc.SyncGlobal(ctx, fstest.MapFS{tt.file: {Data: []byte(tt.data)}})
				require.Error(t, err)
				require.Contains(t, err.Error(), tt.msg)
			})
		}
		_, err := e.svc.GetTask(e.msp, taskID)
		require.ErrorIs(t, err, errs.ErrNotFound, "a broken catalog changes nothing")
	})
}
