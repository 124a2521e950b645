package inventory

import (
	"strings"

	"github.com/stewardhq/steward/sdk"
)

// chassisComputerType maps an SMBIOS chassis type (System Enclosure, type 3, offset 05h;
// table "System Enclosure or Chassis Types" of DSP0134 3.x) to a computer type. Codes that
// say nothing about use give "": 1 Other and 2 Unknown (what most hypervisors report), the
// docking station, the expansion, peripheral, RAID and multi-system enclosures, CompactPCI,
// AdvancedTCA, IoT gateways and embedded PCs.
//
// Bit 7 is the chassis-lock flag, not part of the type, and is masked off.
func chassisComputerType(code int) string {
	switch code & 0x7f {
	case 8, // Portable
		9,  // Laptop
		10, // Notebook
		11, // Hand Held
		14, // Sub Notebook
		30, // Tablet
		31, // Convertible
		32: // Detachable
		return sdk.ComputerTypePortable
	case 17, // Main Server Chassis
		23, // Rack Mount Chassis
		28, // Blade
		29: // Blade Enclosure
		return sdk.ComputerTypeServer
	case 3, // Desktop
		4,  // Low Profile Desktop
		5,  // Pizza Box
		6,  // Mini Tower
		7,  // Tower
		13, // All in One
		15, // Space-saving
		16, // Lunch Box
		24, // Sealed-case PC
		35, // Mini PC
		36: // Stick PC
		return sdk.ComputerTypeWorkstation
	}
	return ""
}

// Windows machine roles, as DsRoleGetPrimaryDomainInformation's MachineRole and
// Win32_ComputerSystem's DomainRole number them.
const (
	roleUnknown                 = -1
	roleStandaloneWorkstation   = 0
	roleMemberWorkstation       = 1
	roleStandaloneServer        = 2
	roleMemberServer            = 3
	roleBackupDomainController  = 4
	rolePrimaryDomainController = 5
)

// windowsComputerType combines the machine role with the chassis. The role decides for
// servers and domain controllers, whatever box they run in; a workstation edition is a
// portable when the chassis says so and a workstation otherwise, even in a rack chassis.
// Without a role the chassis alone decides.
func windowsComputerType(role, chassis int) string {
	switch role {
	case rolePrimaryDomainController:
		return sdk.ComputerTypePrimaryDomainController
	case roleBackupDomainController:
		return sdk.ComputerTypeDomainController
	case roleStandaloneServer, roleMemberServer:
		return sdk.ComputerTypeServer
	case roleStandaloneWorkstation, roleMemberWorkstation:
		if chassisComputerType(chassis) == sdk.ComputerTypePortable {
			return sdk.ComputerTypePortable
		}
		return sdk.ComputerTypeWorkstation
	}
	return chassisComputerType(chassis)
}

// roleFromProductType reads HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions\ProductType,
// the fallback when the role call fails. It cannot tell a primary from a backup domain
// controller, nor a member from a standalone machine, so it gives the less specific role.
func roleFromProductType(productType string) int {
	switch strings.ToLower(productType) {
	case "winnt":
		return roleStandaloneWorkstation
	case "servernt":
		return roleStandaloneServer
	case "lanmannt":
		return roleBackupDomainController
	}
	return roleUnknown
}

// macComputerType maps a Mac to a computer type. Apple exposes no chassis value without
// private frameworks. Model identifiers named the family until 2022 ("MacBookPro18,3"), but
// newer ones are all "MacNN,N" whatever the form, so an internal battery is what marks a
// portable; the identifier prefix still covers older portables when the battery query fails.
func macComputerType(model string, hasBattery bool) string {
	switch {
	case hasBattery || strings.HasPrefix(model, "MacBook"):
		return sdk.ComputerTypePortable
	case model == "":
		return ""
	case strings.HasPrefix(model, "Xserve"):
		return sdk.ComputerTypeServer
	}
	return sdk.ComputerTypeWorkstation
}
