// Package sshtest starts a throwaway OpenSSH server on 127.0.0.1 for tests that need a real
// SSH host. The server runs as the current user with a generated configuration, host key and
// client key, and it stops, its files removed, when the test ends.
//
// When no sshd binary is installed, Start installs openssh-server with apt-get if it runs as
// root; otherwise it skips the test, except with CI=true, where it fails it: a CI run must not
// pass because its SSH tests never ran.
package sshtest

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

// Server is a running OpenSSH server. Its fields are read-only.
type Server struct {
	// Host is the address the server listens on: always 127.0.0.1.
	Host string
	// Port is the TCP port, chosen free at start.
	Port int
	// User is the current user, the account the server logs clients in as.
	User string
	// ClientKeyFile is an unencrypted private key in OpenSSH format that the server accepts
	// for User.
	ClientKeyFile string
	// KnownHostsFile is a known_hosts file that holds HostKey for Host and Port.
	KnownHostsFile string
	// HostKey is the server's Ed25519 host key.
	HostKey ssh.PublicKey
}

// Addr returns the server's address as host:port.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}

// Start runs sshd -D on a free port of 127.0.0.1 until the test ends, and returns once it
// accepts connections. A failed test's log includes the server's own log.
func Start(t testing.TB) *Server {
	t.Helper()
	sshd := findSSHD(t)
	dir := t.TempDir()
	u, err := user.Current()
	require.NoError(t, err, "look up the current user")
	s := &Server{Host: "127.0.0.1", Port: freePort(t), User: u.Username,
		ClientKeyFile:  filepath.Join(dir, "id_ed25519"),
		KnownHostsFile: filepath.Join(dir, "known_hosts")}

	hostKeyFile := filepath.Join(dir, "host_ed25519")
	s.HostKey = NewKey(t, hostKeyFile)
	clientPub := NewKey(t, s.ClientKeyFile)
	authorized := filepath.Join(dir, "authorized_keys")
	require.NoError(t, os.WriteFile(authorized, ssh.MarshalAuthorizedKey(clientPub), 0o600))
	line := knownhosts.Line([]string{s.Addr()}, s.HostKey)
	require.NoError(t, os.WriteFile(s.KnownHostsFile, []byte(line+"\n"), 0o600))

	// StrictModes is off because test directories may be group-writable; UsePAM is off so
	// that a server not started as root can log its own user in.
	config := fmt.Sprintf(`Port %d
ListenAddress %s
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
`, s.Port, s.Host, hostKeyFile, authorized, filepath.Join(dir, "sshd.pid"))
	cfgPath := filepath.Join(dir, "sshd_config")
	require.NoError(t, os.WriteFile(cfgPath, []byte(config), 0o600))
	if os.Geteuid() == 0 {
		// sshd's privilege separation directory, which the system service creates at boot.
		require.NoError(t, os.MkdirAll("/run/sshd", 0o755))
	}

	var log lockedBuffer
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfgPath)
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start(), "start sshd")
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
	require.Eventually(t, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		conn, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	}, 15*time.Second, 50*time.Millisecond, "sshd did not accept connections")
	select {
	case <-exited:
		t.Fatalf("sshd exited:\n%s", log.String())
	default:
	}
	return s
}

// NewKey makes an Ed25519 key pair, writes the private half to path in OpenSSH format and
// returns the public half. Tests use it for keys a server must refuse.
func NewKey(t testing.TB, path string) ssh.PublicKey {
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

// findSSHD returns the OpenSSH server binary, installing it when missing and possible.
func findSSHD(t testing.TB) string {
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
			// The package lists may be stale or absent, as in a fresh container.
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

func freePort(t testing.TB) int {
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
