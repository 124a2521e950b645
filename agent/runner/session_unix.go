//go:build unix

package runner

import (
	"context"
	"os/exec"
	"time"
)

// sessionQueryTimeout bounds each loginctl or who call; both answer from local state.
const sessionQueryTimeout = 10 * time.Second

// commandOutput runs a program and returns its stdout; tests replace it with canned output.
type commandOutput func(ctx context.Context, name string, args ...string) ([]byte, error)

func runCommand(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, sessionQueryTimeout)
	defer cancel()
	return exec.CommandContext(ctx, name, args...).Output()
}
