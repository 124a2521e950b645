package session

import (
	"fmt"

	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/core/version"
)

// Detected is what detection found of a software on a computer.
type Detected struct {
	Found   bool
	Version string
}

// Decision is the action detection chose for one item, and why.
type Decision struct {
	Type   string
	Reason string
	// Target is the version the action installs, updates or downgrades to.
	Target string
}

// PlanSoftware decides what a software needs on a computer: the desired state and version of
// the winning deployment, what detection found, and the latest version the catalog has
// (empty when it has none).
func PlanSoftware(state resolve.State, pinned string, d Detected, latest string) Decision {
	cmp := func(a, b string) int { return version.Compare(a, b) }
	switch state {
	case resolve.StateIgnored:
		return Decision{Type: ActionNone, Reason: "ignored by deployment"}
	case resolve.StateUninstalled:
		if d.Found {
			return Decision{Type: ActionUninstall, Reason: "installed, should be absent"}
		}
		return Decision{Type: ActionNone, Reason: "not installed, as wanted"}
	case resolve.StateAny:
		if d.Found {
			return Decision{Type: ActionNone, Reason: "installed (" + d.Version + ")"}
		}
		return install(latest)
	case resolve.StateLatest:
		if !d.Found {
			return install(latest)
		}
		return towards(d.Version, latest)
	case resolve.StateVersion:
		if !d.Found {
			return Decision{Type: ActionInstall, Reason: "software missing", Target: pinned}
		}
		switch c := cmp(d.Version, pinned); {
		case c < 0:
			return Decision{Type: ActionUpdate, Target: pinned,
				Reason: fmt.Sprintf("version %s is older than the pinned %s", d.Version, pinned)}
		case c > 0:
			return Decision{Type: ActionDowngrade, Target: pinned,
				Reason: fmt.Sprintf("version %s is newer than the pinned %s", d.Version, pinned)}
		}
		return Decision{Type: ActionNone, Reason: "at the pinned version " + pinned}
	case resolve.StateAtLeast:
		target := latest
		if target == "" || cmp(target, pinned) < 0 {
			target = pinned
		}
		if !d.Found {
			return Decision{Type: ActionInstall, Reason: "software missing", Target: target}
		}
		if cmp(d.Version, pinned) < 0 {
			return Decision{Type: ActionUpdate, Target: target, Reason: fmt.Sprintf(
				"version %s is below the minimum %s", d.Version, pinned)}
		}
		return Decision{Type: ActionNone, Reason: fmt.Sprintf("version %s meets the minimum %s",
			d.Version, pinned)}
	case resolve.StateUpdateIfFound:
		if !d.Found {
			return Decision{Type: ActionNone, Reason: "not installed; this deployment never installs"}
		}
		return towards(d.Version, latest)
	}
	return Decision{Type: ActionNone, Reason: fmt.Sprintf("unknown state %q", state)}
}

func install(latest string) Decision {
	if latest == "" {
		return Decision{Type: ActionNone, Reason: "software missing, but the catalog has no " +
			"version to install"}
	}
	return Decision{Type: ActionInstall, Reason: "software missing", Target: latest}
}

// towards decides for an installed software whose wanted version is the latest.
func towards(installed, latest string) Decision {
	if latest == "" {
		return Decision{Type: ActionNone, Reason: "installed (" + installed +
			"); the catalog has no version to compare with"}
	}
	switch c := version.Compare(installed, latest); {
	case c < 0:
		return Decision{Type: ActionUpdate, Target: latest,
			Reason: fmt.Sprintf("update available: %s → %s", installed, latest)}
	case c > 0:
		return Decision{Type: ActionNone, Reason: fmt.Sprintf(
			"version %s is newer than the latest the catalog knows (%s)", installed, latest)}
	}
	return Decision{Type: ActionNone, Reason: "up to date (" + installed + ")"}
}

// PlanTask maps a task's desired state to its action; whether an enforce action has anything
// to change is decided by running the task's test in detection.
func PlanTask(state resolve.State) Decision {
	switch state {
	case resolve.StateEnforce:
		return Decision{Type: ActionTaskEnforce, Reason: "enforce"}
	case resolve.StateAudit:
		return Decision{Type: ActionAudit, Reason: "audit"}
	case resolve.StateMonitor:
		return Decision{Type: ActionMonitor, Reason: "monitor"}
	}
	return Decision{Type: ActionNone, Reason: "ignored by deployment"}
}
