package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/store/storetest"
)

// buildSteward compiles this command once per test binary run.
func buildSteward(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "steward")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func run(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The README's walk-through, as a new user types it, on both databases.
func TestServeTokenAndTenantsFromTheCommandLine(t *testing.T) {
	bin := buildSteward(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			data := t.TempDir()
			env := []string{"STEWARD_DATA=" + data}
			if dialect == "postgres" {
				env = append(env, "STEWARD_DATABASE_URL="+storetest.NewPostgresDatabase(t))
			}
			addr := freeAddr(t)

			serve := exec.Command(bin, "serve", "--listen", addr)
			serve.Env = append(os.Environ(), env...)
			stderr, err := serve.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, serve.Start())
			exited := make(chan error, 1)
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
				exited <- serve.Wait()
			}()
			t.Cleanup(func() { _ = serve.Process.Kill() })
			waitFor(t, lines, "Steward is running at http://"+addr)

			token, err := run(t, bin, env, "token", "create", "--name", "ci")
			require.NoError(t, err, token)
			token = strings.TrimSpace(token)
			require.True(t, strings.HasPrefix(token, "stw_"), token)

			remote := append(env, "STEWARD_SERVER=http://"+addr, "STEWARD_TOKEN="+token)
			out, err := run(t, bin, remote, "tenants", "create", "Fabrikam")
			require.NoError(t, err, out)
			require.Contains(t, out, "Fabrikam")

			out, err = run(t, bin, remote, "tenants", "list")
			require.NoError(t, err, out)
			require.Regexp(t, `(?m)^\S+\s+MSP\s+yes`, out)
			require.Regexp(t, `(?m)^\S+\s+Fabrikam\s+no`, out)

			out, err = run(t, bin, remote, "tenants", "list", "--json")
			require.NoError(t, err, out)
			var page struct {
				Total int `json:"total"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &page))
			require.Equal(t, 2, page.Total)

			out, err = run(t, bin, remote, "tenants", "create", "fabrikam")
			require.Error(t, err)
			require.Contains(t, out, "exists already")

			out, err = run(t, bin, append(env, "STEWARD_SERVER=http://"+addr,
				"STEWARD_TOKEN=stw_wrong"), "tenants", "list")
			require.Error(t, err)
			require.Contains(t, out, "unauthorized")

			// SIGTERM shuts down gracefully: the process exits by itself, with status 0.
			require.NoError(t, serve.Process.Signal(syscall.SIGTERM))
			for range lines {
			}
			select {
			case err := <-exited:
				require.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not exit after SIGTERM")
			}
		})
	}
}

func TestMigrateAndBadFlags(t *testing.T) {
	bin := buildSteward(t)
	data := t.TempDir()
	out, err := run(t, bin, nil, "migrate", "--data", data)
	require.NoError(t, err, out)
	require.Contains(t, out, "up to date")
	require.FileExists(t, filepath.Join(data, "steward.db"))

	out, err = run(t, bin, nil, "serve", "--data", data, "--database-url", "mysql://x")
	require.Error(t, err)
	require.Contains(t, out, "postgres://")

	out, err = run(t, bin, nil, "token", "create", "--data", data, "--name", "x",
		"--role", "king")
	require.Error(t, err)
	require.Contains(t, out, "unknown role")

	out, err = run(t, bin, nil, "token", "create", "--data", data, "--name", "ci-bot")
	require.NoError(t, err, out)
	out, err = run(t, bin, nil, "token", "list", "--data", data, "--json")
	require.NoError(t, err, out)
	require.NotContains(t, out, "stw_", "secrets are never listed")
	var toks []struct{ ID, Name string }
	require.NoError(t, json.Unmarshal([]byte(out), &toks))
	require.Len(t, toks, 1)
	require.Equal(t, "ci-bot", toks[0].Name)
	out, err = run(t, bin, nil, "token", "revoke", "--data", data, toks[0].ID)
	require.NoError(t, err, out)
	out, err = run(t, bin, nil, "token", "list", "--data", data, "--json")
	require.NoError(t, err, out)
	require.Equal(t, "[]", strings.TrimSpace(out))

	out, err = run(t, bin, []string{"STEWARD_TOKEN="}, "tenants", "list")
	require.Error(t, err)
	require.Contains(t, out, "no API token")
}

func waitFor(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var seen []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before printing %q:\n%s", want, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if strings.Contains(l, want) {
				go func() {
					for range lines {
					}
				}()
				return
			}
		case <-ctx.Done():
			t.Fatalf("serve did not print %q:\n%s", want, strings.Join(seen, "\n"))
		}
	}
}
