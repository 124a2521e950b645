package e2e

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/store/storetest"
	"github.com/stewardhq/steward/core/tenant"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds steward and steward-agent once for the whole test binary.
func binaries(t *testing.T) (hubBin, agentBin string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "steward-e2e-bin-")
		if buildErr != nil {
			return
		}
		for _, pkg := range []string{"steward", "steward-agent"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, pkg),
				"github.com/stewardhq/steward/cmd/"+pkg).CombinedOutput()
			if err != nil {
				buildErr = &buildError{pkg: pkg, out: string(out), err: err}
				return
			}
		}
	})
	require.NoError(t, buildErr)
	return filepath.Join(binDir, "steward"), filepath.Join(binDir, "steward-agent")
}

type buildError struct {
	pkg, out string
	err      error
}

func (e *buildError) Error() string {
	return "build " + e.pkg + ": " + e.err.Error() + "\n" + e.out
}

// hub is a `steward serve` process that a test can kill and start again on the same data.
type hub struct {
	t     *testing.T
	bin   string
	env   []string
	addr  string
	URL   string
	Token string
	cmd   *exec.Cmd
	done  chan struct{}
	API   *client.Client
}

// startHub starts a hub on a fresh database of the dialect.
func startHub(t *testing.T, dialect string) *hub {
	t.Helper()
	bin, _ := binaries(t)
	cfg := storetest.Config(t, dialect)
	data := cfg.DataDir
	if data == "" {
		data = t.TempDir()
	}
	env := []string{"STEWARD_DATA=" + data, "STEWARD_DATABASE_URL=" + cfg.DatabaseURL,
		"STEWARD_LOG_LEVEL=warn"}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()

	h := &hub{t: t, bin: bin, env: env, addr: addr, URL: "http://" + addr}
	h.start()
	t.Cleanup(h.stop)

	out, err := h.cli("token", "create", "--name", "e2e")
	require.NoError(t, err, out)
	h.Token = strings.TrimSpace(out)
	h.API, err = client.New(h.URL, h.Token)
	require.NoError(t, err)
	return h
}

func (h *hub) start() {
	h.t.Helper()
	cmd := exec.Command(h.bin, "serve", "--listen", h.addr)
	cmd.Env = append(os.Environ(), h.env...)
	stderr, err := cmd.StderrPipe()
	require.NoError(h.t, err)
	require.NoError(h.t, cmd.Start())
	h.cmd, h.done = cmd, make(chan struct{})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "Steward is running") {
				once.Do(func() { close(ready) })
			} else if testing.Verbose() {
				h.t.Log("hub: " + line)
			}
		}
		_ = cmd.Wait()
		close(h.done)
	}()
	select {
	case <-ready:
	case <-h.done:
		h.t.Fatal("the hub exited during start-up")
	case <-time.After(60 * time.Second):
		h.t.Fatal("the hub did not start within 60s")
	}
}

// kill ends the hub with SIGKILL, as a crash would.
func (h *hub) kill() {
	_ = h.cmd.Process.Signal(syscall.SIGKILL)
	<-h.done
}

func (h *hub) stop() {
	select {
	case <-h.done:
		return
	default:
	}
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(30 * time.Second):
		h.kill()
	}
}

// cli runs a steward command against this hub's database and API.
func (h *hub) cli(args ...string) (string, error) {
	cmd := exec.Command(h.bin, args...)
	cmd.Env = append(os.Environ(), h.env...)
	cmd.Env = append(cmd.Env, "STEWARD_SERVER="+h.URL, "STEWARD_TOKEN="+h.Token)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (h *hub) do(method, path string, body, out any) error {
	return h.API.Do(context.Background(), method, path, body, out)
}

func (h *hub) mspTenant() tenant.Tenant {
	var page paging.Page[tenant.Tenant]
	require.NoError(h.t, h.do(http.MethodGet, "/tenants", nil, &page))
	for _, t := range page.Items {
		if t.IsMSP {
			return t
		}
	}
	h.t.Fatal("no MSP tenant")
	return tenant.Tenant{}
}

func (h *hub) enrollmentToken() string {
	var tok agents.CreatedEnrollmentToken
	require.NoError(h.t, h.do(http.MethodPost, "/tenants/"+h.mspTenant().ID+
		"/enrollment-tokens", map[string]any{"name": "e2e"}, &tok))
	return tok.Token
}

// agent is a steward-agent process.
type agent struct {
	t        *testing.T
	bin      string
	StateDir string
	args     []string
	cmd      *exec.Cmd
	done     chan struct{}
	logs     *strings.Builder
	mu       sync.Mutex
}

// enrollAgent enrolls a new agent with its own state folder and starts it.
func enrollAgent(t *testing.T, h *hub, runArgs ...string) *agent {
	t.Helper()
	_, bin := binaries(t)
	a := &agent{t: t, bin: bin, StateDir: t.TempDir(), args: runArgs, logs: &strings.Builder{}}
	out, err := exec.Command(bin, "enroll", "--server", h.URL, "--token",
		h.enrollmentToken(), "--state-dir", a.StateDir).CombinedOutput()
	require.NoError(t, err, string(out))
	a.start()
	t.Cleanup(a.stop)
	return a
}

func (a *agent) start() {
	args := append([]string{"run", "--state-dir", a.StateDir, "--log-level", "debug"}, a.args...)
	cmd := exec.Command(a.bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	require.NoError(a.t, err)
	require.NoError(a.t, cmd.Start())
	a.cmd, a.done = cmd, make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			a.mu.Lock()
			a.logs.WriteString(sc.Text() + "\n")
			a.mu.Unlock()
		}
		_ = cmd.Wait()
		close(a.done)
	}()
}

func (a *agent) stop() {
	select {
	case <-a.done:
		return
	default:
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		<-a.done
	}
}

func (a *agent) log() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logs.String()
}

// computerOf waits until the agent's computer appears online and returns it.
func (h *hub) computerOf(a *agent) computer.Computer {
	h.t.Helper()
	var id string
	require.Eventually(h.t, func() bool {
		var page paging.Page[agents.Agent]
		if err := h.do(http.MethodGet, "/agents?pageSize=500", nil, &page); err != nil {
			return false
		}
		agentID := a.id()
		for _, ag := range page.Items {
			if ag.ID == agentID && ag.ComputerID != nil && ag.Online {
				id = *ag.ComputerID
				return true
			}
		}
		return false
	}, 60*time.Second, 100*time.Millisecond, "agent never came online:\n%s", a.log())
	var c computer.Computer
	require.NoError(h.t, h.do(http.MethodGet, "/computers/"+id, nil, &c))
	return c
}

// id reads the agent's id from its state folder.
func (a *agent) id() string {
	st, err := state.Read(a.StateDir)
	if err != nil {
		return ""
	}
	return st.AgentID
}
