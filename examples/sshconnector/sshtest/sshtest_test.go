package sshtest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/stewardhq/steward/examples/sshconnector/sshtest"
)

// A client that trusts only KnownHostsFile logs in with ClientKeyFile and runs a command.
func TestStartServesTheCurrentUser(t *testing.T) {
	srv := sshtest.Start(t)
	require.Equal(t, "127.0.0.1", srv.Host)
	require.NotZero(t, srv.Port)

	key, err := os.ReadFile(srv.ClientKeyFile)
	require.NoError(t, err)
	signer, err := ssh.ParsePrivateKey(key)
	require.NoError(t, err)
	hostKey, err := knownhosts.New(srv.KnownHostsFile)
	require.NoError(t, err)
	client, err := ssh.Dial("tcp", srv.Addr(), &ssh.ClientConfig{User: srv.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hostKey,
		HostKeyAlgorithms: []string{srv.HostKey.Type()}})
	require.NoError(t, err)
	defer client.Close()
	sess, err := client.NewSession()
	require.NoError(t, err)
	defer sess.Close()
	out, err := sess.Output("id -un")
	require.NoError(t, err)
	require.Equal(t, srv.User, strings.TrimSpace(string(out)))

	// A key the server never saw is refused.
	strangerFile := filepath.Join(t.TempDir(), "stranger")
	sshtest.NewKey(t, strangerFile)
	key, err = os.ReadFile(strangerFile)
	require.NoError(t, err)
	stranger, err := ssh.ParsePrivateKey(key)
	require.NoError(t, err)
	_, err = ssh.Dial("tcp", srv.Addr(), &ssh.ClientConfig{User: srv.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(stranger)}, HostKeyCallback: hostKey,
		HostKeyAlgorithms: []string{srv.HostKey.Type()}})
	require.ErrorContains(t, err, "unable to authenticate")
}
