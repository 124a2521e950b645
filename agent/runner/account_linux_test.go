package runner

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAccountOfAgentItself(t *testing.T) {
	me, err := user.Current()
	require.NoError(t, err)

	a, err := lookupAccount(context.Background(), SignedInUser{Name: me.Username})
	require.NoError(t, err)
	require.Nil(t, a.credential(), "no credential switch when the agent already is the user")

	env := a.environ([]string{"PATH=/opt/bin:/bin", "LANG=de_DE.UTF-8", "SECRET=agent-only"})
	require.Contains(t, env, "HOME="+me.HomeDir)
	require.Contains(t, env, "USER="+me.Username)
	require.Contains(t, env, "LOGNAME="+me.Username)
	require.Contains(t, env, "PATH=/opt/bin:/bin")
	require.Contains(t, env, "LANG=de_DE.UTF-8")
	require.NotContains(t, env, "SECRET=agent-only")
}

func TestAccountOfAnotherUser(t *testing.T) {
	a, err := lookupAccount(context.Background(), SignedInUser{Name: "nobody"})
	if err != nil {
		t.Skip("no nobody account")
	}
	if a.isSelf() {
		t.Skip("running as nobody")
	}

	cred := a.credential()
	require.NotNil(t, cred)
	require.Equal(t, a.uid, cred.Uid)
	require.Equal(t, a.gid, cred.Gid)
	require.Contains(t, a.environ(nil), "PATH="+defaultPath)

	if os.Getuid() != 0 {
		return
	}
	dir := filepath.Join(t.TempDir(), "run")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, securePath(dir, true, a))
	info, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	require.Equal(t, a.uid, info.Sys().(*syscall.Stat_t).Uid)
}

func TestAccountUnknownUser(t *testing.T) {
	_, err := lookupAccount(context.Background(), SignedInUser{Name: "no-such-user-here"})
	require.Error(t, err)
}
