//go:build windows

package state

import "golang.org/x/sys/windows"

// privateDACL grants full control to SYSTEM and the Administrators group only, inherited by
// every file and folder below, and blocks inheritance from the parent: folders under
// %ProgramData% otherwise inherit read access for all users, which would expose the key.
const privateDACL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

func securePath(dir string) error {
	sd, err := windows.SecurityDescriptorFromString(privateDACL)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION,
		nil, nil, dacl, nil)
}
