package inventory

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

func TestChassisComputerType(t *testing.T) {
	const (
		ws = sdk.ComputerTypeWorkstation
		pt = sdk.ComputerTypePortable
		sv = sdk.ComputerTypeServer
	)
	// Every code of the SMBIOS 3.x chassis table, so a change to one mapping shows.
	want := map[int]string{
		1: "", 2: "", 3: ws, 4: ws, 5: ws, 6: ws, 7: ws, 8: pt, 9: pt, 10: pt,
		11: pt, 12: "", 13: ws, 14: pt, 15: ws, 16: ws, 17: sv, 18: "", 19: "", 20: "",
		21: "", 22: "", 23: sv, 24: ws, 25: "", 26: "", 27: "", 28: sv, 29: sv, 30: pt,
		31: pt, 32: pt, 33: "", 34: "", 35: ws, 36: ws, 0: "", 99: "",
	}
	for code, w := range want {
		t.Run(fmt.Sprintf("code %d", code), func(t *testing.T) {
			require.Equal(t, w, chassisComputerType(code))
		})
	}

	t.Run("chassis lock bit ignored", func(t *testing.T) {
		require.Equal(t, pt, chassisComputerType(0x80|9))
	})
}

func TestWindowsComputerType(t *testing.T) {
	const laptop, rack, desktop, other = 9, 23, 3, 1
	tests := []struct {
		name    string
		role    int
		chassis int
		want    string
	}{
		{"primary dc in a desktop box", rolePrimaryDomainController, desktop,
			sdk.ComputerTypePrimaryDomainController},
		{"backup dc", roleBackupDomainController, rack, sdk.ComputerTypeDomainController},
		{"member server on a hypervisor", roleMemberServer, other, sdk.ComputerTypeServer},
		{"standalone server on a laptop", roleStandaloneServer, laptop,
			sdk.ComputerTypeServer},
		{"member workstation laptop", roleMemberWorkstation, laptop,
			sdk.ComputerTypePortable},
		{"workstation edition in a rack", roleStandaloneWorkstation, rack,
			sdk.ComputerTypeWorkstation},
		{"workstation on a hypervisor", roleStandaloneWorkstation, other,
			sdk.ComputerTypeWorkstation},
		{"unknown role uses chassis", roleUnknown, rack, sdk.ComputerTypeServer},
		{"unknown role and chassis", roleUnknown, other, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, windowsComputerType(tt.role, tt.chassis))
		})
	}
}

func TestRoleFromProductType(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"WinNT", roleStandaloneWorkstation},
		{"ServerNT", roleStandaloneServer},
		{"LanmanNT", roleBackupDomainController},
		{"", roleUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			require.Equal(t, tt.want, roleFromProductType(tt.in))
		})
	}
}

func TestMacComputerType(t *testing.T) {
	tests := []struct {
		name       string
		model      string
		hasBattery bool
		want       string
	}{
		{"older portable", "MacBookPro18,3", false, sdk.ComputerTypePortable},
		{"newer portable", "Mac14,2", true, sdk.ComputerTypePortable},
		{"newer desktop", "Mac14,3", false, sdk.ComputerTypeWorkstation},
		{"older desktop", "iMac21,1", false, sdk.ComputerTypeWorkstation},
		{"server", "Xserve3,1", false, sdk.ComputerTypeServer},
		{"nothing known", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, macComputerType(tt.model, tt.hasBattery))
		})
	}
}
