package runner

import "golang.org/x/sys/windows"

var procGetOEMCP = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetOEMCP")

// consoleCodePage is the OEM code page, which console programs use when writing to a pipe.
func consoleCodePage() int {
	if procGetOEMCP.Find() != nil {
		return 0
	}
	cp, _, _ := procGetOEMCP.Call()
	return int(cp)
}
