package state_test

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/state"
)

func TestSaveAndLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "agent")
	key, err := state.GenerateKey()
	require.NoError(t, err)
	st := state.State{Server: "https://hub.example", AgentID: "a-1", TenantID: "t-1",
		EnrolledAt: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}

	require.NoError(t, state.Save(dir, st, key))

	got, err := state.Load(dir)
	require.NoError(t, err)
	require.Equal(t, st, got.State)
	require.True(t, key.Equal(got.Key))

	msg := []byte("challenge")
	require.True(t, ed25519.Verify(key.Public().(ed25519.PublicKey), msg,
		ed25519.Sign(got.Key, msg)))

	onlyState, err := state.Read(dir)
	require.NoError(t, err)
	require.Equal(t, st, onlyState)
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows guards the folder with an ACL, not mode bits")
	}
	dir := filepath.Join(t.TempDir(), "agent")
	// A folder that exists already with a loose mode is narrowed too.
	require.NoError(t, os.Mkdir(dir, 0o755))
	key, err := state.GenerateKey()
	require.NoError(t, err)

	require.NoError(t, state.Save(dir, state.State{Server: "http://h", AgentID: "a"}, key))

	for name, want := range map[string]os.FileMode{
		".":             0o700 | os.ModeDir,
		state.KeyFile:   0o600,
		state.StateFile: 0o600,
	} {
		t.Run(name, func(t *testing.T) {
			fi, err := os.Stat(filepath.Join(dir, name))
			require.NoError(t, err)
			require.Equal(t, want, fi.Mode())
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name        string
		stateJSON   string
		notEnrolled bool
		wantErr     string
	}{
		{name: "no state file", notEnrolled: true},
		{name: "not JSON", stateJSON: "{", wantErr: "decode"},
		{name: "agent id missing", stateJSON: `{"server":"http://h"}`,
			wantErr: "agent id missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.stateJSON != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, state.StateFile),
					[]byte(tt.stateJSON), 0o600))
			}

			_, err := state.Load(dir)

			require.Error(t, err)
			require.Equal(t, tt.notEnrolled, errors.Is(err, state.ErrNotEnrolled))
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestLoadWithoutKey(t *testing.T) {
	dir := t.TempDir()
	key, err := state.GenerateKey()
	require.NoError(t, err)
	require.NoError(t, state.Save(dir, state.State{Server: "http://h", AgentID: "a"}, key))
	require.NoError(t, os.Remove(filepath.Join(dir, state.KeyFile)))

	_, err = state.Load(dir)

	require.ErrorContains(t, err, "read agent key")
}

func TestWriteFileReplacesAndLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")

	require.NoError(t, state.WriteFile(path, []byte("one"), 0o600))
	require.NoError(t, state.WriteFile(path, []byte("two"), 0o600))

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "two", string(b))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

func TestLockIsExclusive(t *testing.T) {
	dir := t.TempDir()
	first, err := state.Acquire(dir)
	require.NoError(t, err)

	_, err = state.Acquire(dir)
	require.ErrorIs(t, err, state.ErrLocked)

	require.NoError(t, first.Release())
	again, err := state.Acquire(dir)
	require.NoError(t, err)
	require.NoError(t, again.Release())
}

func TestDefaultDirIsAbsolute(t *testing.T) {
	require.True(t, filepath.IsAbs(state.DefaultDir()), state.DefaultDir())
}
