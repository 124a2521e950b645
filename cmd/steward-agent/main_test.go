package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/client/clienttest"
	"github.com/stewardhq/steward/agent/state"
)

// buildAgent compiles this command with a version stamped in, as releases are built.
func buildAgent(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "steward-agent")
	out, err := exec.Command("go", "build", "-ldflags", "-X main.version=1.2.3-test",
		"-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func agentCmd(bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	// The variables are cleared so the machine's own settings cannot leak into the test.
	cmd.Env = append(os.Environ(), "STEWARD_AGENT_STATE_DIR=", "STEWARD_AGENT_SERVER=",
		"STEWARD_AGENT_TOKEN=")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

func runAgent(t *testing.T, bin string, env []string, args ...string) (string, int) {
	t.Helper()
	out, err := agentCmd(bin, env, args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return string(out), code
}

func TestEnrollStatusAndRunFromTheCommandLine(t *testing.T) {
	bin := buildAgent(t)
	hub := clienttest.New(t)
	hub.AddToken("good-token")
	hub.RefuseToken("old-token", 401, "unauthorized", "enrollment token expired")
	dir := filepath.Join(t.TempDir(), "state")

	t.Run("version", func(t *testing.T) {
		out, code := runAgent(t, bin, nil, "version")
		require.Zero(t, code)
		require.Equal(t, "1.2.3-test\n", out)
	})

	t.Run("expired token", func(t *testing.T) {
		out, code := runAgent(t, bin, nil, "enroll", "--server", hub.URL,
			"--token", "old-token", "--state-dir", dir)
		require.NotZero(t, code)
		require.Contains(t, out, "enrollment token expired")
		require.NoFileExists(t, filepath.Join(dir, state.StateFile))
	})

	t.Run("status before enrolling", func(t *testing.T) {
		out, code := runAgent(t, bin, nil, "status", "--state-dir", dir)
		require.Zero(t, code)
		require.Contains(t, out, "enrolled:    no")
	})

	var agentID string
	t.Run("good token from the environment", func(t *testing.T) {
		out, code := runAgent(t, bin, []string{"STEWARD_AGENT_TOKEN=good-token",
			"STEWARD_AGENT_SERVER=" + hub.URL}, "enroll", "--state-dir", dir)
		require.Zero(t, code, out)

		st, err := state.Read(dir)
		require.NoError(t, err)
		agentID = st.AgentID
		require.Contains(t, out, agentID)
		_, known := hub.Agent(agentID)
		require.True(t, known)
		if runtime.GOOS != "windows" {
			fi, err := os.Stat(filepath.Join(dir, state.KeyFile))
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		}
	})

	t.Run("enrolling again needs --force", func(t *testing.T) {
		hub.AddToken("another-token")
		out, code := runAgent(t, bin, nil, "enroll", "--server", hub.URL,
			"--token", "another-token", "--state-dir", dir)
		require.NotZero(t, code)
		require.Contains(t, out, "already enrolled")
		require.Contains(t, out, "--force")
	})

	t.Run("status after enrolling", func(t *testing.T) {
		out, code := runAgent(t, bin, nil, "status", "--state-dir", dir)
		require.Zero(t, code)
		require.Contains(t, out, "enrolled:    yes")
		require.Contains(t, out, "agent id:    "+agentID)
		require.Contains(t, out, "server:      "+hub.URL)
		require.Contains(t, out, "service:     ")
	})

	t.Run("run until SIGTERM", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no SIGTERM on Windows")
		}
		cmd := agentCmd(bin, nil, "run", "--state-dir", dir)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()

		hub.WaitFor(t, "the agent's inventory", func() bool {
			return hub.Connected(agentID) && len(hub.Inventories()) > 0
		})
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))

		select {
		case err := <-exited:
			require.NoError(t, err, out.String())
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("the agent did not stop on SIGTERM")
		}
		require.Contains(t, out.String(), "connected to the hub")
	})

	t.Run("install refuses without enrollment", func(t *testing.T) {
		out, code := runAgent(t, bin, nil, "install", "--state-dir", t.TempDir())
		require.NotZero(t, code)
		require.Contains(t, out, "steward-agent enroll first")
	})
}
