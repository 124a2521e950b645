package resolve

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

// ItemKind says what a deployment maintains.
type ItemKind string

// Item kinds.
const (
	ItemSoftware ItemKind = "software"
	ItemTask     ItemKind = "task"
)

// Scope says whose deployment it is: the MSP's for every tenant, one tenant's, or one
// computer's or person's.
type Scope string

// Scopes, from least to most specific.
const (
	ScopeCrossTenant  Scope = "cross_tenant"
	ScopeSingleTenant Scope = "single_tenant"
	ScopeIndividual   Scope = "individual"
)

// TargetKind says how a deployment picks its computers.
type TargetKind string

// Target kinds.
const (
	// TargetAll: every computer in the deployment's scope.
	TargetAll TargetKind = "all"
	// TargetTenant: every computer of the deployment's tenant (single-tenant scope only).
	TargetTenant TargetKind = "tenant"
	// TargetComputer: the computer whose id is Ref (individual scope only).
	TargetComputer TargetKind = "computer"
	// TargetPerson: the computers whose primary person is Ref (individual scope only).
	TargetPerson TargetKind = "person"
	// TargetTag: computers carrying tag Ref, or whose tenant or primary person carries it.
	TargetTag TargetKind = "tag"
	// TargetDirectoryGroup, TargetDeviceGroup and TargetClientGroup: members of the group
	// whose id is Ref, as a link reports them.
	TargetDirectoryGroup TargetKind = "directory_group"
	TargetDeviceGroup    TargetKind = "device_group"
	TargetClientGroup    TargetKind = "client_group"
	// TargetFilterScript: the computers the deployment's filter script selected; Ref names
	// the script.
	TargetFilterScript TargetKind = "filter_script"
)

// State is the desired state of the item on a computer.
type State string

// Desired states of software.
const (
	// StateLatest: installed at the latest version the catalogue knows.
	StateLatest State = "latest"
	// StateVersion: installed at exactly Deployment.Version.
	StateVersion State = "version"
	// StateAtLeast: installed at Deployment.Version or above.
	StateAtLeast State = "at_least"
	// StateAny: installed at any version.
	StateAny State = "any"
	// StateUpdateIfFound: updated to the latest version where found, never installed.
	StateUpdateIfFound State = "update_if_found"
	// StateUninstalled: not installed.
	StateUninstalled State = "uninstalled"
)

// Desired states of maintenance tasks.
const (
	// StateEnforce: checked and corrected.
	StateEnforce State = "enforce"
	// StateAudit: checked and reported, never corrected.
	StateAudit State = "audit"
	// StateMonitor: observed only.
	StateMonitor State = "monitor"
)

// StateIgnored leaves the item alone. It applies to both item kinds and wins over every other
// state, so a technician can exempt a computer from anything broader.
const StateIgnored State = "ignored"

// Target is how a deployment picks computers.
type Target struct {
	Kind TargetKind `json:"kind"`
	// Ref is the computer id, person id, tag, group id or filter script id; empty for all
	// and tenant.
	Ref string `json:"ref,omitempty"`
	// Label is Ref's display name (a person's or group's name), used only in reasons.
	Label string `json:"label,omitempty"`
}

// Deployment is a rule: this item, in this state, for these computers.
type Deployment struct {
	ID       string   `json:"id"`
	ItemID   string   `json:"itemId"`
	ItemKind ItemKind `json:"itemKind"`
	State    State    `json:"state"`
	// Version is the pinned version of StateVersion and the floor of StateAtLeast.
	Version string `json:"version,omitempty"`
	Scope   Scope  `json:"scope"`
	// TenantID is required for single-tenant and individual scope and empty for cross-tenant.
	TenantID string `json:"tenantId,omitempty"`
	// TenantName is the tenant's display name, used only in reasons.
	TenantName string `json:"tenantName,omitempty"`
	Target     Target `json:"target"`
	// ComputerTypes narrows the deployment to computers of these types (sdk.ComputerType*
	// values); empty means no narrowing. A server narrowing includes domain controllers and a
	// domain-controller narrowing includes primary domain controllers.
	ComputerTypes []string `json:"computerTypes,omitempty"`
	// Priority decides between deployments equal in every rule: the lower number wins, like
	// a position in a queue, so 0 is the highest priority.
	Priority   int               `json:"priority"`
	CreatedAt  time.Time         `json:"createdAt"`
	Enabled    bool              `json:"enabled"`
	Parameters map[string]string `json:"parameters,omitempty"`
	Notes      string            `json:"notes,omitempty"`
}

var softwareStates = []State{
	StateLatest, StateVersion, StateAtLeast, StateAny, StateUpdateIfFound, StateUninstalled,
	StateIgnored,
}

var taskStates = []State{StateEnforce, StateAudit, StateMonitor, StateIgnored}

// targetsByScope lists the target kinds each scope may use. Computer and person targets
// name one thing, so only individual deployments use them, and individual deployments use
// nothing else; a tenant target means the deployment's own tenant.
var targetsByScope = map[Scope][]TargetKind{
	ScopeCrossTenant: {
		TargetAll, TargetTag, TargetDirectoryGroup, TargetDeviceGroup, TargetClientGroup,
		TargetFilterScript,
	},
	ScopeSingleTenant: {
		TargetAll, TargetTenant, TargetTag, TargetDirectoryGroup, TargetDeviceGroup,
		TargetClientGroup, TargetFilterScript,
	},
	ScopeIndividual: {TargetComputer, TargetPerson},
}

// Validate reports whether d is a deployment the rules can rank. Errors wrap errs.ErrInvalid.
func Validate(d Deployment) error {
	if err := validate(d); err != nil {
		return fmt.Errorf("deployment %s: %s: %w", d.ID, err, errs.ErrInvalid)
	}
	return nil
}

// validate returns the problem as plain text, which Matches also shows to technicians.
func validate(d Deployment) error {
	switch {
	case d.ID == "":
		return errors.New("no id")
	case d.ItemID == "":
		return errors.New("no item")
	}

	switch d.ItemKind {
	case ItemSoftware:
		if !slices.Contains(softwareStates, d.State) {
			return fmt.Errorf("state %q is not a software state", d.State)
		}
	case ItemTask:
		if !slices.Contains(taskStates, d.State) {
			return fmt.Errorf("state %q is not a task state", d.State)
		}
	default:
		return fmt.Errorf("unknown item kind %q", d.ItemKind)
	}
	if (d.State == StateVersion || d.State == StateAtLeast) && d.Version == "" {
		return fmt.Errorf("state %q needs a version", d.State)
	}

	kinds, ok := targetsByScope[d.Scope]
	switch {
	case !ok:
		return fmt.Errorf("unknown scope %q", d.Scope)
	case d.Scope == ScopeCrossTenant && d.TenantID != "":
		return fmt.Errorf("cross-tenant deployment names tenant %q", d.TenantID)
	case d.Scope != ScopeCrossTenant && d.TenantID == "":
		return fmt.Errorf("%s deployment names no tenant", scopeNames[d.Scope])
	case !slices.Contains(kinds, d.Target.Kind):
		return fmt.Errorf("%s deployment cannot target %q", scopeNames[d.Scope], d.Target.Kind)
	}
	needsRef := d.Target.Kind != TargetAll && d.Target.Kind != TargetTenant
	if needsRef && d.Target.Ref == "" {
		return fmt.Errorf("target %q names nothing", d.Target.Kind)
	}
	if d.Target.Kind == TargetTenant && d.Target.Ref != "" && d.Target.Ref != d.TenantID {
		return fmt.Errorf("tenant target %q is not the deployment's tenant", d.Target.Ref)
	}

	for _, t := range d.ComputerTypes {
		if typeLevel(t) == 0 {
			return fmt.Errorf("unknown computer type %q", t)
		}
	}
	return nil
}

var scopeNames = map[Scope]string{
	ScopeCrossTenant:  "cross-tenant",
	ScopeSingleTenant: "single-tenant",
	ScopeIndividual:   "individual",
}

// typeLevel ranks a computer type by specificity; 0 for no narrowing or an unknown type.
func typeLevel(t string) int {
	switch t {
	case sdk.ComputerTypeWorkstation:
		return 1
	case sdk.ComputerTypePortable:
		return 2
	case sdk.ComputerTypeServer:
		return 3
	case sdk.ComputerTypeDomainController:
		return 4
	case sdk.ComputerTypePrimaryDomainController:
		return 5
	}
	return 0
}
