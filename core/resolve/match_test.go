package resolve

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

func TestMatchesTargets(t *testing.T) {
	fabrikam := func(c *Computer) { c.TenantID, c.TenantName = "ten-fabrikam", "Fabrikam" }
	noPerson := func(c *Computer) { c.PrimaryPersonID, c.PrimaryPersonName = "", "" }

	tests := []struct {
		name     string
		d        Deployment
		c        Computer
		want     bool
		wantWhy  string
		wantRank Rank
	}{
		{
			name: "all computers of all tenants", d: dep("d"), c: laptop(), want: true,
			wantWhy: "matched: deployment targets all computers of all tenants",
		},
		{
			name: "all computers of the tenant", d: dep("d", tenant("ten-contoso", "Contoso")),
			c: laptop(), want: true,
			wantWhy: "matched: deployment targets all computers of tenant 'Contoso'",
		},
		{
			name: "single tenant, another tenant", d: dep("d", tenant("ten-contoso", "Contoso")),
			c: laptop(fabrikam),
			wantWhy: "not matched: deployment is for tenant 'Contoso', computer belongs to " +
				"another tenant ('Fabrikam')",
		},
		{
			name: "tenant names fall back to ids", d: dep("d", tenant("ten-contoso", "")),
			c: laptop(func(c *Computer) { c.TenantID, c.TenantName = "ten-fabrikam", "" }),
			wantWhy: "not matched: deployment is for tenant 'ten-contoso', computer belongs " +
				"to another tenant ('ten-fabrikam')",
		},
		{
			name: "tenant target",
			d:    dep("d", tenant("ten-contoso", "Contoso"), target(TargetTenant, "")),
			c:    laptop(), want: true,
			wantWhy: "matched: computer belongs to tenant 'Contoso'",
		},
		{
			name: "tenant target, another tenant",
			d:    dep("d", tenant("ten-contoso", "Contoso"), target(TargetTenant, "ten-contoso")),
			c:    laptop(fabrikam),
			wantWhy: "not matched: deployment is for tenant 'Contoso', computer belongs to " +
				"another tenant ('Fabrikam')",
		},
		{
			name: "computer", d: dep("d", forComputer("cmp-nb13")), c: laptop(), want: true,
			wantWhy: "matched: deployment is for this computer",
		},
		{
			name: "another computer", d: dep("d", forComputer("cmp-nb21")), c: laptop(),
			wantWhy: "not matched: deployment is for another computer ('cmp-nb21')",
		},
		{
			name: "individual deployment of another tenant", d: dep("d", forComputer("cmp-nb13")),
			c: laptop(fabrikam),
			wantWhy: "not matched: deployment is for tenant 'Contoso', computer belongs to " +
				"another tenant ('Fabrikam')",
		},
		{
			name: "person", d: dep("d", forPerson("per-alice", "Alice")), c: laptop(), want: true,
			wantWhy: "matched: 'Alice' is the computer's primary person",
		},
		{
			name: "another person", d: dep("d", forPerson("per-bob", "Bob")), c: laptop(),
			wantWhy: "not matched: deployment is for person 'Bob', computer's primary person " +
				"is 'Alice'",
		},
		{
			name: "person, no primary person", d: dep("d", forPerson("per-bob", "Bob")),
			c:       laptop(noPerson),
			wantWhy: "not matched: deployment is for person 'Bob', computer has no primary person",
		},
		{
			name: "computer tag, any case", d: dep("d", target(TargetTag, "Finance")),
			c: laptop(), want: true,
			wantWhy: "matched: computer carries tag 'Finance'",
		},
		{
			name: "person tag", d: dep("d", target(TargetTag, "vip")), c: laptop(), want: true,
			wantWhy: "matched: primary person 'Alice' carries tag 'vip'",
		},
		{
			name: "person tag without a primary person", d: dep("d", target(TargetTag, "vip")),
			c: laptop(noPerson, func(c *Computer) { c.PrimaryPersonTags = []string{"vip"} }),
			wantWhy: "not matched: neither the computer, its tenant nor its primary person " +
				"carries tag 'vip'",
		},
		{
			name: "tenant tag", d: dep("d", target(TargetTag, "managed")), c: laptop(),
			want: true, wantWhy: "matched: tenant 'Contoso' carries tag 'managed'",
		},
		{
			name: "tag nobody carries", d: dep("d", target(TargetTag, "lab")), c: laptop(),
			wantWhy: "not matched: neither the computer, its tenant nor its primary person " +
				"carries tag 'lab'",
		},
		{
			name: "directory group",
			d:    dep("d", target(TargetDirectoryGroup, "dir-sales"), labelled("Sales")),
			c:    laptop(), want: true,
			wantWhy: "matched: computer is in directory group 'Sales'",
		},
		{
			name: "another directory group", d: dep("d", target(TargetDirectoryGroup, "dir-hr")),
			c:       laptop(),
			wantWhy: "not matched: computer is not in directory group 'dir-hr'",
		},
		{
			name: "device group", d: dep("d", target(TargetDeviceGroup, "dev-kiosk")),
			c: laptop(), want: true,
			wantWhy: "matched: computer is in device group 'dev-kiosk'",
		},
		{
			name: "directory group id is not a device group",
			d:    dep("d", target(TargetDeviceGroup, "dir-sales")), c: laptop(),
			wantWhy: "not matched: computer is not in device group 'dir-sales'",
		},
		{
			name: "client group", d: dep("d", target(TargetClientGroup, "cg-managed")),
			c: laptop(), want: true,
			wantWhy: "matched: computer is in client group 'cg-managed'",
		},
		{
			name: "another client group", d: dep("d", target(TargetClientGroup, "cg-backup")),
			c:       laptop(),
			wantWhy: "not matched: computer is not in client group 'cg-backup'",
		},
		{
			name: "client group inside its agreement window",
			d:    dep("d", target(TargetClientGroup, "cg-current"), labelled("Managed servers")),
			c:    laptop(), want: true,
			wantWhy: "matched: computer is in client group 'Managed servers' (agreement until " +
				"2026-06-15)",
		},
		{
			name:    "client group agreement expired",
			d:       dep("d", target(TargetClientGroup, "cg-expired"), labelled("Backup 2024")),
			c:       laptop(),
			wantWhy: "not matched: client group 'Backup 2024' agreement expired on 2025-03-31",
		},
		{
			name: "client group agreement not started",
			d:    dep("d", target(TargetClientGroup, "cg-future")), c: laptop(),
			wantWhy: "not matched: client group 'cg-future' agreement starts on 2025-07-01",
		},
		{
			name: "client group window decides over the membership list",
			d:    dep("d", target(TargetClientGroup, "cg-managed-old")), c: laptop(),
			wantWhy: "not matched: client group 'cg-managed-old' agreement expired on 2025-06-15",
		},
		{
			name: "filter script selected the computer",
			d:    dep("dep-fs", target(TargetFilterScript, "scr-low-disk"), labelled("Low disk")),
			c:    laptop(), want: true,
			wantWhy: "matched: filter script 'Low disk' selected the computer",
		},
		{
			name: "filter script of another deployment",
			d:    dep("dep-other", target(TargetFilterScript, "scr-low-disk")), c: laptop(),
			wantWhy: "not matched: filter script 'scr-low-disk' did not select the computer",
		},
		{
			name: "disabled but would match", d: dep("d", target(TargetTag, "finance"), disabled),
			c: laptop(),
			wantWhy: "not matched: disabled (would match if enabled: computer carries tag " +
				"'finance')",
		},
		{
			name: "disabled and would not match", d: dep("d", target(TargetTag, "lab"), disabled),
			c: laptop(),
			wantWhy: "not matched: disabled (would not match if enabled either: neither the " +
				"computer, its tenant nor its primary person carries tag 'lab')",
		},
		{
			name: "invalid deployment",
			d:    dep("d", func(d *Deployment) { d.Scope = ScopeIndividual }), c: laptop(),
			wantWhy: "not matched: invalid deployment: individual deployment names no tenant",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := Matches(tt.c, tt.d, now)
			require.Equal(t, tt.wantWhy, why)
			require.Equal(t, tt.want, ok)
		})
	}
}

func TestMatchesNarrowing(t *testing.T) {
	const (
		ws  = sdk.ComputerTypeWorkstation
		nb  = sdk.ComputerTypePortable
		srv = sdk.ComputerTypeServer
		dc  = sdk.ComputerTypeDomainController
		pdc = sdk.ComputerTypePrimaryDomainController
	)
	tests := []struct {
		name      string
		narrow    []string
		computer  string
		want      bool
		wantLevel int
		wantWhy   string
	}{
		{name: "no narrowing", computer: nb, want: true,
			wantWhy: "matched: deployment targets all computers of all tenants"},
		{name: "server on a server", narrow: []string{srv}, computer: srv, want: true,
			wantLevel: 3, wantWhy: "matched: deployment targets all computers of all tenants; " +
				"narrowed to servers, computer is a server"},
		{name: "a domain controller is a server", narrow: []string{srv}, computer: dc,
			want: true, wantLevel: 3},
		{name: "a primary domain controller is a server", narrow: []string{srv}, computer: pdc,
			want: true, wantLevel: 3},
		{name: "a primary domain controller is a domain controller", narrow: []string{dc},
			computer: pdc, want: true, wantLevel: 4},
		{name: "a server is not a domain controller", narrow: []string{dc}, computer: srv,
			wantWhy: "not matched: narrowed to domain controllers, computer is a server"},
		{name: "a domain controller is not a primary one", narrow: []string{pdc}, computer: dc,
			wantWhy: "not matched: narrowed to primary domain controllers, computer is a " +
				"domain controller"},
		{name: "a portable is not a workstation", narrow: []string{ws}, computer: nb,
			wantWhy: "not matched: narrowed to workstations, computer is a portable"},
		{name: "a workstation is not a portable", narrow: []string{nb}, computer: ws,
			wantWhy: "not matched: narrowed to portables, computer is a workstation"},
		{name: "servers are not workstations", narrow: []string{ws, nb}, computer: dc,
			wantWhy: "not matched: narrowed to portables and workstations, computer is a " +
				"domain controller"},
		{name: "unknown type never matches a narrowing", narrow: []string{ws, nb, srv},
			wantWhy: "not matched: narrowed to servers, portables and workstations, computer " +
				"type is unknown"},
		{name: "unknown type matches without narrowing", want: true},
		{name: "several types: the most specific that admitted this computer",
			narrow: []string{ws, srv, dc}, computer: pdc, want: true, wantLevel: 4,
			wantWhy: "matched: deployment targets all computers of all tenants; narrowed to " +
				"domain controllers, servers and workstations, computer is a primary domain " +
				"controller"},
		{name: "several types on a workstation", narrow: []string{ws, srv, dc}, computer: ws,
			want: true, wantLevel: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := laptop(ofType(tt.computer))
			d := dep("d", types(tt.narrow...))
			ok, why := Matches(c, d, now)
			require.Equal(t, tt.want, ok, why)
			if tt.wantWhy != "" {
				require.Equal(t, tt.wantWhy, why)
			}

			e := Explain(c, d.ItemID, []Deployment{d}, now)
			require.Equal(t, tt.wantLevel, e.Candidates[0].Rank.ComputerType)
		})
	}
}

func TestMatchesTenant(t *testing.T) {
	contoso := Tenant{ID: "ten-contoso", Name: "Contoso", Tags: []string{"managed"},
		ClientGroups: []string{"cg-managed"}}
	tests := []struct {
		name    string
		d       Deployment
		want    bool
		wantWhy string
	}{
		{name: "all tenants", d: dep("d"), want: true,
			wantWhy: "matched: deployment targets all tenants"},
		{name: "all of one tenant", d: dep("d", tenant("ten-contoso", "Contoso")), want: true,
			wantWhy: "matched: deployment targets tenant 'Contoso'"},
		{name: "tenant target",
			d:    dep("d", tenant("ten-contoso", "Contoso"), target(TargetTenant, "")),
			want: true, wantWhy: "matched: deployment is for tenant 'Contoso'"},
		{name: "another tenant",
			d: dep("d", tenant("ten-fabrikam", "Fabrikam"), target(TargetTenant, "")),
			wantWhy: "not matched: deployment is for tenant 'Fabrikam', this is another " +
				"tenant ('Contoso')"},
		{name: "tenant tag", d: dep("d", target(TargetTag, "MANAGED")), want: true,
			wantWhy: "matched: tenant carries tag 'MANAGED'"},
		{name: "tag the tenant lacks", d: dep("d", target(TargetTag, "lab")),
			wantWhy: "not matched: tenant does not carry tag 'lab'"},
		{name: "client group", d: dep("d", target(TargetClientGroup, "cg-managed")), want: true,
			wantWhy: "matched: tenant is in client group 'cg-managed'"},
		{name: "another client group", d: dep("d", target(TargetClientGroup, "cg-backup")),
			wantWhy: "not matched: tenant is not in client group 'cg-backup'"},
		{name: "device group", d: dep("d", target(TargetDeviceGroup, "dev-kiosk")),
			wantWhy: "not matched: a device-group target picks computers, not tenants"},
		{name: "filter script", d: dep("d", target(TargetFilterScript, "scr")),
			wantWhy: "not matched: a filter-script target picks computers, not tenants"},
		{name: "individual", d: dep("d", forComputer("cmp-nb13")),
			wantWhy: "not matched: individual deployments are for computers and people"},
		{name: "narrowed", d: dep("d", types(sdk.ComputerTypeServer)),
			wantWhy: "not matched: narrowed to servers, a tenant has no computer type"},
		{name: "disabled", d: dep("d", disabled),
			wantWhy: "not matched: disabled (would match if enabled: deployment targets all " +
				"tenants)"},
		{name: "disabled, another tenant", d: dep("d", tenant("ten-fabrikam", ""), disabled),
			wantWhy: "not matched: disabled (would not match if enabled either: deployment is " +
				"for tenant 'ten-fabrikam', this is another tenant ('Contoso'))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := MatchesTenant(contoso, tt.d)
			require.Equal(t, tt.wantWhy, why)
			require.Equal(t, tt.want, ok)
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		d       Deployment
		wantErr string
	}{
		{name: "cross-tenant", d: dep("d")},
		{name: "individual person", d: dep("d", forPerson("per-alice", ""))},
		{name: "task", d: dep("d", item("defrag", ItemTask), state(StateAudit))},
		{name: "ignored task", d: dep("d", item("defrag", ItemTask), state(StateIgnored))},
		{name: "pinned version", d: dep("d", pinned(StateVersion, "128.0"))},
		{name: "no id", d: dep(""), wantErr: "no id"},
		{name: "no item", d: dep("d", item("", ItemSoftware)), wantErr: "no item"},
		{name: "task state on software", d: dep("d", state(StateEnforce)),
			wantErr: `state "enforce" is not a software state`},
		{name: "software state on a task", d: dep("d", item("defrag", ItemTask)),
			wantErr: `state "latest" is not a task state`},
		{name: "unknown item kind", d: dep("d", item("x", "script")),
			wantErr: `unknown item kind "script"`},
		{name: "version without version", d: dep("d", state(StateAtLeast)),
			wantErr: `state "at_least" needs a version`},
		{name: "unknown scope", d: dep("d", func(d *Deployment) { d.Scope = "global" }),
			wantErr: `unknown scope "global"`},
		{name: "cross-tenant with a tenant",
			d:       dep("d", func(d *Deployment) { d.TenantID = "ten-contoso" }),
			wantErr: `cross-tenant deployment names tenant "ten-contoso"`},
		{name: "single tenant without a tenant", d: dep("d", tenant("", "")),
			wantErr: "single-tenant deployment names no tenant"},
		{name: "cross-tenant tenant target", d: dep("d", target(TargetTenant, "")),
			wantErr: `cross-tenant deployment cannot target "tenant"`},
		{name: "single-tenant computer target",
			d:       dep("d", tenant("ten-contoso", ""), target(TargetComputer, "cmp-nb13")),
			wantErr: `single-tenant deployment cannot target "computer"`},
		{name: "individual tag target", d: dep("d", forComputer("c"), target(TargetTag, "x")),
			wantErr: `individual deployment cannot target "tag"`},
		{name: "tag without a tag", d: dep("d", target(TargetTag, "")),
			wantErr: `target "tag" names nothing`},
		{name: "tenant target of another tenant",
			d:       dep("d", tenant("ten-contoso", ""), target(TargetTenant, "ten-fabrikam")),
			wantErr: `tenant target "ten-fabrikam" is not the deployment's tenant`},
		{name: "unknown computer type", d: dep("d", types("laptop")),
			wantErr: `unknown computer type "laptop"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.d)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errs.ErrInvalid)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
