package resolve

import (
	"time"

	"github.com/stewardhq/steward/sdk"
)

var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// dep builds an enabled cross-tenant deployment of Firefox at the latest version for all
// computers; options change one aspect each, so a test shows only what it is about.
func dep(id string, opts ...func(*Deployment)) Deployment {
	d := Deployment{
		ID:        id,
		ItemID:    "firefox",
		ItemKind:  ItemSoftware,
		State:     StateLatest,
		Scope:     ScopeCrossTenant,
		Target:    Target{Kind: TargetAll},
		Priority:  50,
		CreatedAt: now.Add(-30 * 24 * time.Hour),
		Enabled:   true,
	}
	for _, o := range opts {
		o(&d)
	}
	return d
}

func item(id string, kind ItemKind) func(*Deployment) {
	return func(d *Deployment) { d.ItemID, d.ItemKind = id, kind }
}

func tenant(id, name string) func(*Deployment) {
	return func(d *Deployment) { d.Scope, d.TenantID, d.TenantName = ScopeSingleTenant, id, name }
}

func forComputer(id string) func(*Deployment) {
	return func(d *Deployment) {
		d.Scope, d.TenantID, d.TenantName = ScopeIndividual, "ten-contoso", "Contoso"
		d.Target = Target{Kind: TargetComputer, Ref: id}
	}
}

func forPerson(id, name string) func(*Deployment) {
	return func(d *Deployment) {
		d.Scope, d.TenantID, d.TenantName = ScopeIndividual, "ten-contoso", "Contoso"
		d.Target = Target{Kind: TargetPerson, Ref: id, Label: name}
	}
}

func target(kind TargetKind, ref string) func(*Deployment) {
	return func(d *Deployment) { d.Target = Target{Kind: kind, Ref: ref} }
}

func labelled(label string) func(*Deployment) {
	return func(d *Deployment) { d.Target.Label = label }
}

func types(t ...string) func(*Deployment) {
	return func(d *Deployment) { d.ComputerTypes = t }
}

func state(s State) func(*Deployment) {
	return func(d *Deployment) { d.State = s }
}

func pinned(s State, version string) func(*Deployment) {
	return func(d *Deployment) { d.State, d.Version = s, version }
}

func priority(p int) func(*Deployment) {
	return func(d *Deployment) { d.Priority = p }
}

func created(t time.Time) func(*Deployment) {
	return func(d *Deployment) { d.CreatedAt = t }
}

func disabled(d *Deployment) { d.Enabled = false }

// laptop is Alice's portable at Contoso, member of one of each group.
func laptop(opts ...func(*Computer)) Computer {
	c := Computer{
		ID:                "cmp-nb13",
		TenantID:          "ten-contoso",
		TenantName:        "Contoso",
		Type:              sdk.ComputerTypePortable,
		Tags:              []string{"finance"},
		TenantTags:        []string{"managed"},
		PrimaryPersonID:   "per-alice",
		PrimaryPersonName: "Alice",
		PrimaryPersonTags: []string{"vip"},
		DirectoryGroups:   []string{"dir-sales"},
		DeviceGroups:      []string{"dev-kiosk"},
		ClientGroups:      []string{"cg-managed", "cg-managed-old"},
		ClientGroupValidity: map[string]Validity{
			"cg-expired": {From: now.AddDate(-1, 0, 0), To: time.Date(2025, 3, 31, 0, 0, 0, 0,
				time.UTC)},
			"cg-future":  {From: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)},
			"cg-current": {From: now.AddDate(0, -1, 0), To: now.AddDate(1, 0, 0)},
			// Listed as valid by the caller, but the window says otherwise.
			"cg-managed-old": {To: now.Add(-time.Hour)},
		},
		FilterScripts: []string{"dep-fs"},
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func ofType(t string) func(*Computer) {
	return func(c *Computer) { c.Type = t }
}
