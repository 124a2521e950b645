package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pluginProcesses lists the processes running the executable at path.
func pluginProcesses(path string) []string {
	var out []string
	links, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, l := range links {
		if target, err := os.Readlink(l); err == nil && strings.TrimSuffix(target,
			" (deleted)") == path {
			out = append(out, l)
		}
	}
	return out
}

func TestKilledHubLeavesNoConnectorRunning(t *testing.T) {
	h := startHub(t, "sqlite")
	dir := filepath.Join(strings.TrimPrefix(h.env[0], "STEWARD_DATA="), "plugins")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	bin := filepath.Join(dir, "steward-fake")
	out, err := exec.Command("go", "build", "-o", bin,
		"github.com/stewardhq/steward/sdk/internal/fakeconnector").CombinedOutput()
	require.NoError(t, err, string(out))

	var link struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	require.NoError(t, h.do(http.MethodPost, "/links", map[string]any{"connector": "fake",
		"name": "fake one", "config": map[string]string{"endpoint": "http://127.0.0.1:1",
			"apiKey": "k"}}, &link))
	require.Eventually(t, func() bool {
		return h.do(http.MethodGet, "/links/"+link.ID, nil, &link) == nil &&
			link.Status == "running"
	}, 60*time.Second, 100*time.Millisecond, "the link never ran: %s", link.Status)
	require.NotEmpty(t, pluginProcesses(bin))

	h.kill()
	require.Eventually(t, func() bool { return len(pluginProcesses(bin)) == 0 },
		10*time.Second, 100*time.Millisecond, "a connector outlived the killed hub")
}
