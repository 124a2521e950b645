package inventory

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// rsmbProvider is the firmware table provider signature 'RSMB', the raw SMBIOS table.
const rsmbProvider uint32 = 'R'<<24 | 'S'<<16 | 'M'<<8 | 'B'

var (
	modKernel32                    = windows.NewLazySystemDLL("kernel32.dll")
	procGetSystemFirmwareTable     = modKernel32.NewProc("GetSystemFirmwareTable")
	modNetapi32                    = windows.NewLazySystemDLL("netapi32.dll")
	procDsRoleGetPrimaryDomainInfo = modNetapi32.NewProc("DsRoleGetPrimaryDomainInformation")
	procDsRoleFreeMemory           = modNetapi32.NewProc("DsRoleFreeMemory")
)

// readSMBIOS reads the raw SMBIOS table through GetSystemFirmwareTable, which needs no
// privilege and no WMI service.
// https://learn.microsoft.com/windows/win32/api/sysinfoapi/nf-sysinfoapi-getsystemfirmwaretable
func readSMBIOS() (smbiosSystem, error) {
	if err := procGetSystemFirmwareTable.Find(); err != nil {
		return smbiosSystem{}, fmt.Errorf("find GetSystemFirmwareTable: %w", err)
	}

	// The first call, with no buffer, returns the size needed.
	n, _, callErr := procGetSystemFirmwareTable.Call(uintptr(rsmbProvider), 0, 0, 0)
	if n == 0 {
		return smbiosSystem{}, fmt.Errorf("size smbios table: %w", callErr)
	}
	buf := make([]byte, n)
	got, _, callErr := procGetSystemFirmwareTable.Call(uintptr(rsmbProvider), 0,
		uintptr(unsafe.Pointer(&buf[0])), n)
	if got == 0 || got > n {
		return smbiosSystem{}, fmt.Errorf("read smbios table: %w", callErr)
	}

	table, err := parseRawSMBIOS(buf[:got])
	if err != nil {
		return smbiosSystem{}, err
	}
	return table.systemInfo(), nil
}

// dsRolePrimaryDomainInfoBasic is DSROLE_PRIMARY_DOMAIN_INFO_BASIC up to the field used.
type dsRolePrimaryDomainInfoBasic struct {
	MachineRole uint32
}

// machineRole asks for the machine's role the way Win32_ComputerSystem.DomainRole gets it,
// without WMI; the ProductType registry value is the fallback when the call fails.
// https://learn.microsoft.com/windows/win32/api/dsrole/nf-dsrole-dsrolegetprimarydomaininformation
func machineRole() (int, error) {
	const dsRolePrimaryDomainInfoBasicLevel = 1
	if procDsRoleGetPrimaryDomainInfo.Find() == nil {
		var info *dsRolePrimaryDomainInfoBasic
		rc, _, _ := procDsRoleGetPrimaryDomainInfo.Call(0, dsRolePrimaryDomainInfoBasicLevel,
			uintptr(unsafe.Pointer(&info)))
		if rc == 0 && info != nil {
			role := int(info.MachineRole)
			procDsRoleFreeMemory.Call(uintptr(unsafe.Pointer(info)))
			return role, nil
		}
	}

	vals, err := readRegStrings(registry.LOCAL_MACHINE, productOptionsKey, "ProductType")
	if err != nil {
		return roleUnknown, fmt.Errorf("read machine role: %w", err)
	}
	return roleFromProductType(vals["ProductType"]), nil
}
