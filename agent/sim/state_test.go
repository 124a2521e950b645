package sim_test

import (
	"context"
	"crypto/ed25519"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/sim"
)

func TestStateRoundTrip(t *testing.T) {
	cfg := sim.Config{Server: "http://127.0.0.1:8080", Agents: 3, Seed: 5}
	path := filepath.Join(t.TempDir(), "fleet.json")

	s, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Load(filepath.Join("testdata", "state.json")))
	ids := s.Identities()
	require.Len(t, ids, 2, "the golden file holds agents 0 and 2")
	require.Equal(t, 2, ids[1].Index)
	require.Len(t, ids[0].Key, ed25519.PrivateKeySize)
	require.NoError(t, s.Save(path))

	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), info.Mode().Perm(), "the file holds private keys")

	again, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, again.Load(path))
	require.Equal(t, ids, again.Identities())
	require.Equal(t, 2, again.Stats().Enrolled)
}

func TestStateBeyondTheFleetSizeIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fleet.json")
	cfg := sim.Config{Server: "http://127.0.0.1:8080", Seed: 5, Agents: 1}
	small, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, small.Load(filepath.Join("testdata", "state.json")))
	require.Len(t, small.Identities(), 1, "only the first agent runs")
	require.NoError(t, small.Save(path))

	cfg.Agents = 3
	big, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, big.Load(path))
	require.Len(t, big.Identities(), 2, "the saved agent 2 survived a smaller run")
}

func TestStateRefusals(t *testing.T) {
	golden := filepath.Join("testdata", "state.json")
	cases := []struct {
		name string
		cfg  sim.Config
		path string
		want error
	}{
		{"missing file", sim.Config{Server: "http://127.0.0.1:8080", Seed: 5},
			filepath.Join(t.TempDir(), "none.json"), fs.ErrNotExist},
		{"another seed", sim.Config{Server: "http://127.0.0.1:8080", Seed: 6}, golden,
			sim.ErrStateMismatch},
		{"another hub", sim.Config{Server: "http://127.0.0.1:9090", Seed: 5}, golden,
			sim.ErrStateMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := sim.New(c.cfg)
			require.NoError(t, err)
			require.ErrorIs(t, s.Load(c.path), c.want)
			require.Empty(t, s.Identities())
		})
	}
}

func TestEnrollWithNothingLeftSendsNothing(t *testing.T) {
	// Nothing listens on the server's port: a request would fail the enrollment.
	s, err := sim.New(sim.Config{Server: "http://127.0.0.1:8080", Seed: 5, Agents: 1})
	require.NoError(t, err)
	require.NoError(t, s.Load(filepath.Join("testdata", "state.json")))
	require.NoError(t, s.Enroll(context.Background(), "stwe_unused"))
}
