package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// linuxSessions asks logind when systemd runs the computer, and reads utmp through `who`
// otherwise or when logind cannot be reached.
type linuxSessions struct {
	run     commandOutput
	systemd func() bool
}

func platformSessions() SessionFinder {
	return linuxSessions{run: runCommand, systemd: systemdBooted}
}

// systemdBooted applies sd_booted(3)'s test.
func systemdBooted() bool {
	info, err := os.Stat("/run/systemd/system")
	return err == nil && info.IsDir()
}

func (f linuxSessions) ConsoleUser(ctx context.Context) (SignedInUser, error) {
	if f.systemd() {
		u, err := f.fromLogind(ctx)
		if err == nil || errors.Is(err, ErrNoSignedInUser) {
			return u, err
		}
		// logind cannot be reached (no D-Bus, as in some containers); utmp still knows.
	}
	return f.fromWho(ctx)
}

func (f linuxSessions) fromLogind(ctx context.Context) (SignedInUser, error) {
	out, err := f.run(ctx, "loginctl", "list-sessions", "--no-legend")
	if err != nil {
		return SignedInUser{}, fmt.Errorf("list logind sessions: %w", err)
	}

	var sessions []loginSession
	for _, id := range parseSessionIDs(out) {
		out, err := f.run(ctx, "loginctl", "show-session", id,
			"-p", "Id", "-p", "Name", "-p", "Class", "-p", "Type", "-p", "State",
			"-p", "Seat", "-p", "TTY", "-p", "Active", "-p", "Remote")
		if err != nil {
			// The session may have ended between the two calls.
			continue
		}
		sessions = append(sessions, parseLoginSession(out))
	}

	s, ok := pickLoginSession(sessions)
	if !ok {
		return SignedInUser{}, ErrNoSignedInUser
	}
	return SignedInUser{Name: s.name, Session: s.id}, nil
}

func (f linuxSessions) fromWho(ctx context.Context) (SignedInUser, error) {
	out, err := f.run(ctx, "who")
	if err != nil {
		return SignedInUser{}, fmt.Errorf("run who: %w", err)
	}
	u, ok := parseWho(out)
	if !ok {
		return SignedInUser{}, ErrNoSignedInUser
	}
	return u, nil
}
