package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/core/session"
	"github.com/stewardhq/steward/examples/sshconnector/sshtest"
)

// sshLink installs the example SSH connector in the hub's plugins folder and creates a link
// to it that reaches srv as the host "this-machine" of client "lab". facts are what the
// hosts file knows of the machine, as an asset list would.
func (h *hub) sshLink(srv *sshtest.Server, facts map[string]any) links.Link {
	h.t.Helper()
	data := strings.TrimPrefix(h.env[0], "STEWARD_DATA=")
	dir := filepath.Join(data, "plugins")
	require.NoError(h.t, os.MkdirAll(dir, 0o755))
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "steward-sshhosts"),
		"github.com/stewardhq/steward/examples/sshconnector").CombinedOutput()
	require.NoError(h.t, err, string(out))

	host := map[string]any{"name": "this-machine", "address": srv.Host, "port": srv.Port,
		"user": srv.User, "client": "lab"}
	for k, v := range map[string]string{"smbiosUuid": "uuid", "serial": "serial",
		"manufacturer": "manufacturer", "model": "model"} {
		if facts[k] != nil {
			host[v] = facts[k]
		}
	}
	b, err := json.Marshal([]any{host})
	require.NoError(h.t, err)
	hosts := filepath.Join(h.t.TempDir(), "hosts.json")
	require.NoError(h.t, os.WriteFile(hosts, b, 0o600))

	var l links.Link
	require.NoError(h.t, h.do(http.MethodPost, "/links", map[string]any{
		"connector": "sshhosts", "name": "ssh lab", "config": map[string]string{
			"hostsFile": hosts, "privateKeyFile": srv.ClientKeyFile,
			"knownHostsFile": srv.KnownHostsFile}}, &l))
	require.Eventually(h.t, func() bool {
		return h.do(http.MethodGet, "/links/"+l.ID, nil, &l) == nil &&
			l.Status == links.StatusRunning
	}, 60*time.Second, 100*time.Millisecond, "the link never ran: %s %s", l.Status,
		l.StatusReason)
	return l
}

func (h *hub) pathways(computerID string) []scripts.Pathway {
	h.t.Helper()
	var ps []scripts.Pathway
	require.NoError(h.t, h.do(http.MethodGet, "/computers/"+computerID+"/pathways", nil, &ps))
	return ps
}

// sessionRuns returns the script runs a session's log names.
func (h *hub) sessionRuns(id string) []scripts.Run {
	var out struct {
		Lines []session.LogLine `json:"lines"`
	}
	require.NoError(h.t, h.do(http.MethodGet, "/sessions/"+id+"/log", nil, &out))
	seen := map[string]bool{}
	var runs []scripts.Run
	for _, l := range out.Lines {
		if l.RunID == nil || seen[*l.RunID] {
			continue
		}
		seen[*l.RunID] = true
		var r scripts.Run
		require.NoError(h.t, h.do(http.MethodGet, "/script-runs/"+*l.RunID, nil, &r))
		runs = append(runs, r)
	}
	return runs
}

// TestSSHLinkCarriesASessionWhenTheAgentIsDown joins this machine's computer through a link
// of the example SSH connector as a second pathway, then stops Steward's agent and installs
// a package through SSH alone.
func TestSSHLinkCarriesASessionWhenTheAgentIsDown(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		removeDeb()
		t.Cleanup(removeDeb)
		h := startHub(t, dialect)
		srv := sshtest.Start(t)

		override := hardware(t, nil)
		var facts map[string]any
		if override != nil {
			b, err := os.ReadFile(override[1])
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &facts))
		}
		a := enrollAgent(t, h, override...)
		c := h.computerOf(a)
		l := h.sshLink(srv, facts)

		require.NoError(t, h.do(http.MethodPut, "/links/"+l.ID+"/clients/lab",
			map[string]any{"tenantId": c.TenantID}, nil))
		var sum links.SyncSummary
		require.NoError(t, h.do(http.MethodPost, "/links/"+l.ID+"/sync", nil, &sum))
		require.Equal(t, links.SyncSummary{Seen: 1, Identified: 1}, sum)

		require.Len(t, h.computers(), 1, "the link's record joined the agent's computer")
		ps := h.pathways(c.ID)
		require.Len(t, ps, 2)
		require.Equal(t, a.id(), ps[0].AgentID, "Steward's agent goes first while online")
		require.Equal(t, "ssh lab", ps[1].Link)
		require.Equal(t, "this-machine", ps[1].ExternalID)
		require.True(t, ps[1].Online)

		sw := h.helloSoftware(`dpkg -i "$InstallerFile"`)
		var dep resolve.Deployment
		require.NoError(t, h.do(http.MethodPost, "/deployments", map[string]any{
			"itemKind": "software", "itemId": sw.ID, "state": "latest",
			"scope": "cross_tenant", "target": map[string]any{"kind": "all"}}, &dep))

		a.stop()
		require.Eventually(t, func() bool {
			ps := h.pathways(c.ID)
			return len(ps) == 2 && ps[0].Link == "ssh lab" && !ps[1].Online
		}, 30*time.Second, 100*time.Millisecond, "the link never took over")

		full := h.session(c.ID, map[string]any{"mode": "full"})
		require.Equal(t, session.StatusPassed, full.Status, h.sessionLog(full.ID))
		require.Equal(t, "1.1", installedVersion())
		require.Contains(t, h.sessionLog(full.ID), "Setting up "+debName,
			"the installer's output came back through SSH")
		runs := h.sessionRuns(full.ID)
		require.NotEmpty(t, runs)
		for _, r := range runs {
			require.Equal(t, "link ssh lab", r.Via, "run %s", r.ID)
			require.Empty(t, r.AgentID)
			require.Equal(t, scripts.StatusCompleted, r.Status, "run %s: %s", r.ID, r.Error)
		}
	})
}
