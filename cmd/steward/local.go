package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/hub"
)

// firstLook prepares a hub for someone trying Steward on one machine: an API token kept in
// the data folder (made once, printed at every start), and this machine's own agent enrolled
// into the MSP tenant and run as a child of the hub.
type firstLook struct {
	agentBin string
	dataDir  string
}

// adminToken returns the token in DATA/admin-token, making it on the first start. The file is
// readable by its owner only, like the secret key beside it.
func (f firstLook) adminToken(ctx context.Context, h *hub.Hub) (string, error) {
	path := filepath.Join(f.dataDir, "admin-token")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read admin token: %w", err)
	}
	ctx = access.WithPrincipal(ctx, access.System())
	secret, _, err := h.Tokens.Create(ctx, apitoken.NewToken{Name: "first look",
		Role: access.MSPAdmin})
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save admin token: %w", err)
	}
	return secret, nil
}

// startAgent enrolls this machine's agent once and runs it until ctx ends.
func (f firstLook) startAgent(ctx context.Context, h *hub.Hub, url string) error {
	stateDir := filepath.Join(f.dataDir, "local-agent")
	if _, err := os.Stat(filepath.Join(stateDir, "state.json")); errors.Is(err, fs.ErrNotExist) {
		sys := access.WithPrincipal(ctx, access.System())
		msp, err := h.Tenants.EnsureMSP(sys, "MSP")
		if err != nil {
			return err
		}
		max := 1
		tok, err := h.Agents.CreateEnrollmentToken(sys, msp.ID, agents.NewEnrollmentToken{
			Name: "local agent", ExpiresInSeconds: 600, MaxUses: &max})
		if err != nil {
			return err
		}
		out, err := exec.CommandContext(ctx, f.agentBin, "enroll", "--server", url,
			"--token", tok.Token, "--state-dir", stateDir).CombinedOutput()
		if err != nil {
			return fmt.Errorf("enroll the local agent: %w: %s", err, out)
		}
	}

	cmd := exec.Command(f.agentBin, "run", "--state-dir", stateDir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// The agent ends with the hub, even if the hub is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the local agent: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		close(exited)
		if ctx.Err() == nil {
			how := "it exited"
			if err != nil {
				how = err.Error()
			}
			fmt.Fprintf(os.Stderr, "the local agent stopped (%s); the hub goes on. Its log "+
				"is above. If it was revoked, remove %s and restart to enroll it again; "+
				"otherwise start it again with: steward-agent run --state-dir %s\n", how,
				stateDir, stateDir)
		}
	}()
	go func() {
		select {
		case <-exited:
			return
		case <-ctx.Done():
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	return nil
}
