package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/paging"
)

// overrideFile writes an agent facts override (see agent/inventory/README.md).
func overrideFile(t *testing.T, facts map[string]any) string {
	t.Helper()
	b, err := json.Marshal(facts)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "facts.json")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

// hardware poses as a real machine when this one has no readable firmware identity (a
// container or a VM without DMI): hardware ids are what identification matches on.
func hardware(t *testing.T, extra map[string]any) []string {
	facts := map[string]any{"smbiosUuid": "4C4C4544-0042-3510-8050-B4C04F4E3232",
		"serial": "5B2PN22", "manufacturer": "Dell Inc.", "model": "OptiPlex 7090"}
	if b, err := os.ReadFile("/sys/class/dmi/id/product_uuid"); err == nil &&
		len(strings.TrimSpace(string(b))) > 0 && len(extra) == 0 {
		return nil // the real firmware identity is enough
	}
	for k, v := range extra {
		facts[k] = v
	}
	return []string{"--facts-override", overrideFile(t, facts)}
}

func (h *hub) newComputers() []computer.Computer {
	var page paging.Page[computer.Computer]
	require.NoError(h.t, h.do(http.MethodGet, "/new-computers", nil, &page))
	return page.Items
}

func (h *hub) computers() []computer.Computer {
	var page paging.Page[computer.Computer]
	require.NoError(h.t, h.do(http.MethodGet, "/computers?pageSize=500", nil, &page))
	return page.Items
}

func (h *hub) waitDecision(name string) computer.Computer {
	var found computer.Computer
	require.Eventually(h.t, func() bool {
		for _, c := range h.newComputers() {
			if c.Status == computer.StatusNeedsDecision {
				found = c
				return true
			}
		}
		return false
	}, 60*time.Second, 100*time.Millisecond, "no computer waits for a decision (%s)", name)
	return found
}

func TestReinstalledAgentIsOverwritten(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		h := startHub(t, dialect)
		args := hardware(t, nil)
		first := enrollAgent(t, h, args...)
		known := h.computerOf(first)
		first.stop()

		second := enrollAgent(t, h, args...)
		c := h.waitDecision("reinstall")
		require.Equal(t, "overwrite", c.DecisionSuggestion, c.DecisionReason)
		require.Equal(t, known.ID, *c.DecisionComputerID)

		out, err := h.cli("computers", "decide", c.ID, "overwrite")
		require.NoError(t, err, out)
		require.Contains(t, out, known.ID)

		comps := h.computers()
		require.Len(t, comps, 1, "overwrite leaves one computer")
		require.Equal(t, known.ID, comps[0].ID)
		var agentsPage struct {
			Items []struct {
				ID        string     `json:"id"`
				RevokedAt *time.Time `json:"revokedAt"`
			} `json:"items"`
		}
		require.NoError(t, h.do(http.MethodGet, "/agents?computerId="+known.ID, nil,
			&agentsPage))
		var live []string
		for _, a := range agentsPage.Items {
			if a.RevokedAt == nil {
				live = append(live, a.ID)
			}
		}
		require.Equal(t, []string{second.id()}, live, "one pathway: the new agent")
	})
}

func TestCloneOnlineWithItsSourceSuggestsKeepBoth(t *testing.T) {
	h := startHub(t, "sqlite")
	source := enrollAgent(t, h, hardware(t, map[string]any{"osInstallId": "clone-source"})...)
	h.computerOf(source)
	enrollAgent(t, h, hardware(t, map[string]any{"osInstallId": "clone-copy",
		"hostname": "clone-2"})...)

	c := h.waitDecision("clone")
	require.Equal(t, "keep_both", c.DecisionSuggestion, c.DecisionReason)
	out, err := h.cli("computers", "decide", c.ID, "keep-both")
	require.NoError(t, err, out)
	require.Len(t, h.computers(), 2)
}

func TestWipedMachineReplacesItsOldRecord(t *testing.T) {
	h := startHub(t, "sqlite")
	old := enrollAgent(t, h, hardware(t, map[string]any{"osInstallId": "before-wipe"})...)
	known := h.computerOf(old)
	old.stop()
	enrollAgent(t, h, hardware(t, map[string]any{"osInstallId": "after-wipe"})...)

	c := h.waitDecision("wipe")
	require.Equal(t, "wiped", c.DecisionSuggestion, c.DecisionReason)
	out, err := h.cli("computers", "decide", c.ID, "wiped")
	require.NoError(t, err, out)

	var retired computer.Computer
	require.NoError(t, h.do(http.MethodGet, "/computers/"+known.ID, nil, &retired))
	require.Equal(t, computer.StatusRetired, retired.Status)
	var fresh computer.Computer
	require.NoError(t, h.do(http.MethodGet, "/computers/"+c.ID, nil, &fresh))
	require.Equal(t, computer.StatusNeedsOnboarding, fresh.Status)
}

func TestPlaceholderIdentityNeverMerges(t *testing.T) {
	h := startHub(t, "sqlite")
	placeholder := map[string]any{"smbiosUuid": "03000200-0400-0500-0006-000700080009",
		"serial": "To be filled by O.E.M.", "manufacturer": "System manufacturer",
		"model": "System Product Name"}
	a := enrollAgent(t, h, "--facts-override", overrideFile(t, placeholder))
	placeholder["hostname"] = "other-box"
	placeholder["osInstallId"] = "another-install"
	b := enrollAgent(t, h, "--facts-override", overrideFile(t, placeholder))
	ca, cb := h.computerOf(a), h.computerOf(b)
	require.NotEqual(t, ca.ID, cb.ID)
	for _, c := range []computer.Computer{ca, cb} {
		require.Equal(t, computer.StatusNeedsOnboarding, c.Status)
	}
}
