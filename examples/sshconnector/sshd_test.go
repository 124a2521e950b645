package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer is a real OpenSSH server on 127.0.0.1, started for one test.
type sshServer struct {
	port       int
	user       string
	hostKey    ssh.PublicKey
	clientKey  string // path of a private key the server accepts
	knownHosts string // path of a known_hosts file with the server's key
}

// findSSHD returns the OpenSSH server binary, installing it when missing and possible. In CI
// a missing server fails the test: skipping would hide that the SSH tests never ran.
func findSSHD(t *testing.T) string {
	t.Helper()
	find := func() string {
		for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd"} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		p, _ := exec.LookPath("sshd")
		return p
	}
	if p := find(); p != "" {
		return p
	}

	var log bytes.Buffer
	if apt, err := exec.LookPath("apt-get"); err == nil && os.Geteuid() == 0 {
		install := func() error {
			cmd := exec.Command(apt, "install", "-y", "-q", "openssh-server")
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			cmd.Stdout, cmd.Stderr = &log, &log
			return cmd.Run()
		}
		if install() != nil {
			update := exec.Command(apt, "update", "-q")
			update.Stdout, update.Stderr = &log, &log
			_ = update.Run()
			_ = install()
		}
	}
	if p := find(); p != "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("sshd is missing and apt-get install openssh-server failed:\n%s", log.String())
	}
	t.Skip("sshd is missing: install openssh-server to run the SSH tests")
	return ""
}

// newKey makes an Ed25519 key pair and writes the private half in OpenSSH format.
func newKey(t *testing.T, path string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o600))
	sshPub, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	return sshPub
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects sshd's log for a failed test's report.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startSSHD runs sshd -D with a generated configuration, host key and authorized key, as
// the current user, until the test ends.
func startSSHD(t *testing.T) *sshServer {
	t.Helper()
	sshd := findSSHD(t)
	dir := t.TempDir()
	u, err := user.Current()
	require.NoError(t, err)
	s := &sshServer{port: freePort(t), user: u.Username,
		clientKey: filepath.Join(dir, "id_ed25519"), knownHosts: filepath.Join(dir, "known")}

	s.hostKey = newKey(t, filepath.Join(dir, "host_ed25519"))
	clientPub := newKey(t, s.clientKey)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "authorized_keys"),
		ssh.MarshalAuthorizedKey(clientPub), 0o600))
	line := knownhosts.Line([]string{fmt.Sprintf("127.0.0.1:%d", s.port)}, s.hostKey)
	require.NoError(t, os.WriteFile(s.knownHosts, []byte(line+"\n"), 0o600))

	config := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PidFile %s
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
LogLevel VERBOSE
`, s.port, filepath.Join(dir, "host_ed25519"), filepath.Join(dir, "authorized_keys"),
		filepath.Join(dir, "sshd.pid"))
	cfgPath := filepath.Join(dir, "sshd_config")
	require.NoError(t, os.WriteFile(cfgPath, []byte(config), 0o600))
	if os.Geteuid() == 0 {
		// sshd's privilege separation directory, which the system service creates at boot.
		require.NoError(t, os.MkdirAll("/run/sshd", 0o755))
	}

	var log lockedBuffer
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfgPath)
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("sshd log:\n%s", log.String())
		}
	})

	// Ready when it accepts connections; a server that exits instead fails at once.
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	require.Eventually(t, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	}, 15*time.Second, 50*time.Millisecond)
	select {
	case <-exited:
		t.Fatalf("sshd exited:\n%s", log.String())
	default:
	}
	return s
}
