package sim_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/sim"
	"github.com/stewardhq/steward/sdk"
)

func TestInventoryIsRepeatable(t *testing.T) {
	require.Equal(t, sim.Inventory(42, 17, 40), sim.Inventory(42, 17, 40))
	require.NotEqual(t, sim.Inventory(42, 17, 40).Facts.SMBIOSUUID,
		sim.Inventory(43, 17, 40).Facts.SMBIOSUUID, "another seed is another fleet")
}

func TestInventoriesOfAFleetAreDistinctAndPlausible(t *testing.T) {
	const n = 2000
	seen := map[string]map[string]bool{"uuid": {}, "serial": {}, "host": {}, "install": {}}
	note := func(kind, v string) {
		if v == "" {
			return
		}
		require.False(t, seen[kind][v], "%s %q repeats", kind, v)
		seen[kind][v] = true
	}
	kinds := map[string]int{}
	for i := range n {
		inv := sim.Inventory(1, i, 40)
		f := inv.Facts
		note("uuid", f.SMBIOSUUID)
		note("serial", f.Serial)
		note("host", f.Hostname)
		note("install", f.OSInstallID)
		kinds[inv.ComputerType]++

		require.Regexp(t, `^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`,
			f.SMBIOSUUID)
		require.Regexp(t, `^[0-9a-f]{32}$`, f.OSInstallID)
		require.NotEmpty(t, f.Manufacturer)
		require.NotEmpty(t, f.Model)
		require.NotEmpty(t, f.OSName)
		require.NotNil(t, f.OSInstallDate)
		require.True(t, slices.IsSortedFunc(inv.Programs, func(a, b sdk.Program) int {
			return strings.Compare(a.Name, b.Name)
		}))
		for _, p := range inv.Programs {
			require.NotEmpty(t, p.Version, p.Name)
			require.Equal(t, "dpkg", p.Source)
		}
	}
	require.Len(t, seen["uuid"], n)
	require.Len(t, seen["host"], n)
	require.Greater(t, len(seen["serial"]), n/2, "only virtual machines lack a serial")
	require.Equal(t, "sim-00001", sim.Inventory(1, 0, 40).Facts.Hostname)
	for _, k := range []string{sdk.ComputerTypeWorkstation, sdk.ComputerTypePortable,
		sdk.ComputerTypeServer} {
		require.Positive(t, kinds[k], "the fleet mixes computer types")
	}
}

func TestInventoryProgramCount(t *testing.T) {
	cases := []struct {
		name     string
		programs int
		min, max int
	}{
		{"fewer than the base system gives the base system", 5, 29, 30},
		{"a few dozen", 40, 40, 40},
		{"more than the catalogue gives the catalogue", 500, 45, 60},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := range 50 {
				got := len(sim.Inventory(3, i, c.programs).Programs)
				require.GreaterOrEqual(t, got, c.min)
				require.LessOrEqual(t, got, c.max)
			}
		})
	}
}
