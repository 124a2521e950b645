//go:build !windows

package runner

// consoleCodePage is 0 outside Windows: there, output that is not UTF-8 has no single
// likely encoding, so invalid bytes are replaced.
func consoleCodePage() int {
	return 0
}
