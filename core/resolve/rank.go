package resolve

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// Criterion names the rule that decided between two deployments.
type Criterion string

// Criteria, in the order they are applied.
const (
	// CriterionNone: nothing to decide, because at most one deployment matched.
	CriterionNone         Criterion = ""
	CriterionScope        Criterion = "scope"
	CriterionTarget       Criterion = "target"
	CriterionComputerType Criterion = "computer_type"
	CriterionState        Criterion = "state"
	CriterionPriority     Criterion = "priority"
	CriterionAge          Criterion = "age"
	CriterionID           Criterion = "id"
)

// Rank is a deployment's position under each rule for one computer. For the levels, higher
// is more specific; see the package documentation for the values.
type Rank struct {
	// Scope: 1 cross-tenant, 2 single-tenant, 3 individual for a person, 4 individual for a
	// computer.
	Scope int `json:"scope"`
	// Target: 0 all or tenant, 1 client group, 2 device group, 3 directory group, 4 tag,
	// 5 filter script, 6 person, 7 computer.
	Target int `json:"target"`
	// ComputerType: the most specific narrowing type that admitted the computer: 0 none,
	// 1 workstation, 2 portable, 3 server, 4 domain controller, 5 primary domain controller.
	ComputerType int `json:"computerType"`
	// State: 7 ignored; software 6 uninstalled, 5 version, 4 at least, 3 latest, 2 any,
	// 1 update if found; tasks 3 enforce, 2 audit, 1 monitor.
	State int `json:"state"`
	// Priority, CreatedAt and ID repeat the deployment's, so that ranks compare alone.
	Priority  int       `json:"priority"`
	CreatedAt time.Time `json:"-"`
	ID        string    `json:"-"`
}

func rankOf(d Deployment, typeLevel int) Rank {
	return Rank{
		Scope:        scopeLevel(d),
		Target:       targetLevel(d.Target.Kind),
		ComputerType: typeLevel,
		State:        stateLevel(d.State),
		Priority:     d.Priority,
		CreatedAt:    d.CreatedAt,
		ID:           d.ID,
	}
}

func scopeLevel(d Deployment) int {
	switch {
	case d.Scope == ScopeIndividual && d.Target.Kind == TargetComputer:
		return 4
	case d.Scope == ScopeIndividual:
		return 3
	case d.Scope == ScopeSingleTenant:
		return 2
	}
	return 1
}

// targetLevel ranks all and tenant together, since in a single-tenant deployment both mean
// the whole tenant.
func targetLevel(k TargetKind) int {
	switch k {
	case TargetClientGroup:
		return 1
	case TargetDeviceGroup:
		return 2
	case TargetDirectoryGroup:
		return 3
	case TargetTag:
		return 4
	case TargetFilterScript:
		return 5
	case TargetPerson:
		return 6
	case TargetComputer:
		return 7
	}
	return 0
}

// stateLevel puts the state that asks more of the computer above the one that asks less:
// removal over any installed state; an exact pin over a floor, since it allows one version
// where the floor allows many; a floor a technician chose over "latest", which follows
// whatever the vendor ships; "latest" over "any", which accepts an outdated copy; and
// "update_if_found", which never installs, last. Tasks order the same way: enforcing
// corrects, auditing reports, monitoring only observes.
func stateLevel(s State) int {
	switch s {
	case StateIgnored:
		return 7
	case StateUninstalled:
		return 6
	case StateVersion:
		return 5
	case StateAtLeast:
		return 4
	case StateLatest, StateEnforce:
		return 3
	case StateAny, StateAudit:
		return 2
	case StateUpdateIfFound, StateMonitor:
		return 1
	}
	return 0
}

// Compare returns a negative number when r beats o, a positive one when o beats r and 0 when
// they are equal in every field, along with the rule that decided.
func (r Rank) Compare(o Rank) (int, Criterion) {
	// Levels compare reversed (higher wins); priority, age and id compare ascending.
	steps := []struct {
		c Criterion
		n int
	}{
		{CriterionScope, cmp.Compare(o.Scope, r.Scope)},
		{CriterionTarget, cmp.Compare(o.Target, r.Target)},
		{CriterionComputerType, cmp.Compare(o.ComputerType, r.ComputerType)},
		{CriterionState, cmp.Compare(o.State, r.State)},
		{CriterionPriority, cmp.Compare(r.Priority, o.Priority)},
		{CriterionAge, r.CreatedAt.Compare(o.CreatedAt)},
		{CriterionID, strings.Compare(r.ID, o.ID)},
	}
	for _, s := range steps {
		if s.n != 0 {
			return s.n, s.c
		}
	}
	return 0, CriterionNone
}

// winReason says in words why w beat the runner-up r, which was decided by c.
func winReason(w, r Candidate, c Criterion) string {
	wr, rr := w.Rank, r.Rank
	of := " of deployment " + r.Deployment.ID
	switch c {
	case CriterionScope:
		return "wins: " + scopePhrase(wr.Scope) + " beats " + scopePhrase(rr.Scope) + of
	case CriterionTarget:
		return "wins: same scope; " + targetNames[w.Deployment.Target.Kind] + " target beats " +
			targetNames[r.Deployment.Target.Kind] + " target" + of
	case CriterionComputerType:
		return "wins: same scope and target kind; " + narrowingPhrase(wr.ComputerType) +
			" beats " + narrowingPhrase(rr.ComputerType) + of
	case CriterionState:
		return "wins: same scope, target kind and narrowing; " +
			quote(string(w.Deployment.State)) + " beats " + quote(string(r.Deployment.State)) + of
	case CriterionPriority:
		return "wins: equal in all rules; priority " + strconv.Itoa(wr.Priority) + " beats " +
			strconv.Itoa(rr.Priority) + of
	case CriterionAge:
		return "wins: equal in all rules and priority; created first (" + stamp(wr.CreatedAt) +
			", deployment " + r.Deployment.ID + " on " + stamp(rr.CreatedAt) + ")"
	case CriterionID:
		return "wins: equal in all rules, priority and creation time; id " + quote(wr.ID) +
			" sorts before " + quote(rr.ID)
	}
	return "wins: same deployment id as " + r.Deployment.ID
}

func scopePhrase(level int) string {
	switch level {
	case 4:
		return "individual scope for the computer"
	case 3:
		return "individual scope for its person"
	case 2:
		return "single-tenant scope"
	}
	return "cross-tenant scope"
}

var targetNames = map[TargetKind]string{
	TargetAll:            "all-computers",
	TargetTenant:         "whole-tenant",
	TargetComputer:       "computer",
	TargetPerson:         "person",
	TargetTag:            "tag",
	TargetDirectoryGroup: "directory-group",
	TargetDeviceGroup:    "device-group",
	TargetClientGroup:    "client-group",
	TargetFilterScript:   "filter-script",
}

var typesByLevel = []string{"", sdk.ComputerTypeWorkstation, sdk.ComputerTypePortable,
	sdk.ComputerTypeServer, sdk.ComputerTypeDomainController,
	sdk.ComputerTypePrimaryDomainController}

func narrowingPhrase(level int) string {
	if level == 0 {
		return "no narrowing"
	}
	return "narrowing to " + typeNames[typesByLevel[level]][1]
}

func stamp(t time.Time) string { return t.UTC().Format(time.DateTime) + " UTC" }
