package client

import (
	"crypto/ed25519"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/client/clienttest"
	"github.com/stewardhq/steward/agent/state"
)

func TestEnrollWritesTheState(t *testing.T) {
	hub := clienttest.New(t)
	hub.AddToken("good")
	dir := filepath.Join(t.TempDir(), "state")

	st, err := Enroll(t.Context(), hub.URL+"/", "good", dir,
		EnrollConfig{Version: "1.2.3", Hostname: "pc-1"})

	require.NoError(t, err)
	require.Equal(t, hub.URL, st.Server)
	require.Equal(t, clienttest.TenantID, st.TenantID)
	loaded, err := state.Load(dir)
	require.NoError(t, err)
	require.Equal(t, st, loaded.State)
	agent, ok := hub.Agent(st.AgentID)
	require.True(t, ok)
	require.Equal(t, "pc-1", agent.Hostname)
	require.Equal(t, "1.2.3", agent.Version)
	require.True(t, agent.PublicKey.Equal(loaded.Key.Public().(ed25519.PublicKey)),
		"the hub got the public half of the stored key")
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, state.KeyFile))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
}

func TestEnrollErrors(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		server func(hub *clienttest.Hub) string
		// refused says the hub answered 401; else want is the sentinel error.
		refused bool
		want    error
		wantMsg string
	}{
		{name: "expired token", token: "expired", refused: true,
			wantMsg: "the hub refused: enrollment token expired"},
		{name: "used token", token: "used", refused: true,
			wantMsg: "enrollment token already used"},
		{name: "unknown token", token: "nope", refused: true,
			wantMsg: "unknown enrollment token"},
		{name: "unreachable hub", token: "good", want: ErrUnreachable,
			server: func(*clienttest.Hub) string { return "http://" + closedAddr(t) }},
		{name: "not a URL", token: "good", want: ErrBadServer,
			server: func(*clienttest.Hub) string { return "hub.example:8080" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub := clienttest.New(t)
			hub.AddToken("good")
			hub.AddToken("used")
			_, err := Enroll(t.Context(), hub.URL, "used", t.TempDir(), EnrollConfig{})
			require.NoError(t, err)
			hub.RefuseToken("expired", http.StatusUnauthorized, "unauthorized",
				"enrollment token expired")
			server := hub.URL
			if tt.server != nil {
				server = tt.server(hub)
			}
			dir := filepath.Join(t.TempDir(), "state")

			_, err = Enroll(t.Context(), server, tt.token, dir, EnrollConfig{})

			if tt.refused {
				var he *HubError
				require.ErrorAs(t, err, &he)
				require.Equal(t, http.StatusUnauthorized, he.StatusCode)
				require.Equal(t, "unauthorized", he.Code)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
			require.ErrorContains(t, err, tt.wantMsg)
			require.NoFileExists(t, filepath.Join(dir, state.StateFile),
				"nothing is written unless the hub accepts")
		})
	}
}

func TestEnrollAgain(t *testing.T) {
	hub := clienttest.New(t)
	hub.AddToken("first")
	hub.AddToken("second")
	dir := t.TempDir()
	first, err := Enroll(t.Context(), hub.URL, "first", dir, EnrollConfig{})
	require.NoError(t, err)
	spooled := filepath.Join(dir, SpoolDir, "runs", "x")
	require.NoError(t, os.MkdirAll(spooled, 0o700))

	_, err = Enroll(t.Context(), hub.URL, "second", dir, EnrollConfig{})
	require.ErrorIs(t, err, ErrAlreadyEnrolled)
	require.ErrorContains(t, err, first.AgentID)
	require.ErrorContains(t, err, "--force")

	second, err := Enroll(t.Context(), hub.URL, "second", dir, EnrollConfig{Force: true})
	require.NoError(t, err)
	require.NotEqual(t, first.AgentID, second.AgentID)
	loaded, err := state.Read(dir)
	require.NoError(t, err)
	require.Equal(t, second.AgentID, loaded.AgentID)
	require.NoDirExists(t, spooled, "the old identity's runs are dropped")
}

func TestEnrollRefusesWhileTheAgentRuns(t *testing.T) {
	hub := clienttest.New(t)
	hub.AddToken("t")
	dir := t.TempDir()
	lock, err := state.Acquire(dir)
	require.NoError(t, err)
	defer lock.Release()

	_, err = Enroll(t.Context(), hub.URL, "t", dir, EnrollConfig{Force: true})

	require.ErrorIs(t, err, state.ErrLocked)
	require.ErrorContains(t, err, "stop the agent first")
}

// closedAddr is a local address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
