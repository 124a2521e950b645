package runner

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// consoleSessions finds the macOS console user as the owner of /dev/console, which the
// login window hands to the user who signs in and takes back (to root) at sign-out.
type consoleSessions struct{}

func platformSessions() SessionFinder {
	return consoleSessions{}
}

func (consoleSessions) ConsoleUser(ctx context.Context) (SignedInUser, error) {
	if err := ctx.Err(); err != nil {
		return SignedInUser{}, err
	}
	info, err := os.Stat("/dev/console")
	if err != nil {
		return SignedInUser{}, fmt.Errorf("stat console: %w", err)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return SignedInUser{}, ErrNoSignedInUser
	}
	u, err := user.LookupId(strconv.FormatUint(uint64(st.Uid), 10))
	if err != nil {
		return SignedInUser{}, fmt.Errorf("look up console owner: %w", err)
	}
	return SignedInUser{Name: u.Username, Session: "console"}, nil
}
