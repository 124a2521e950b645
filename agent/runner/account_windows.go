package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/windows"
)

// account is the Windows user a user-context script runs as, by the token of the user's
// session. Getting it needs the agent to run as LocalSystem.
type account struct {
	token windows.Token
	sid   string
}

func lookupAccount(ctx context.Context, u SignedInUser) (*account, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	session, err := strconv.ParseUint(u.Session, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse session %q: %w", u.Session, err)
	}

	var token windows.Token
	if err := windows.WTSQueryUserToken(uint32(session), &token); err != nil {
		if errors.Is(err, windows.ERROR_NO_TOKEN) {
			return nil, fmt.Errorf("%w: session %d has no user token", ErrNoSignedInUser, session)
		}
		return nil, fmt.Errorf("query user token: %w", err)
	}
	tu, err := token.GetTokenUser()
	if err != nil {
		_ = token.Close()
		return nil, fmt.Errorf("read token user: %w", err)
	}
	return &account{token: token, sid: tu.User.Sid.String()}, nil
}

func (a *account) close() {
	_ = a.token.Close()
}

// environ is the user's own environment block, as the shell would build it at sign-in;
// nothing of the agent's environment is passed on.
func (a *account) environ(agent []string) []string {
	env, err := a.token.Environ(false)
	if err != nil {
		// Without the user's block the system variables are still needed to run
		// anything; take those of the agent that describe the machine, not the account.
		for _, kv := range agent {
			switch strings.ToUpper(envName(kv)) {
			case "SYSTEMROOT", "WINDIR", "COMSPEC", "PATH", "PATHEXT", "SYSTEMDRIVE",
				"PROGRAMFILES", "PROGRAMFILES(X86)", "PROGRAMDATA", "NUMBER_OF_PROCESSORS",
				"PROCESSOR_ARCHITECTURE", "OS", "PSMODULEPATH":
				env = append(env, kv)
			}
		}
	}
	return env
}

// securePath gives a run's folder an access list of its own (files inherit it): the
// Windows form of mode 0700, widened to the user for the user context.
func securePath(path string, isDir bool, acct *account) error {
	if !isDir {
		return nil
	}
	sid := ""
	if acct != nil {
		sid = acct.sid
	}
	sd, err := windows.SecurityDescriptorFromString(privateDirSDDL(sid))
	if err != nil {
		return fmt.Errorf("parse access list: %w", err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("read access list: %w", err)
	}
	return windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION,
		nil, nil, dacl, nil)
}
