package resolve

import (
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

const (
	matched    = "matched: "
	notMatched = "not matched: "
)

// verdict is the outcome of matching one deployment against one computer. typeLevel is the
// most specific narrowing type that admitted the computer (0 without narrowing), which
// ranking needs.
type verdict struct {
	ok        bool
	why       string
	typeLevel int
}

// Matches reports whether d applies to c at now, and why in words a technician reads in the
// console ("matched: computer carries tag 'finance'"). Disabled and invalid deployments never
// match.
func Matches(c Computer, d Deployment, now time.Time) (bool, string) {
	v := match(c, d, now)
	return v.ok, v.why
}

func match(c Computer, d Deployment, now time.Time) verdict {
	if err := validate(d); err != nil {
		return verdict{why: notMatched + "invalid deployment: " + err.Error()}
	}

	v := matchEnabled(c, d, now)
	if d.Enabled {
		return v
	}
	return verdict{why: disabledReason(v.ok, v.why)}
}

// disabledReason keeps the verdict a deployment would have if enabled: a technician about to
// enable it wants to know whether it would then apply.
func disabledReason(ok bool, why string) string {
	if ok {
		return notMatched + "disabled (would match if enabled: " +
			strings.TrimPrefix(why, matched) + ")"
	}
	return notMatched + "disabled (would not match if enabled either: " +
		strings.TrimPrefix(why, notMatched) + ")"
}

func matchEnabled(c Computer, d Deployment, now time.Time) verdict {
	if d.Scope != ScopeCrossTenant && c.TenantID != d.TenantID {
		return verdict{why: notMatched + "deployment is for tenant " +
			quote(orID(d.TenantName, d.TenantID)) + ", computer belongs to another tenant (" +
			quote(orID(c.TenantName, c.TenantID)) + ")"}
	}

	ok, why := matchTarget(c, d, now)
	if !ok {
		return verdict{why: notMatched + why}
	}
	if len(d.ComputerTypes) == 0 {
		return verdict{ok: true, why: matched + why}
	}

	level := 0
	for _, t := range d.ComputerTypes {
		if covers(t, c.Type) {
			level = max(level, typeLevel(t))
		}
	}
	narrowing := "narrowed to " + typeList(d.ComputerTypes) + ", "
	switch {
	case c.Type == "":
		return verdict{why: notMatched + narrowing + "computer type is unknown"}
	case level == 0:
		return verdict{why: notMatched + narrowing + "computer is " + typeSingular(c.Type)}
	}
	return verdict{ok: true, typeLevel: level,
		why: matched + why + "; " + narrowing + "computer is " + typeSingular(c.Type)}
}

// matchTarget returns whether the target picks c and the reason without its prefix.
func matchTarget(c Computer, d Deployment, now time.Time) (bool, string) {
	ref, label := d.Target.Ref, quote(orID(d.Target.Label, d.Target.Ref))
	switch d.Target.Kind {
	case TargetAll:
		if d.Scope == ScopeCrossTenant {
			return true, "deployment targets all computers of all tenants"
		}
		return true, "deployment targets all computers of tenant " +
			quote(orID(d.TenantName, d.TenantID))

	case TargetTenant:
		return true, "computer belongs to tenant " + quote(orID(d.TenantName, d.TenantID))

	case TargetComputer:
		if c.ID == ref {
			return true, "deployment is for this computer"
		}
		return false, "deployment is for another computer (" + label + ")"

	case TargetPerson:
		switch {
		case c.PrimaryPersonID == ref:
			return true, label + " is the computer's primary person"
		case c.PrimaryPersonID == "":
			return false, "deployment is for person " + label +
				", computer has no primary person"
		}
		return false, "deployment is for person " + label + ", computer's primary person is " +
			quote(orID(c.PrimaryPersonName, c.PrimaryPersonID))

	case TargetTag:
		return matchTag(c, ref)

	case TargetDirectoryGroup:
		return member(c.DirectoryGroups, ref, "directory group "+label)

	case TargetDeviceGroup:
		return member(c.DeviceGroups, ref, "device group "+label)

	case TargetClientGroup:
		return matchClientGroup(c, ref, label, now)

	case TargetFilterScript:
		// Filter scripts run per deployment, so the membership is keyed by deployment id.
		if slices.Contains(c.FilterScripts, d.ID) {
			return true, "filter script " + label + " selected the computer"
		}
		return false, "filter script " + label + " did not select the computer"
	}
	return false, "unknown target kind " + quote(string(d.Target.Kind))
}

// matchTag looks at the most specific carrier first, so the reason names the computer when
// both it and its tenant carry the tag. Tags compare without regard to case, as technicians
// type them.
func matchTag(c Computer, tag string) (bool, string) {
	switch {
	case hasTag(c.Tags, tag):
		return true, "computer carries tag " + quote(tag)
	case c.PrimaryPersonID != "" && hasTag(c.PrimaryPersonTags, tag):
		return true, "primary person " + quote(orID(c.PrimaryPersonName, c.PrimaryPersonID)) +
			" carries tag " + quote(tag)
	case hasTag(c.TenantTags, tag):
		return true, "tenant " + quote(orID(c.TenantName, c.TenantID)) + " carries tag " +
			quote(tag)
	}
	return false, "neither the computer, its tenant nor its primary person carries tag " +
		quote(tag)
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

func member(groups []string, id, what string) (bool, string) {
	if slices.Contains(groups, id) {
		return true, "computer is in " + what
	}
	return false, "computer is not in " + what
}

func matchClientGroup(c Computer, id, label string, now time.Time) (bool, string) {
	w, known := c.ClientGroupValidity[id]
	if !known {
		return member(c.ClientGroups, id, "client group "+label)
	}

	switch {
	case !w.From.IsZero() && now.Before(w.From):
		return false, "client group " + label + " agreement starts on " + day(w.From)
	case !w.To.IsZero() && !now.Before(w.To):
		return false, "client group " + label + " agreement expired on " + day(w.To)
	case w.To.IsZero():
		return true, "computer is in client group " + label
	}
	return true, "computer is in client group " + label + " (agreement until " + day(w.To) + ")"
}

// covers reports whether a narrowing to type narrow admits a computer of type actual. A
// primary domain controller is a domain controller, and a domain controller is a server;
// workstations and portables are distinct types.
func covers(narrow, actual string) bool {
	switch {
	case narrow == actual:
		return true
	case narrow == sdk.ComputerTypeServer:
		return actual == sdk.ComputerTypeDomainController ||
			actual == sdk.ComputerTypePrimaryDomainController
	case narrow == sdk.ComputerTypeDomainController:
		return actual == sdk.ComputerTypePrimaryDomainController
	}
	return false
}

// MatchesTenant reports whether d applies to tenant t, for tasks that run in the hub once
// per tenant. Only targets that describe tenants can match: all, tenant, tag (the tenant's
// tags) and client group. Individual deployments and narrowed ones describe computers and
// never match a tenant.
func MatchesTenant(t Tenant, d Deployment) (bool, string) {
	if err := validate(d); err != nil {
		return false, notMatched + "invalid deployment: " + err.Error()
	}
	ok, why := matchTenantEnabled(t, d)
	if d.Enabled {
		return ok, why
	}
	return false, disabledReason(ok, why)
}

func matchTenantEnabled(t Tenant, d Deployment) (bool, string) {
	tenant := quote(orID(d.TenantName, d.TenantID))
	switch {
	case d.Scope == ScopeIndividual:
		return false, notMatched + "individual deployments are for computers and people"
	case d.Scope == ScopeSingleTenant && t.ID != d.TenantID:
		return false, notMatched + "deployment is for tenant " + tenant +
			", this is another tenant (" + quote(orID(t.Name, t.ID)) + ")"
	case len(d.ComputerTypes) > 0:
		return false, notMatched + "narrowed to " + typeList(d.ComputerTypes) +
			", a tenant has no computer type"
	}

	ref, label := d.Target.Ref, quote(orID(d.Target.Label, d.Target.Ref))
	switch d.Target.Kind {
	case TargetAll:
		if d.Scope == ScopeCrossTenant {
			return true, matched + "deployment targets all tenants"
		}
		return true, matched + "deployment targets tenant " + tenant
	case TargetTenant:
		return true, matched + "deployment is for tenant " + tenant
	case TargetTag:
		if hasTag(t.Tags, ref) {
			return true, matched + "tenant carries tag " + quote(ref)
		}
		return false, notMatched + "tenant does not carry tag " + quote(ref)
	case TargetClientGroup:
		if slices.Contains(t.ClientGroups, ref) {
			return true, matched + "tenant is in client group " + label
		}
		return false, notMatched + "tenant is not in client group " + label
	}
	return false, notMatched + "a " + targetNames[d.Target.Kind] + " target picks computers, " +
		"not tenants"
}

func quote(s string) string { return "'" + s + "'" }

func orID(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

var typeNames = map[string][2]string{
	sdk.ComputerTypeWorkstation:      {"a workstation", "workstations"},
	sdk.ComputerTypePortable:         {"a portable", "portables"},
	sdk.ComputerTypeServer:           {"a server", "servers"},
	sdk.ComputerTypeDomainController: {"a domain controller", "domain controllers"},
	sdk.ComputerTypePrimaryDomainController: {"a primary domain controller",
		"primary domain controllers"},
}

func typeSingular(t string) string {
	if n, ok := typeNames[t]; ok {
		return n[0]
	}
	return "of type " + quote(t)
}

// typeList names narrowing types from the most specific down, the order the rules use.
func typeList(types []string) string {
	sorted := slices.Clone(types)
	slices.SortFunc(sorted, func(a, b string) int { return typeLevel(b) - typeLevel(a) })
	sorted = slices.Compact(sorted)
	names := make([]string, len(sorted))
	for i, t := range sorted {
		names[i] = typeNames[t][1]
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
