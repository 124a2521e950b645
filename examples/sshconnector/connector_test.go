package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/stewardhq/steward/examples/sshconnector/sshtest"
	"github.com/stewardhq/steward/sdk"
	"github.com/stewardhq/steward/sdk/sdktest"
)

// connectorBin is this connector, built once for the package's tests.
var connectorBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sshconnector-")
	if err != nil {
		panic(err)
	}
	connectorBin = filepath.Join(dir, "sshconnector")
	if out, err := exec.Command("go", "build", "-o", connectorBin, ".").CombinedOutput(); err != nil {
		panic(fmt.Sprintf("go build: %v: %s", err, out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// link is a started connector configured for srv, with a reachable host "local" and an
// unreachable one "gone".
type link struct {
	p   *sdk.Plugin
	cfg sdk.Config
	dir string
}

func writeHosts(t *testing.T, dir string, srv *sshtest.Server) string {
	t.Helper()
	path := filepath.Join(dir, "hosts.yaml")
	hosts := fmt.Sprintf(`- name: local
  address: 127.0.0.1
  port: %d
  user: %s
  client: acme
  uuid: 0e7c4a52-5f0a-4d8e-9a43-2b1f6c1d9e01
  serial: SN-FROM-FILE
  manufacturer: File Vendor
  model: File Model
- name: gone
  address: 127.0.0.1
  port: %d
  client: globex
`, srv.Port, srv.User, freePort(t))
	require.NoError(t, os.WriteFile(path, []byte(hosts), 0o600))
	return path
}

func openLink(t *testing.T, srv *sshtest.Server) *link {
	t.Helper()
	dir := t.TempDir()
	p, err := sdk.Open(context.Background(), connectorBin,
		sdk.OpenConfig{Logger: hclog.NewNullLogger()})
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	cfg := sdk.Config{"hostsFile": writeHosts(t, dir, srv), "privateKeyFile": srv.ClientKeyFile,
		"knownHostsFile": srv.KnownHostsFile, "defaultUser": srv.User, "connectTimeout": "5s"}
	require.NoError(t, p.Configure(context.Background(), cfg))
	return &link{p: p, cfg: cfg, dir: dir}
}

// run runs a script and returns its output as "stream:text" lines.
func (l *link) run(t *testing.T, agent string, req sdk.ScriptRequest) (sdk.ScriptResult,
	[]string, error) {
	t.Helper()
	var lines []string
	res, err := l.p.RunScript(context.Background(), agent, req, func(o sdk.OutputLine) {
		lines = append(lines, o.Stream+":"+o.Text)
	})
	return res, lines, err
}

func TestOverARealSSHServer(t *testing.T) {
	srv := sshtest.Start(t)
	l := openLink(t, srv)
	ctx := context.Background()

	t.Run("describe", func(t *testing.T) {
		d := l.p.Description()
		require.Equal(t, "sshhosts", d.Name)
		require.Equal(t, []sdk.Capability{sdk.CapClients, sdk.CapAgents, sdk.CapIdentify,
			sdk.CapRunScript}, d.Capabilities)
		require.Equal(t, d.Capabilities, d.Implemented)
	})

	t.Run("health", func(t *testing.T) {
		h, err := l.p.Health(ctx)
		require.NoError(t, err)
		require.Equal(t, "2 hosts, ssh-ed25519 key loaded, host keys checked", h.Message)
	})

	t.Run("clients and agents from the hosts file", func(t *testing.T) {
		clients, err := l.p.Clients(ctx)
		require.NoError(t, err)
		require.Equal(t, []sdk.Client{{ID: "acme", Name: "acme"}, {ID: "globex",
			Name: "globex"}}, clients)

		agents, err := l.p.Agents(ctx)
		require.NoError(t, err)
		require.Len(t, agents, 2)
		require.Equal(t, "local", agents[0].ID)
		require.Equal(t, "acme", agents[0].ClientID)
		require.True(t, agents[0].Online)
		require.False(t, agents[0].LastSeen.IsZero())
		require.Equal(t, "gone", agents[1].ID)
		require.False(t, agents[1].Online)

		// Not identified yet: the hardware facts are the hosts file's.
		require.Equal(t, "0e7c4a52-5f0a-4d8e-9a43-2b1f6c1d9e01", agents[0].HardwareUUID)
		require.Equal(t, "SN-FROM-FILE", agents[0].Serial)
		require.Equal(t, "File Vendor", agents[0].Manufacturer)
		require.Equal(t, "File Model", agents[0].Model)
		require.Empty(t, agents[1].Serial)
	})

	t.Run("script with parameters", func(t *testing.T) {
		nasty := `it's "quoted" $HOME ` + "`id` \\ ; exit 9\nsecond line"
		res, lines, err := l.run(t, "local", sdk.ScriptRequest{ID: "s1",
			Language: sdk.LanguageSh, Body: `echo hi; echo $Greeting; echo "$Tricky"`,
			Params:  map[string]string{"Greeting": "hello world", "Tricky": nasty},
			Timeout: time.Minute})
		require.NoError(t, err)
		require.Equal(t, 0, res.ExitCode)
		require.Equal(t, []string{"stdout:hi", "stdout:hello world",
			`stdout:it's "quoted" $HOME ` + "`id` \\ ; exit 9", "stdout:second line"}, lines)
	})

	t.Run("bash, stderr and the exit code", func(t *testing.T) {
		res, lines, err := l.run(t, "local", sdk.ScriptRequest{ID: "s2",
			Language: sdk.LanguageBash, Body: "echo out\necho err >&2\n[[ 1 == 1 ]] && exit 7",
			Timeout: time.Minute})
		require.NoError(t, err)
		require.Equal(t, 7, res.ExitCode)
		require.False(t, res.TimedOut)
		require.ElementsMatch(t, []string{"stdout:out", "stderr:err"}, lines)
	})

	t.Run("a timeout kills the remote process", func(t *testing.T) {
		pidFile := filepath.Join(l.dir, "sleep.pid")
		res, _, err := l.run(t, "local", sdk.ScriptRequest{ID: "s3",
			Language: sdk.LanguageSh, Body: `sleep 300 & echo $! > "$PidFile"; wait`,
			Params: map[string]string{"PidFile": pidFile}, Timeout: 2 * time.Second})
		require.NoError(t, err)
		require.True(t, res.TimedOut)
		require.Equal(t, -1, res.ExitCode)

		data, err := os.ReadFile(pidFile)
		require.NoError(t, err)
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		require.NoError(t, err)
		require.Eventually(t, func() bool { return !running(pid) }, 10*time.Second,
			50*time.Millisecond, "sleep 300 (pid %d) survived the timeout", pid)
	})

	t.Run("identify", func(t *testing.T) {
		facts, err := l.p.Identify(ctx, "local")
		require.NoError(t, err)
		machineID, _ := os.ReadFile("/etc/machine-id")
		require.Equal(t, strings.TrimSpace(string(machineID)), facts.OSInstallID)
		hostname, err := os.Hostname()
		require.NoError(t, err)
		short, _, _ := strings.Cut(hostname, ".")
		require.Equal(t, short, facts.Hostname)
		if osRelease, err := os.ReadFile("/etc/os-release"); err == nil {
			require.Contains(t, string(osRelease), facts.OSName)
			require.NotEmpty(t, facts.OSName)
		}

		// The host is this machine: what it can read of its DMI data wins, the hosts file
		// fills the rest, in Identify and in the agent list alike.
		want := sdk.IdentityFacts{
			SMBIOSUUID:   dmiOr("product_uuid", "0e7c4a52-5f0a-4d8e-9a43-2b1f6c1d9e01"),
			Serial:       dmiOr("product_serial", "SN-FROM-FILE"),
			Manufacturer: dmiOr("sys_vendor", "File Vendor"),
			Model:        dmiOr("product_name", "File Model"),
		}
		require.Equal(t, want, sdk.IdentityFacts{SMBIOSUUID: facts.SMBIOSUUID,
			Serial: facts.Serial, Manufacturer: facts.Manufacturer, Model: facts.Model})
		agents, err := l.p.Agents(ctx)
		require.NoError(t, err)
		require.Equal(t, want, sdk.IdentityFacts{SMBIOSUUID: agents[0].HardwareUUID,
			Serial: agents[0].Serial, Manufacturer: agents[0].Manufacturer,
			Model: agents[0].Model})
	})

	t.Run("errors say who failed", func(t *testing.T) {
		_, err := l.p.Identify(ctx, "nobody")
		require.True(t, sdk.IsNotFound(err), "%v", err)

		_, _, err = l.run(t, "gone", sdk.ScriptRequest{ID: "e1", Language: sdk.LanguageSh,
			Body: "true", Timeout: time.Minute})
		require.True(t, sdk.IsDownstream(err), "%v", err)
		require.True(t, sdk.IsRetryable(err))

		_, _, err = l.run(t, "local", sdk.ScriptRequest{ID: "e2",
			Language: sdk.LanguagePowerShell, Body: "Write-Output 1"})
		require.Equal(t, sdk.KindInvalid, sdk.KindOf(err), "%v", err)

		_, _, err = l.run(t, "local", sdk.ScriptRequest{ID: "e3", Language: sdk.LanguageSh,
			Body: "true", Params: map[string]string{"not-a-name": "x"}})
		require.Equal(t, sdk.KindInvalid, sdk.KindOf(err), "%v", err)
	})
}

// dmiOr returns the first line of this machine's DMI file name, or fallback when it is
// missing, unreadable or empty, as the identity script does.
func dmiOr(name, fallback string) string {
	data, err := os.ReadFile("/sys/class/dmi/id/" + name)
	if v, _, _ := strings.Cut(string(data), "\n"); err == nil && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return fallback
}

// running reports whether pid is a live process; a zombie waiting for its reaper is dead.
func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(after, "Z") && !strings.HasPrefix(after, "X")
}

func TestHostKeysAndCredentials(t *testing.T) {
	srv := sshtest.Start(t)
	l := openLink(t, srv)
	ctx := context.Background()
	other := t.TempDir()
	empty := filepath.Join(other, "empty_known_hosts")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	wrong := filepath.Join(other, "wrong_known_hosts")
	wrongKey := sshtest.NewKey(t, filepath.Join(other, "wrong_host_key"))
	require.NoError(t, os.WriteFile(wrong, []byte(fmt.Sprintf("[127.0.0.1]:%d %s", srv.Port,
		strings.TrimSpace(string(ssh.MarshalAuthorizedKey(wrongKey))))), 0o600))
	strangerKey := filepath.Join(other, "stranger")
	sshtest.NewKey(t, strangerKey)

	cases := []struct {
		name  string
		edit  sdk.Config
		check func(t *testing.T, configureErr, runErr error)
	}{
		{name: "host missing from known_hosts", edit: sdk.Config{"knownHostsFile": empty},
			check: func(t *testing.T, _, err error) {
				require.True(t, sdk.IsConfigError(err), "%v", err)
				require.Contains(t, err.Error(), "is not in the known_hosts file")
			}},
		{name: "host key changed", edit: sdk.Config{"knownHostsFile": wrong},
			check: func(t *testing.T, _, err error) {
				require.True(t, sdk.IsDownstream(err), "%v", err)
				require.False(t, sdk.IsRetryable(err))
				require.Contains(t, err.Error(), "differs from known_hosts")
			}},
		{name: "key not authorized", edit: sdk.Config{"privateKeyFile": strangerKey},
			check: func(t *testing.T, _, err error) {
				require.True(t, sdk.IsUnauthorized(err), "%v", err)
			}},
		{name: "no known_hosts and checking on", edit: sdk.Config{"knownHostsFile": ""},
			check: func(t *testing.T, err, _ error) {
				var e *sdk.Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, "knownHostsFile", e.Field)
			}},
		{name: "checking explicitly off", edit: sdk.Config{"knownHostsFile": empty,
			"insecureIgnoreHostKey": "true"},
			check: func(t *testing.T, cerr, err error) {
				require.NoError(t, cerr)
				require.NoError(t, err)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sdk.Config{}
			for k, v := range l.cfg {
				cfg[k] = v
			}
			for k, v := range tc.edit {
				if v == "" {
					delete(cfg, k)
				} else {
					cfg[k] = v
				}
			}
			configureErr := l.p.Configure(ctx, cfg)
			var runErr error
			if configureErr == nil {
				_, _, runErr = l.run(t, "local", sdk.ScriptRequest{ID: "k",
					Language: sdk.LanguageSh, Body: "true", Timeout: time.Minute})
			}
			tc.check(t, configureErr, runErr)
		})
	}
}

func TestConformance(t *testing.T) {
	srv := sshtest.Start(t)
	dir := t.TempDir()
	sdktest.RunWith(t, connectorBin, sdktest.Options{Agent: "local", Config: sdk.Config{
		"hostsFile": writeHosts(t, dir, srv), "privateKeyFile": srv.ClientKeyFile,
		"knownHostsFile": srv.KnownHostsFile, "defaultUser": srv.User}})
}

// freePort returns a port of 127.0.0.1 that nothing listens on, for an unreachable host.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
