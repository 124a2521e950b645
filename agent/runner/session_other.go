//go:build unix && !linux && !darwin

package runner

import (
	"context"
	"fmt"
)

// whoSessions reads utmp through `who`, which every Unix has.
type whoSessions struct{}

func platformSessions() SessionFinder {
	return whoSessions{}
}

func (whoSessions) ConsoleUser(ctx context.Context) (SignedInUser, error) {
	out, err := runCommand(ctx, "who")
	if err != nil {
		return SignedInUser{}, fmt.Errorf("run who: %w", err)
	}
	u, ok := parseWho(out)
	if !ok {
		return SignedInUser{}, ErrNoSignedInUser
	}
	return u, nil
}
