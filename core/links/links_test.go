package links_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/hub"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/paging"
)

// fakeBinary is the SDK's test connector, built once for the package's tests.
var fakeBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "links-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fakeBinary = filepath.Join(dir, "fakeconnector")
	build := exec.Command("go", "build", "-o", fakeBinary, "./sdk/internal/fakeconnector")
	build.Dir = filepath.Join("..", "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the fake connector:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// withPlugins gives the hub its own plugin folder holding a copy of the fake connector, so
// a test may replace the file, and two files that are not connectors. It returns the copy's
// path.
func withPlugins(t *testing.T) (hubtest.Options, string) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fake")
	b, err := os.ReadFile(fakeBinary)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o755))
	// Discovery skips these: one is not executable, the other does not start as a connector.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tool"),
		[]byte("#!/bin/sh\necho not a connector\n"), 0o755))
	return hubtest.Options{Configure: func(c *hub.Config) {
		c.PluginsDir = dir
		c.Links = links.Config{NoExecutableDir: true, MinBackoff: 100 * time.Millisecond}
	}}, path
}

// pidsOf lists the live processes running the executable at path.
func pidsOf(t *testing.T, path string) []int {
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.TrimSuffix(exe, " (deleted)") == path {
			out = append(out, pid)
		}
	}
	return out
}

func getLink(t *testing.T, c *client.Client, id string) links.Link {
	var l links.Link
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "/links/"+id, nil, &l))
	return l
}

// waitStatus waits until the link has status and returns it.
func waitStatus(t *testing.T, c *client.Client, id, status string) links.Link {
	t.Helper()
	var l links.Link
	require.Eventually(t, func() bool {
		l = getLink(t, c, id)
		return l.Status == status
	}, 30*time.Second, 50*time.Millisecond, "link never reached status %s", status)
	return l
}

// onePid waits until exactly one process runs path and returns it.
func onePid(t *testing.T, path string) int {
	t.Helper()
	var pids []int
	require.Eventually(t, func() bool {
		pids = pidsOf(t, path)
		return len(pids) == 1
	}, 30*time.Second, 50*time.Millisecond, "want one connector process")
	return pids[0]
}

const apiKey = "hunter2-very-secret"

func TestLinkLifecycle(t *testing.T) {
	opts, bin := withPlugins(t)
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		c := h.Client

		var conns []links.Connector
		require.NoError(t, c.Do(ctx, http.MethodGet, "/connectors", nil, &conns))
		require.Len(t, conns, 1)
		require.Equal(t, "fake", conns[0].Name)
		require.Equal(t, bin, conns[0].Path)
		require.Len(t, conns[0].SHA256, 64)
		require.NotEmpty(t, conns[0].Fields)

		var raw json.RawMessage
		require.NoError(t, c.Do(ctx, http.MethodPost, "/links", map[string]any{
			"connector": "fake", "name": "Fake one", "config": map[string]string{
				"endpoint": "https://api.example.test", "apiKey": apiKey}}, &raw))
		require.NotContains(t, string(raw), apiKey)
		var l links.Link
		require.NoError(t, json.Unmarshal(raw, &l))
		require.Equal(t, links.Masked, l.Config["apiKey"])
		require.Equal(t, conns[0].SHA256, l.BinarySHA256)

		waitStatus(t, c, l.ID, links.StatusRunning)
		var health links.HealthResult
		require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/health", nil, &health))
		require.Equal(t, links.HealthResult{Healthy: true,
			Message: "ok at https://api.example.test"}, health)

		t.Run("secrets sealed at rest and never shown", func(t *testing.T) {
			var sealed, config string
			require.NoError(t, h.Store.DB.NewSelect().Table("links").Column("secrets", "config").
				Where("id = ?", l.ID).Scan(ctx, &sealed, &config))
			require.NotContains(t, sealed, apiKey)
			require.Contains(t, sealed, `"apiKey":"v1:`)
			require.NotContains(t, config, "apiKey")

			var audit []string
			require.NoError(t, h.Store.DB.NewSelect().Table("audit_log").Column("after").
				Where("object_type = 'link'").Scan(ctx, &audit))
			require.NotEmpty(t, audit)
			for _, a := range audit {
				require.NotContains(t, a, apiKey)
			}
			require.NoError(t, c.Do(ctx, http.MethodGet, "/links", nil, &raw))
			require.NotContains(t, string(raw), apiKey)
			require.Contains(t, string(raw), links.Masked)
		})

		t.Run("update keeps a masked secret and restarts", func(t *testing.T) {
			var u links.Link
			require.NoError(t, c.Do(ctx, http.MethodPatch, "/links/"+l.ID, map[string]any{
				"config": map[string]string{"endpoint": "https://other.example.test",
					"apiKey": links.Masked}}, &u))
			require.Equal(t, links.Masked, u.Config["apiKey"])
			waitStatus(t, c, l.ID, links.StatusRunning)
			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/health", nil,
				&health))
			require.Equal(t, "ok at https://other.example.test", health.Message,
				"the running connector got the new configuration")
		})

		t.Run("bad input", func(t *testing.T) {
			for name, body := range map[string]map[string]any{
				"unknown connector": {"connector": "nope", "name": "x"},
				"missing required": {"connector": "fake", "name": "x",
					"config": map[string]string{"apiKey": "k"}},
				"unknown field": {"connector": "fake", "name": "x",
					"config": map[string]string{"endpoint": "https://a.test", "apiKey": "k",
						"colour": "red"}},
				"masked without stored value": {"connector": "fake", "name": "x",
					"config": map[string]string{"endpoint": "https://a.test",
						"apiKey": links.Masked}},
				"empty name": {"connector": "fake", "name": " "},
			} {
				err := c.Do(ctx, http.MethodPost, "/links", body, nil)
				require.True(t, client.IsCode(err, "invalid"), "%s: %v", name, err)
			}
			err := c.Do(ctx, http.MethodPost, "/links", map[string]any{"connector": "fake",
				"name": "FAKE ONE", "config": map[string]string{"endpoint": "https://a.test",
					"apiKey": "k"}}, nil)
			require.True(t, client.IsCode(err, "conflict"), "names are unique: %v", err)
		})

		t.Run("unhealthy connector says who failed", func(t *testing.T) {
			require.NoError(t, c.Do(ctx, http.MethodPatch, "/links/"+l.ID, map[string]any{
				"config": map[string]string{"endpoint": "https://api.example.test",
					"apiKey": links.Masked, "failWith": "downstream"}}, nil))
			waitStatus(t, c, l.ID, links.StatusRunning)
			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/health", nil,
				&health))
			require.False(t, health.Healthy)
			require.Equal(t, "downstream", string(health.Kind))
			require.Contains(t, health.Error, "upstream answered 502")
		})

		t.Run("a killed connector is restarted", func(t *testing.T) {
			pid := onePid(t, bin)
			require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
			require.Eventually(t, func() bool {
				pids := pidsOf(t, bin)
				return len(pids) == 1 && pids[0] != pid &&
					getLink(t, c, l.ID).Status == links.StatusRunning
			}, 30*time.Second, 50*time.Millisecond)
		})

		t.Run("disable stops the process", func(t *testing.T) {
			var d links.Link
			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/disable", nil, &d))
			require.False(t, d.Enabled)
			require.Equal(t, links.StatusStopped, d.Status)
			require.Empty(t, pidsOf(t, bin), "the process has ended when disable returns")
			err := c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/health", nil, nil)
			require.True(t, client.IsCode(err, "conflict"), "%v", err)

			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/enable", nil, &d))
			require.True(t, d.Enabled)
			waitStatus(t, c, l.ID, links.StatusRunning)
		})

		t.Run("a replaced executable is refused", func(t *testing.T) {
			pid := onePid(t, bin)
			b, err := os.ReadFile(bin)
			require.NoError(t, err)
			// Appended bytes leave the program working but change its hash. Rename, because
			// a running executable cannot be written in place.
			tmp := bin + ".new"
			require.NoError(t, os.WriteFile(tmp, append(b, "changed"...), 0o755))
			require.NoError(t, os.Rename(tmp, bin))
			require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))

			got := waitStatus(t, c, l.ID, links.StatusBinaryChanged)
			require.False(t, got.Enabled)
			require.Contains(t, got.StatusReason, l.BinarySHA256)
			var now links.Connector
			var conns []links.Connector
			require.NoError(t, c.Do(ctx, http.MethodGet, "/connectors", nil, &conns))
			require.Len(t, conns, 1)
			now = conns[0]
			require.NotEqual(t, l.BinarySHA256, now.SHA256)
			require.Contains(t, got.StatusReason, now.SHA256)
			require.Empty(t, pidsOf(t, bin))

			// Enabling again does not run the changed file either.
			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/enable", nil, nil))
			got = waitStatus(t, c, l.ID, links.StatusBinaryChanged)
			require.False(t, got.Enabled)
			require.Contains(t, got.StatusReason, "steward links pin "+l.ID)

			// An administrator who checked the file accepts it: the link runs it again.
			var pinned links.Link
			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/pin", nil,
				&pinned))
			require.Equal(t, now.SHA256, pinned.BinarySHA256)
			require.True(t, pinned.Enabled)
			waitStatus(t, c, l.ID, links.StatusRunning)
			require.Len(t, pidsOf(t, bin), 1)

			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/disable", nil, nil))
			require.NoError(t, os.WriteFile(tmp, []byte("#!/bin/sh\nexit 1\n"), 0o755))
			require.NoError(t, os.Rename(tmp, bin))
			err = c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/pin", nil, nil)
			require.True(t, client.IsCode(err, "invalid"), "%v", err)
			require.ErrorContains(t, err, "does not start as a connector")

			require.NoError(t, os.WriteFile(tmp, b, 0o755))
			require.NoError(t, os.Rename(tmp, bin))
			require.NoError(t, c.Do(ctx, http.MethodPost, "/links/"+l.ID+"/pin", nil, nil))
			waitStatus(t, c, l.ID, links.StatusRunning)
		})

		t.Run("delete", func(t *testing.T) {
			require.NoError(t, c.Do(ctx, http.MethodDelete, "/links/"+l.ID, nil, nil))
			err := c.Do(ctx, http.MethodGet, "/links/"+l.ID, nil, nil)
			require.True(t, client.IsCode(err, "not_found"), "%v", err)
			var page paging.Page[links.Link]
			require.NoError(t, c.Do(ctx, http.MethodGet, "/links", nil, &page))
			require.Zero(t, page.Total)
		})
	}, opts)
}

func TestOnlyMSPAdminsChangeLinks(t *testing.T) {
	opts, _ := withPlugins(t)
	h := hubtest.Start(t, "sqlite", opts)
	ctx := context.Background()
	sys := access.WithPrincipal(ctx, access.System())
	for role, want := range map[access.Role][2]string{
		access.MSPUser:    {"", "forbidden"},
		access.TenantUser: {"forbidden", "forbidden"},
	} {
		t.Run(string(role), func(t *testing.T) {
			tok := apitoken.NewToken{Name: string(role), Role: role}
			if role.IsTenantRole() {
				var page paging.Page[struct{ ID string }]
				require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/tenants", nil, &page))
				tok.TenantID = page.Items[0].ID
			}
			secret, _, err := h.Tokens.Create(sys, tok)
			require.NoError(t, err)
			c, err := client.New(h.URL, secret)
			require.NoError(t, err)

			err = c.Do(ctx, http.MethodGet, "/links", nil, nil)
			if want[0] == "" {
				require.NoError(t, err)
			} else {
				require.True(t, client.IsCode(err, want[0]), "read: %v", err)
			}
			err = c.Do(ctx, http.MethodPost, "/links", map[string]any{"connector": "fake",
				"name": "x"}, nil)
			require.True(t, client.IsCode(err, want[1]), "write: %v", err)
		})
	}
}

// Stopping the hub ends every connector process; while they run, their log lines reach the
// hub's log with the link's name.
func TestHubStopLeavesNoConnector(t *testing.T) {
	opts, bin := withPlugins(t)
	logs := newRecords()
	configure := opts.Configure
	opts.Configure = func(c *hub.Config) {
		configure(c)
		c.Logger = slog.New(logs)
	}
	t.Run("hub", func(t *testing.T) {
		h := hubtest.Start(t, "sqlite", opts)
		for _, name := range []string{"one", "two"} {
			var l links.Link
			require.NoError(t, h.Client.Do(context.Background(), http.MethodPost, "/links",
				map[string]any{"connector": "fake", "name": name, "config": map[string]string{
					"endpoint": "https://api.example.test", "apiKey": "k"}}, &l))
			waitStatus(t, h.Client, l.ID, links.StatusRunning)
		}
		require.Len(t, pidsOf(t, bin), 2)
		require.Eventually(t, func() bool {
			return logs.has("configured", "link", "two")
		}, 30*time.Second, 50*time.Millisecond, "the connector's log line reaches the hub's")
	})
	// The subtest's cleanup has stopped its hub.
	require.Empty(t, pidsOf(t, bin))
}

// records is a slog handler that keeps every record, shared with the handlers derived from
// it.
type records struct {
	attrs []slog.Attr
	kept  *kept
}

type kept struct {
	mu   sync.Mutex
	recs []slog.Record
}

func newRecords() *records { return &records{kept: &kept{}} }

func (r *records) Enabled(context.Context, slog.Level) bool { return true }

func (r *records) Handle(_ context.Context, rec slog.Record) error {
	rec = rec.Clone()
	rec.AddAttrs(r.attrs...)
	r.kept.mu.Lock()
	defer r.kept.mu.Unlock()
	r.kept.recs = append(r.kept.recs, rec)
	return nil
}

func (r *records) WithAttrs(as []slog.Attr) slog.Handler {
	return &records{attrs: append(slices.Clone(r.attrs), as...), kept: r.kept}
}

func (r *records) WithGroup(string) slog.Handler { return r }

// has reports whether a record with message msg carries the attribute key=value.
func (r *records) has(msg, key, value string) bool {
	r.kept.mu.Lock()
	defer r.kept.mu.Unlock()
	for _, rec := range r.kept.recs {
		found := false
		rec.Attrs(func(a slog.Attr) bool {
			found = found || (a.Key == key && a.Value.String() == value)
			return true
		})
		if rec.Message == msg && found {
			return true
		}
	}
	return false
}
