package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/store/storetest"
)

// startServe runs `steward serve` until the test ends and returns the environment for
// commands that call it.
func startServe(t *testing.T, bin string, env []string) []string {
	t.Helper()
	addr := freeAddr(t)
	serve := exec.Command(bin, "serve", "--listen", addr)
	serve.Env = append(os.Environ(), env...)
	stderr, err := serve.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, serve.Start())
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() {
		_ = serve.Process.Kill()
		_ = serve.Wait()
	})
	waitFor(t, lines, "Steward is running at http://"+addr)

	token, err := run(t, bin, env, "token", "create", "--name", "ci")
	require.NoError(t, err, token)
	return append(env, "STEWARD_SERVER=http://"+addr,
		"STEWARD_TOKEN="+strings.TrimSpace(token))
}

// A user makes a software from the shell and adds a version with its installer file.
func TestSoftwareFromTheCommandLine(t *testing.T) {
	bin := buildSteward(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			env := []string{"STEWARD_DATA=" + t.TempDir()}
			if dialect == "postgres" {
				env = append(env, "STEWARD_DATABASE_URL="+storetest.NewPostgresDatabase(t))
			}
			remote := startServe(t, bin, env)

			out, err := run(t, bin, remote, "software", "create", "Hello Steward Test",
				"--detect-name", "hello-steward", "--match", "exact",
				"--install-script", `dpkg -i "$InstallerFile"`,
				"--uninstall-script", "dpkg -r hello-steward", "--language", "sh", "--json")
			require.NoError(t, err, out)
			var sw catalog.Software
			require.NoError(t, json.Unmarshal([]byte(out), &sw), out)
			require.Equal(t, catalog.DetectDisplayName, sw.Detection.Method)
			require.NotEmpty(t, sw.Scripts.Install)
			require.NotEmpty(t, sw.Scripts.Uninstall)

			deb := filepath.Join(t.TempDir(), "hello_1.1.deb")
			content := []byte(strings.Repeat("!<arch>\ndebian-binary   ", 4000))
			require.NoError(t, os.WriteFile(deb, content, 0o600))
			sum := sha256.Sum256(content)
			out, err = run(t, bin, remote, "software", "versions", "add", sw.ID,
				"--version", "1.1", "--file", deb)
			require.NoError(t, err, out)
			require.Contains(t, out, "uploaded "+deb)
			require.Regexp(t, `(?m)^\S+\s+1\.1\s+hello_1\.1\.deb\s+`+
				`96000\s+`+hex.EncodeToString(sum[:])+`$`, out)

			out, err = run(t, bin, remote, "software", "get", sw.ID, "--json")
			require.NoError(t, err, out)
			require.NoError(t, json.Unmarshal([]byte(out), &sw))
			require.Len(t, sw.Versions, 1)
			require.Equal(t, hex.EncodeToString(sum[:]), sw.Versions[0].Installer.SHA256)
			require.Equal(t, int64(len(content)), sw.Versions[0].Installer.Size)

			out, err = run(t, bin, remote, "software", "list")
			require.NoError(t, err, out)
			require.Regexp(t, `(?m)^\S+\s+Hello Steward Test\s+msp\s+display_name exact `+
				`"hello-steward"\s+1\.1\s+1$`, out)
			require.Regexp(t, `(?m)^\S+\s+Hello Steward\s+global\s`, out,
				"the global catalog is listed too")

			out, err = run(t, bin, remote, "software", "versions", "add", sw.ID,
				"--version", "one point two")
			require.Error(t, err)
			require.Contains(t, out, `version "one point two"`)
			out, err = run(t, bin, remote, "software", "create", "No Detection")
			require.Error(t, err)
			require.Contains(t, out, "--detect-name")

			out, err = run(t, bin, remote, "tasks", "create", "Motd line",
				"--script", `case "$Method" in test) grep -qx "$Line" /etc/motd ;; esac`,
				"--param", "Line:required", "--param", "Mode:select(append|replace)=append")
			require.NoError(t, err, out)
			out, err = run(t, bin, remote, "tasks", "list", "--query", "motd")
			require.NoError(t, err, out)
			require.Regexp(t, `(?m)^\S+\s+Motd line\s+msp\s+combined\s+Line,Mode$`, out)

			out, err = run(t, bin, remote, "software", "delete", sw.ID)
			require.NoError(t, err, out)
			out, err = run(t, bin, remote, "software", "get", sw.ID)
			require.Error(t, err)
			require.Contains(t, out, "not_found")
		})
	}
}

func TestParseParam(t *testing.T) {
	tests := []struct {
		spec string
		want catalog.Parameter
	}{
		{"Path", catalog.Parameter{Name: "Path", Type: "text"}},
		{"Path:required", catalog.Parameter{Name: "Path", Type: "text", Required: true}},
		{"Count:number=5", catalog.Parameter{Name: "Count", Type: "number", Default: "5"}},
		{"Mode:select(a|b):required=b", catalog.Parameter{Name: "Mode", Type: "select",
			Options: []string{"a", "b"}, Required: true, Default: "b"}},
		{"Line=a=b", catalog.Parameter{Name: "Line", Type: "text", Default: "a=b"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := parseParam(tt.spec)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	_, err := parseParam(":number")
	require.Error(t, err)
}
