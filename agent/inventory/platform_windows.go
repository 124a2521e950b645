package inventory

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/sys/windows/registry"

	"github.com/stewardhq/steward/sdk"
)

const (
	currentVersionKey = `SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	cryptographyKey   = `SOFTWARE\Microsoft\Cryptography`
	biosKey           = `HARDWARE\DESCRIPTION\System\BIOS`
	productOptionsKey = `SYSTEM\CurrentControlSet\Control\ProductOptions`
)

func (c *Collector) collectPlatform(ctx context.Context) (sdk.Inventory, error) {
	var inv sdk.Inventory
	var errs []error

	facts, chassis, err := c.windowsFacts(ctx)
	inv.Facts = facts
	errs = append(errs, err)

	role, err := machineRole()
	errs = append(errs, err)
	inv.ComputerType = windowsComputerType(role, chassis)

	inv.Users, err = sessionUsers()
	errs = append(errs, err)

	inv.Programs, err = windowsPrograms(ctx)
	errs = append(errs, err)

	return inv, errors.Join(errs...)
}

// windowsFacts reads the identity facts and returns the SMBIOS chassis type with them.
// Manufacturer and model come from the BIOS registry key that Windows fills from SMBIOS at
// boot; the table itself is read for the UUID and serial, which that key lacks, and fills
// manufacturer and model when the key is missing (as on some virtual machines).
func (c *Collector) windowsFacts(ctx context.Context) (sdk.IdentityFacts, int, error) {
	var f sdk.IdentityFacts
	var errs []error
	if err := ctx.Err(); err != nil {
		return f, 0, err
	}

	cv, err := readRegStrings(registry.LOCAL_MACHINE, currentVersionKey,
		"ProductName", "DisplayVersion", "ReleaseId", "CurrentVersion", "CurrentBuildNumber")
	errs = append(errs, err)
	f.OSName = windowsOSName(cv["ProductName"], cv["CurrentBuildNumber"])
	f.OSVersion = windowsOSVersion(cv["DisplayVersion"], cv["ReleaseId"], cv["CurrentVersion"])

	times, err := readRegIntegers(registry.LOCAL_MACHINE, currentVersionKey,
		"InstallTime", "InstallDate")
	errs = append(errs, err)
	f.OSInstallDate = windowsInstallDate(times["InstallTime"], times["InstallDate"])

	crypto, err := readRegStrings(registry.LOCAL_MACHINE, cryptographyKey, "MachineGuid")
	errs = append(errs, err)
	f.OSInstallID = crypto["MachineGuid"]

	bios, err := readRegStrings(registry.LOCAL_MACHINE, biosKey,
		"SystemManufacturer", "SystemProductName")
	errs = append(errs, err)
	f.Manufacturer, f.Model = bios["SystemManufacturer"], bios["SystemProductName"]

	sys, err := readSMBIOS()
	errs = append(errs, err)
	f.SMBIOSUUID, f.Serial = sys.UUID, sys.Serial
	if f.Manufacturer == "" {
		f.Manufacturer = sys.Manufacturer
	}
	if f.Model == "" {
		f.Model = sys.Product
	}

	f.Hostname, err = c.hostFact()
	errs = append(errs, err)
	return f, sys.ChassisType, errors.Join(errs...)
}

// readRegStrings reads string values of one key; absent key or values give "".
func readRegStrings(root registry.Key, path string, names ...string) (map[string]string,
	error) {
	vals := map[string]string{}
	k, err := registry.OpenKey(root, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, fs.ErrNotExist) {
		return vals, nil
	}
	if err != nil {
		return vals, fmt.Errorf("open %s: %w", path, err)
	}
	defer k.Close()

	for _, n := range names {
		if v, _, err := k.GetStringValue(n); err == nil {
			vals[n] = v
		}
	}
	return vals, nil
}

// readRegIntegers reads DWORD and QWORD values of one key; absent ones give 0.
func readRegIntegers(root registry.Key, path string, names ...string) (map[string]uint64,
	error) {
	vals := map[string]uint64{}
	k, err := registry.OpenKey(root, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, fs.ErrNotExist) {
		return vals, nil
	}
	if err != nil {
		return vals, fmt.Errorf("open %s: %w", path, err)
	}
	defer k.Close()

	for _, n := range names {
		if v, _, err := k.GetIntegerValue(n); err == nil {
			vals[n] = v
		}
	}
	return vals, nil
}
