package runner

import (
	"bufio"
	"bytes"
	"context"
	"strings"
)

// SignedInUser is the person at the computer, whose account user-context scripts run in.
type SignedInUser struct {
	// Name is the account name: a local user name on Unix, DOMAIN\name on Windows.
	Name string
	// Session is the platform's id of the session: a logind session id or terminal on
	// Linux, the session number on Windows (used to get the user's token).
	Session string
}

// SessionFinder finds the user signed in at the computer's console. It returns an error
// wrapping ErrNoSignedInUser when nobody is.
type SessionFinder interface {
	ConsoleUser(ctx context.Context) (SignedInUser, error)
}

// loginSession is what `loginctl show-session` says about one session.
type loginSession struct {
	id, name, class, typ, state, seat, tty string
	active, remote                         bool
}

// parseSessionIDs reads the session ids, the first column, of
// `loginctl list-sessions --no-legend`.
func parseSessionIDs(out []byte) []string {
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	return ids
}

// parseLoginSession reads the Key=Value lines of `loginctl show-session`.
func parseLoginSession(out []byte) loginSession {
	var s loginSession
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		switch k {
		case "Id":
			s.id = v
		case "Name":
			s.name = v
		case "Class":
			s.class = v
		case "Type":
			s.typ = v
		case "State":
			s.state = v
		case "Seat":
			s.seat = v
		case "TTY":
			s.tty = v
		case "Active":
			s.active = v == "yes"
		case "Remote":
			s.remote = v == "yes"
		}
	}
	return s
}

// pickLoginSession chooses the console user among logind sessions: an active, local user
// session (not a greeter or a background manager), a graphical one over a text console,
// one on a seat over one without.
func pickLoginSession(sessions []loginSession) (loginSession, bool) {
	best, bestRank := loginSession{}, -1
	for _, s := range sessions {
		if s.name == "" || s.remote || (s.class != "" && s.class != "user") {
			continue
		}
		if !s.active && s.state != "active" {
			continue
		}
		rank := 0
		switch s.typ {
		case "x11", "wayland", "mir":
			rank += 2
		case "tty":
			rank++
		}
		if s.seat != "" {
			rank += 4
		}
		if rank > bestRank {
			best, bestRank = s, rank
		}
	}
	return best, bestRank >= 0
}

// parseWho chooses the console user from `who` output (utmp): a graphical display (":0",
// or a seat) over a text console ("tty2", "console") over a local pseudo-terminal. Lines
// with a remote host in parentheses are SSH and similar sessions, never the console.
func parseWho(out []byte) (SignedInUser, bool) {
	best, bestRank := SignedInUser{}, -1
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		name, term := f[0], f[1]

		var from string
		if strings.HasSuffix(line, ")") {
			if i := strings.LastIndex(line, "("); i >= 0 {
				from = line[i+1 : len(line)-1]
			}
		}
		localDisplay := strings.HasPrefix(from, ":")
		if from != "" && !localDisplay && from != "login screen" {
			continue
		}

		var rank int
		switch {
		case strings.HasPrefix(term, ":") || strings.HasPrefix(term, "seat"):
			rank = 3
		case strings.HasPrefix(term, "tty") || term == "console":
			rank = 2
		case localDisplay:
			rank = 1
		default:
			rank = 0
		}
		if rank > bestRank {
			best, bestRank = SignedInUser{Name: name, Session: term}, rank
		}
	}
	return best, bestRank >= 0
}

// wtsSession is one Windows terminal services session.
type wtsSession struct {
	id     uint32
	active bool
	user   string // DOMAIN\name, empty when nobody is signed in
}

// pickWindowsSession chooses the console session's user, else the user of an active
// session (a server used only over Remote Desktop). Session 0 holds services, never a user.
func pickWindowsSession(console uint32, sessions []wtsSession) (wtsSession, bool) {
	var fallback *wtsSession
	for i, s := range sessions {
		if s.id == 0 || s.user == "" {
			continue
		}
		if s.id == console {
			return s, true
		}
		if s.active && fallback == nil {
			fallback = &sessions[i]
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return wtsSession{}, false
}
