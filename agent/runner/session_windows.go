package runner

import (
	"context"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	modwtsapi32                     = windows.NewLazySystemDLL("wtsapi32.dll")
	procWTSQuerySessionInformationW = modwtsapi32.NewProc("WTSQuerySessionInformationW")
)

// WTS_INFO_CLASS values, from wtsapi32.h.
const (
	wtsUserName   = 5
	wtsDomainName = 7
	wtsActive     = 0 // WTS_CONNECTSTATE_CLASS WTSActive
)

// wtsSessions asks Terminal Services for the sessions and their users.
type wtsSessions struct{}

func platformSessions() SessionFinder {
	return wtsSessions{}
}

func (wtsSessions) ConsoleUser(ctx context.Context) (SignedInUser, error) {
	if err := ctx.Err(); err != nil {
		return SignedInUser{}, err
	}
	var infos *windows.WTS_SESSION_INFO
	var n uint32
	if err := windows.WTSEnumerateSessions(0, 0, 1, &infos, &n); err != nil {
		return SignedInUser{}, fmt.Errorf("enumerate sessions: %w", err)
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(infos)))

	var sessions []wtsSession
	for _, info := range unsafe.Slice(infos, n) {
		s := wtsSession{id: info.SessionID, active: info.State == wtsActive}
		if name := sessionString(info.SessionID, wtsUserName); name != "" {
			s.user = name
			if domain := sessionString(info.SessionID, wtsDomainName); domain != "" {
				s.user = domain + `\` + name
			}
		}
		sessions = append(sessions, s)
	}

	s, ok := pickWindowsSession(windows.WTSGetActiveConsoleSessionId(), sessions)
	if !ok {
		return SignedInUser{}, ErrNoSignedInUser
	}
	return SignedInUser{Name: s.user, Session: fmt.Sprint(s.id)}, nil
}

// sessionString reads one text property of a session; empty when it cannot be read.
func sessionString(session uint32, class uint32) string {
	var buf *uint16
	var size uint32
	r, _, _ := procWTSQuerySessionInformationW.Call(0, uintptr(session), uintptr(class),
		uintptr(unsafe.Pointer(&buf)), uintptr(unsafe.Pointer(&size)))
	if r == 0 || buf == nil {
		return ""
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(buf)))
	return windows.UTF16PtrToString(buf)
}
