package sdk

import "strings"

// Exit codes that Windows Installer and most installers use for "done, restart needed".
const (
	exitRebootRequired  = 3010 // ERROR_SUCCESS_REBOOT_REQUIRED
	exitRebootInitiated = 1641 // ERROR_SUCCESS_REBOOT_INITIATED
)

// InstallOutcome reads an install or uninstall script's exit code: 0 is success, 3010 and
// 1641 are success with a restart needed, anything else is a failure.
func InstallOutcome(exitCode int) (ok bool, rebootNeeded bool) {
	switch exitCode {
	case 0:
		return true, false
	case exitRebootRequired, exitRebootInitiated:
		return true, true
	default:
		return false, false
	}
}

// TestOutcome reads a test script's answer. A last non-empty output line of "true" or
// "false" (any case, surrounding space ignored) is the answer; otherwise exit code 0 means
// true and any other code false.
func TestOutcome(lines []string, exitCode int) bool {
	last, ok := lastNonEmpty(lines)
	if ok {
		switch strings.ToLower(last) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return exitCode == 0
}

// DetectedVersion reads a detection script's answer: the last non-empty output line is the
// installed version; no output means the software is absent.
func DetectedVersion(lines []string) (string, bool) {
	return lastNonEmpty(lines)
}

// lastNonEmpty returns the last line that is not blank, trimmed.
func lastNonEmpty(lines []string) (string, bool) {
	for i := len(lines) - 1; i >= 0; i-- {
		if s := strings.TrimSpace(lines[i]); s != "" {
			return s, true
		}
	}
	return "", false
}
