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
	uninstallKey         = `SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`
	uninstallKeyWOW      = `SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall`
	machineUpgradeCodes  = `SOFTWARE\Classes\Installer\UpgradeCodes`
	userUpgradeCodesPath = `Software\Microsoft\Installer\UpgradeCodes`
)

// windowsPrograms reads the Uninstall keys that "Programs and Features" lists: the machine's
// in both registry views (64-bit programs, and 32-bit ones under WOW6432Node) and those of
// every loaded user profile. Per-user entries are read from HKEY_USERS rather than
// HKEY_CURRENT_USER because the agent runs as a service, whose own profile holds nothing; the
// profiles of signed-in users are loaded there. User software keys are shared between the
// views since Windows 7, so one read each suffices.
func windowsPrograms(ctx context.Context) ([]sdk.Program, error) {
	var progs []sdk.Program
	var errs []error

	upgrade, err := readUpgradeCodes(registry.LOCAL_MACHINE, machineUpgradeCodes)
	errs = append(errs, err)

	for _, path := range []string{uninstallKey, uninstallKeyWOW} {
		entries, err := readUninstall(ctx, registry.LOCAL_MACHINE, path)
		errs = append(errs, err)
		progs = appendPrograms(progs, entries, sourceRegistryMachine, upgrade)
	}

	hives, err := userHives()
	errs = append(errs, err)
	for _, sid := range hives {
		if err := ctx.Err(); err != nil {
			return progs, err
		}
		userUpgrade, err := readUpgradeCodes(registry.USERS, sid+`\`+userUpgradeCodesPath)
		errs = append(errs, err)
		for code, up := range upgrade {
			if _, ok := userUpgrade[code]; !ok {
				userUpgrade[code] = up
			}
		}

		entries, err := readUninstall(ctx, registry.USERS, sid+`\`+uninstallKey)
		errs = append(errs, err)
		progs = appendPrograms(progs, entries, sourceRegistryUser, userUpgrade)
	}
	return progs, errors.Join(errs...)
}

func appendPrograms(progs []sdk.Program, entries []uninstallEntry, source string,
	upgrade map[string]string) []sdk.Program {
	for _, e := range entries {
		if p, ok := e.program(source, upgrade); ok {
			progs = append(progs, p)
		}
	}
	return progs
}

// userHives lists the HKEY_USERS subkeys that are loaded user profiles.
func userHives() ([]string, error) {
	k, err := registry.OpenKey(registry.USERS, "", registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil, fmt.Errorf("open user hives: %w", err)
	}
	defer k.Close()

	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, fmt.Errorf("list user hives: %w", err)
	}
	var hives []string
	for _, n := range names {
		if isUserHive(n) {
			hives = append(hives, n)
		}
	}
	return hives, nil
}

// readUninstall reads every subkey of an Uninstall key. The explicit 64-bit view keeps a
// 32-bit build of the agent from being redirected to WOW6432Node for both paths.
func readUninstall(ctx context.Context, root registry.Key, path string) (
	[]uninstallEntry, error) {
	const access = registry.ENUMERATE_SUB_KEYS | registry.QUERY_VALUE | registry.WOW64_64KEY
	k, err := registry.OpenKey(root, path, access)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer k.Close()

	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", path, err)
	}

	entries := make([]uninstallEntry, 0, len(names))
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return entries, err
		}
		sub, err := registry.OpenKey(k, name, registry.QUERY_VALUE|registry.WOW64_64KEY)
		if err != nil {
			// Installers sometimes leave keys readable by their own account only.
			continue
		}
		e := uninstallEntry{KeyName: name}
		e.DisplayName, _, _ = sub.GetStringValue("DisplayName")
		e.DisplayVersion, _, _ = sub.GetStringValue("DisplayVersion")
		e.Publisher, _, _ = sub.GetStringValue("Publisher")
		e.ParentKeyName, _, _ = sub.GetStringValue("ParentKeyName")
		e.SystemComponent, _, _ = sub.GetIntegerValue("SystemComponent")
		sub.Close()
		entries = append(entries, e)
	}
	return entries, nil
}

// readUpgradeCodes reads an Installer\UpgradeCodes key into a product→upgrade code map.
func readUpgradeCodes(root registry.Key, path string) (map[string]string, error) {
	const access = registry.ENUMERATE_SUB_KEYS | registry.WOW64_64KEY
	k, err := registry.OpenKey(root, path, access)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return map[string]string{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer k.Close()

	upgrades, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return map[string]string{}, fmt.Errorf("list %s: %w", path, err)
	}
	packed := make(map[string][]string, len(upgrades))
	for _, u := range upgrades {
		sub, err := registry.OpenKey(k, u, registry.QUERY_VALUE|registry.WOW64_64KEY)
		if err != nil {
			continue
		}
		packed[u], _ = sub.ReadValueNames(-1)
		sub.Close()
	}
	return upgradeCodeIndex(packed), nil
}
