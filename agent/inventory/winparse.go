package inventory

import (
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// This file holds the Windows collector's decisions as plain functions, so they are tested
// on every system; the registry and system calls are in the *_windows.go files.

// uninstallEntry is the part of one Uninstall subkey the inventory uses.
type uninstallEntry struct {
	KeyName         string
	DisplayName     string
	DisplayVersion  string
	Publisher       string
	SystemComponent uint64
	ParentKeyName   string
}

// program turns an entry into a Program, or reports false for entries that "Programs and
// Features" does not list either: no DisplayName, SystemComponent=1 (parts installed by
// another product), and ParentKeyName (updates of a parent entry, listed under it).
func (e uninstallEntry) program(source string, upgradeCodes map[string]string) (
	sdk.Program, bool) {
	name := strings.TrimSpace(e.DisplayName)
	if name == "" || e.SystemComponent == 1 || e.ParentKeyName != "" {
		return sdk.Program{}, false
	}

	p := sdk.Program{
		Name:        name,
		Version:     strings.TrimSpace(e.DisplayVersion),
		Publisher:   strings.TrimSpace(e.Publisher),
		ProductCode: productCodeFromKey(e.KeyName),
		Source:      source,
	}
	if p.ProductCode != "" {
		p.UpgradeCode = upgradeCodes[p.ProductCode]
	}
	return p, true
}

// windowsOSName corrects ProductName, which Windows 11 left at "Windows 10 ..." for
// compatibility; build 22000 was the first Windows 11 release.
// https://learn.microsoft.com/windows/release-health/windows11-release-information
func windowsOSName(productName, currentBuild string) string {
	build, err := strconv.Atoi(currentBuild)
	if err == nil && build >= 22000 && strings.HasPrefix(productName, "Windows 10") {
		return "Windows 11" + strings.TrimPrefix(productName, "Windows 10")
	}
	return productName
}

// windowsOSVersion prefers DisplayVersion ("23H2"), introduced with 20H2; ReleaseId
// ("1809") came before it; releases older than both have only CurrentVersion ("6.3").
func windowsOSVersion(displayVersion, releaseID, currentVersion string) string {
	for _, v := range []string{displayVersion, releaseID, currentVersion} {
		if v != "" {
			return v
		}
	}
	return ""
}

// windowsInstallDate reads the install time from CurrentVersion: InstallTime, a FILETIME
// (100 ns ticks since 1601) written by Windows 10 and later, else InstallDate, seconds since
// 1970. Both are reset by feature updates, which reinstall the system in place.
// TODO(install-date): the original date survives under HKLM\SYSTEM\Setup\Source OS (...)
// keys; reading the oldest of them would survive feature updates.
func windowsInstallDate(installTime, installDate uint64) *time.Time {
	// Seconds between 1601-01-01 and 1970-01-01.
	const fileTimeEpochOffset = 11644473600
	var t time.Time
	switch {
	case installTime != 0:
		secs := int64(installTime/10_000_000) - fileTimeEpochOffset
		nanos := int64(installTime%10_000_000) * 100
		t = time.Unix(secs, nanos).UTC()
	case installDate != 0:
		t = time.Unix(int64(installDate), 0).UTC()
	default:
		return nil
	}
	if !plausibleDate(t) {
		return nil
	}
	return &t
}

// windowsUserName chooses how to report the user of a session: the UPN when the directory
// gave one, the bare name for a local account (its domain is the computer's NetBIOS name),
// and DOMAIN\user for a domain account whose UPN could not be resolved.
func windowsUserName(domain, user, computer, upn string) string {
	switch {
	case upn != "":
		return upn
	case domain == "" || strings.EqualFold(domain, computer):
		return user
	}
	return domain + `\` + user
}

// isUserHive tells the HKEY_USERS subkeys that are people's profiles: local and domain
// accounts (S-1-5-21-...) and Microsoft Entra accounts (S-1-12-1-...). The _Classes keys are
// views into the same profiles, and the service accounts have no programs of their own.
func isUserHive(name string) bool {
	if strings.HasSuffix(name, "_Classes") {
		return false
	}
	return strings.HasPrefix(name, "S-1-5-21-") || strings.HasPrefix(name, "S-1-12-1-")
}
