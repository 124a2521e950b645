package inventory

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	modWtsapi32                     = windows.NewLazySystemDLL("wtsapi32.dll")
	procWTSQuerySessionInformationW = modWtsapi32.NewProc("WTSQuerySessionInformationW")
)

// WTS_INFO_CLASS values.
const (
	wtsUserName   = 5
	wtsDomainName = 7
)

// sessionUsers lists the users of the console and remote desktop sessions. A disconnected
// session still belongs to a signed-in user, who can reconnect to it.
func sessionUsers() ([]string, error) {
	var sessions *windows.WTS_SESSION_INFO
	var count uint32
	err := windows.WTSEnumerateSessions(0, 0, 1, &sessions, &count)
	if err != nil {
		return nil, fmt.Errorf("enumerate sessions: %w", err)
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(sessions)))

	computer := netbiosName()
	var users []string
	for _, s := range unsafe.Slice(sessions, count) {
		if s.State != windows.WTSActive && s.State != windows.WTSDisconnected {
			continue
		}
		user := sessionString(s.SessionID, wtsUserName)
		if user == "" {
			continue
		}
		domain := sessionString(s.SessionID, wtsDomainName)
		name := windowsUserName(domain, user, computer, userPrincipalName(domain, user, computer))
		users = appendUnique(users, name)
	}
	return users, nil
}

// sessionString asks for one string property of a session; "" when it cannot be read.
func sessionString(session uint32, class uintptr) string {
	var buf *uint16
	var n uint32
	rc, _, _ := procWTSQuerySessionInformationW.Call(0, uintptr(session), class,
		uintptr(unsafe.Pointer(&buf)), uintptr(unsafe.Pointer(&n)))
	if rc == 0 || buf == nil {
		return ""
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(buf)))
	return windows.UTF16PtrToString(buf)
}

// userPrincipalName asks the directory for a domain account's UPN; local accounts have none.
// TODO(entra-upn): Microsoft Entra joined sessions report the domain "AzureAD", which
// TranslateName cannot resolve; their UPN is in the IdentityStore cache of the registry.
func userPrincipalName(domain, user, computer string) string {
	if domain == "" || windowsUserName(domain, user, computer, "") == user {
		return ""
	}
	account, err := windows.UTF16PtrFromString(domain + `\` + user)
	if err != nil {
		return ""
	}

	n := uint32(256)
	for range 2 {
		buf := make([]uint16, n)
		err = windows.TranslateName(account, windows.NameSamCompatible,
			windows.NameUserPrincipal, &buf[0], &n)
		if err == nil {
			return windows.UTF16ToString(buf)
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
			return ""
		}
	}
	return ""
}

// netbiosName is the computer's NetBIOS name, the "domain" of local accounts.
func netbiosName() string {
	n := uint32(windows.MAX_COMPUTERNAME_LENGTH + 1)
	buf := make([]uint16, n)
	if err := windows.GetComputerNameEx(windows.ComputerNameNetBIOS, &buf[0], &n); err != nil {
		return ""
	}
	return windows.UTF16ToString(buf[:n])
}
