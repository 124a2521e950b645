//go:build unix

package runner

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// defaultPath is used when the agent's own environment has no PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// account is the Unix account a user-context script runs as.
type account struct {
	name   string
	home   string
	uid    uint32
	gid    uint32
	groups []uint32
}

func lookupAccount(ctx context.Context, u SignedInUser) (*account, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pw, err := user.Lookup(u.Name)
	if err != nil {
		return nil, err
	}
	uid, err := strconv.ParseUint(pw.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse uid %q: %w", pw.Uid, err)
	}
	gid, err := strconv.ParseUint(pw.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse gid %q: %w", pw.Gid, err)
	}
	a := &account{name: pw.Username, home: pw.HomeDir, uid: uint32(uid), gid: uint32(gid)}

	gids, err := pw.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			a.groups = append(a.groups, uint32(n))
		}
	}
	return a, nil
}

func (a *account) close() {}

// isSelf reports whether the agent already runs as this account, as in a per-user install,
// where switching credentials is neither needed nor allowed.
func (a *account) isSelf() bool {
	return int(a.uid) == os.Getuid()
}

// credential is what the script process runs as; nil when the agent already is that user.
func (a *account) credential() *syscall.Credential {
	if a.isSelf() {
		return nil
	}
	return &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: a.groups}
}

// environ is the user's environment as a login would set it up, built from scratch so that
// nothing of the agent's own environment leaks to the user's processes except the search
// path and locale.
func (a *account) environ(agent []string) []string {
	env := []string{
		"HOME=" + a.home,
		"USER=" + a.name,
		"LOGNAME=" + a.name,
	}
	path := defaultPath
	for _, kv := range agent {
		name := envName(kv)
		switch {
		case name == "PATH":
			path = strings.TrimPrefix(kv, "PATH=")
		case name == "LANG" || name == "LANGUAGE" || name == "TZ" ||
			strings.HasPrefix(name, "LC_"):
			env = append(env, kv)
		}
	}
	env = append(env, "PATH="+path)

	// The user's runtime folder and session bus let scripts talk to the user's desktop
	// services (notifications, settings).
	runtimeDir := fmt.Sprintf("/run/user/%d", a.uid)
	if info, err := os.Stat(runtimeDir); err == nil && info.IsDir() {
		env = append(env, "XDG_RUNTIME_DIR="+runtimeDir)
		if _, err := os.Stat(runtimeDir + "/bus"); err == nil {
			env = append(env, "DBUS_SESSION_BUS_ADDRESS=unix:path="+runtimeDir+"/bus")
		}
	}
	// TODO(user-display): DISPLAY and WAYLAND_DISPLAY are not set, so graphical programs
	// started by a user-context script cannot open windows; logind's Display property
	// would give them.
	return env
}

// securePath makes a run's folder private (0700) and hands the folder and the script file
// to the user for the user context, so the interpreter running as that user can read it.
func securePath(path string, isDir bool, acct *account) error {
	if isDir {
		if err := os.Chmod(path, 0o700); err != nil {
			return err
		}
	}
	if acct == nil || acct.isSelf() {
		return nil
	}
	return os.Chown(path, int(acct.uid), int(acct.gid))
}
