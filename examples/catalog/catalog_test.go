package catalog_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
	examples "github.com/stewardhq/steward/examples/catalog"
)

func TestTheShippedCatalogLoads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := catalog.NewService(s.DB)
		n, err := svc.SyncGlobal(ctx, examples.FS())
		require.NoError(t, err)
		require.GreaterOrEqual(t, n, 4)
		n, err = svc.SyncGlobal(ctx, examples.FS())
		require.NoError(t, err)
		require.Zero(t, n, "loading the same files again changes nothing")

		sys := access.WithPrincipal(ctx, access.System())
		page, err := svc.ListSoftware(sys, catalog.Filter{Query: "hello"}, paging.Request{})
		require.NoError(t, err)
		require.Equal(t, 1, page.Total)
		hello := page.Items[0]
		require.True(t, hello.Global)
		require.Equal(t, catalog.DetectScript, hello.Detection.Method)
		latest, ok := catalog.Latest(hello)
		require.True(t, ok)
		install, err := svc.LoadScript(ctx, hello.ScriptsFor(latest).Install)
		require.NoError(t, err)
		require.Equal(t, "Hello Steward 1.0: install", install.Name)
	})
}

// The line-in-file task's script, run for real with sh as an agent would run it.
func TestLineInFileScript(t *testing.T) {
	b, err := fs.ReadFile(examples.FS(), "tasks/line-in-file.json")
	require.NoError(t, err)
	var task struct {
		Combined catalog.InlineScript `json:"combinedScriptId"`
	}
	require.NoError(t, json.Unmarshal(b, &task))
	path := filepath.Join(t.TempDir(), "etc", "hosts.allow")

	run := func(method string) (string, int) {
		cmd := exec.Command("sh", "-c", task.Combined.Body)
		cmd.Env = append(os.Environ(), "Method="+method, "Path="+path, "Line=sshd: 10.0.0.1")
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return strings.TrimSpace(string(out)), code
	}

	out, _ := run("get")
	require.Equal(t, "absent", out)
	_, code := run("test")
	require.NotZero(t, code, "a missing file fails the test")
	_, code = run("set")
	require.Zero(t, code)
	_, code = run("set")
	require.Zero(t, code)
	_, code = run("test")
	require.Zero(t, code)
	out, _ = run("get")
	require.Equal(t, "present", out)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "sshd: 10.0.0.1\n", string(data), "set twice adds the line once")
	_, code = run("remove")
	require.Equal(t, 2, code)
}
