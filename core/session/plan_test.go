package session

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/resolve"
)

func TestPlanSoftware(t *testing.T) {
	missing := Detected{}
	at := func(v string) Detected { return Detected{Found: true, Version: v} }
	tests := []struct {
		name     string
		state    resolve.State
		pinned   string
		detected Detected
		latest   string
		want     string
		target   string
	}{
		{"latest, missing", resolve.StateLatest, "", missing, "1.1", ActionInstall, "1.1"},
		{"latest, older", resolve.StateLatest, "", at("1.0"), "1.1", ActionUpdate, "1.1"},
		{"latest, numeric order", resolve.StateLatest, "", at("2.5.9"), "2.5.10", ActionUpdate,
			"2.5.10"},
		{"latest, current", resolve.StateLatest, "", at("1.1.0"), "1.1", ActionNone, ""},
		{"latest, newer than catalog", resolve.StateLatest, "", at("1.2"), "1.1", ActionNone, ""},
		{"latest, no versions", resolve.StateLatest, "", missing, "", ActionNone, ""},
		{"version, missing", resolve.StateVersion, "1.0", missing, "1.1", ActionInstall, "1.0"},
		{"version, newer", resolve.StateVersion, "1.0", at("1.1"), "1.1", ActionDowngrade, "1.0"},
		{"version, older", resolve.StateVersion, "1.1", at("1.0"), "1.1", ActionUpdate, "1.1"},
		{"version, equal", resolve.StateVersion, "1.0", at("1.0.0"), "1.1", ActionNone, ""},
		{"at least, below", resolve.StateAtLeast, "1.1", at("1.0"), "1.2", ActionUpdate, "1.2"},
		{"at least, meets", resolve.StateAtLeast, "1.0", at("1.0"), "1.2", ActionNone, ""},
		{"at least, missing", resolve.StateAtLeast, "1.0", missing, "1.2", ActionInstall, "1.2"},
		{"at least, floor above catalog", resolve.StateAtLeast, "2.0", missing, "1.2",
			ActionInstall, "2.0"},
		{"any, present", resolve.StateAny, "", at("0.1"), "1.2", ActionNone, ""},
		{"any, missing", resolve.StateAny, "", missing, "1.2", ActionInstall, "1.2"},
		{"update if found, missing", resolve.StateUpdateIfFound, "", missing, "1.2", ActionNone,
			""},
		{"update if found, older", resolve.StateUpdateIfFound, "", at("1.0"), "1.2",
			ActionUpdate, "1.2"},
		{"uninstalled, present", resolve.StateUninstalled, "", at("1.0"), "1.2",
			ActionUninstall, ""},
		{"uninstalled, absent", resolve.StateUninstalled, "", missing, "1.2", ActionNone, ""},
		{"ignored", resolve.StateIgnored, "", missing, "1.2", ActionNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := PlanSoftware(tt.state, tt.pinned, tt.detected, tt.latest)
			require.Equal(t, tt.want, d.Type, d.Reason)
			require.Equal(t, tt.target, d.Target)
			require.NotEmpty(t, d.Reason)
		})
	}
}

func TestPlanTask(t *testing.T) {
	require.Equal(t, ActionTaskEnforce, PlanTask(resolve.StateEnforce).Type)
	require.Equal(t, ActionAudit, PlanTask(resolve.StateAudit).Type)
	require.Equal(t, ActionMonitor, PlanTask(resolve.StateMonitor).Type)
	require.Equal(t, ActionNone, PlanTask(resolve.StateIgnored).Type)
}
