package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v3"
)

func buildFakeConnector(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fakeconnector")
	out, err := exec.Command("go", "build", "-o", bin,
		"github.com/stewardhq/steward/sdk/internal/fakeconnector").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func runPluginCommand(args ...string) (string, error) {
	var out bytes.Buffer
	root := &cli.Command{Name: "steward", Writer: &out, ErrWriter: &out,
		Commands: []*cli.Command{pluginCommand()},
		// The default handler exits the process on an exit code.
		ExitErrHandler: func(context.Context, *cli.Command, error) {}}
	err := root.Run(context.Background(), append([]string{"steward", "plugin"}, args...))
	return out.String(), err
}

func TestPluginCheck(t *testing.T) {
	bin := buildFakeConnector(t)
	cases := []struct {
		name    string
		mode    string
		args    []string
		exit    int
		mention []string
	}{
		{name: "conforming connector", args: []string{"check", bin, "--agent", "a0001",
			"--config", "endpoint=https://api.test", "--config", "apiKey=k,with=commas"},
			mention: []string{"connector " + bin, "PASS  handshake: protocol version 1",
				"PASS  list agents: 1200, ids unique", "PASS  run a script: sh",
				"19 passed, 0 failed, 0 skipped"}},
		{name: "missing configuration", args: []string{"check", bin,
			"--config", "endpoint=https://api.test"},
			mention: []string{"SKIP  checks of a configured connector: no value for apiKey",
				"PASS  configure rejects missing required fields"}},
		{name: "failing downstream", args: []string{"check", bin, "--config",
			"endpoint=https://api.test", "--config", "apiKey=k", "--config",
			"failWith=downstream"}, exit: 1,
			mention: []string{"FAIL  list agents:", "upstream answered 502"}},
		{name: "stdout before the handshake", mode: "chatty", args: []string{"check", bin},
			exit: 1, mention: []string{"FAIL  handshake:",
				"wrote to stdout before the handshake", "SKIP  remaining checks"}},
		{name: "malformed config flag", args: []string{"check", bin, "--config", "apiKey"},
			exit: 2, mention: []string{`--config "apiKey": want NAME=VALUE`}},
		{name: "no path", args: []string{"check"}, exit: 2,
			mention: []string{"usage: steward plugin check PATH"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("FAKE_CONNECTOR_MODE", tc.mode)
			out, err := runPluginCommand(tc.args...)
			msg := out
			if tc.exit == 0 {
				require.NoError(t, err, out)
			} else {
				var exit cli.ExitCoder
				require.ErrorAs(t, err, &exit)
				require.Equal(t, tc.exit, exit.ExitCode())
				msg += err.Error()
			}
			for _, m := range tc.mention {
				require.Contains(t, msg, m)
			}
		})
	}
}
