package client

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/client/clienttest"
	"github.com/stewardhq/steward/agent/inventory"
	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/agent/wire"
)

func TestConnectsAndReportsTheInventory(t *testing.T) {
	hub := clienttest.New(t)
	dir, agentID := enrolled(t, hub)

	start(t, testConfig(t, dir))

	waitConnected(t, hub, agentID, 1)
	inv := hub.Inventories()[0]
	require.Equal(t, "pc-1", inv.Inventory.Facts.Hostname)
	require.Equal(t, inventory.Fingerprint(inv.Inventory), inv.Fingerprint)
	require.Empty(t, hub.Refusals())
}

func TestAWrongKeyIsRefusedAndRetried(t *testing.T) {
	hub := clienttest.New(t)
	dir, agentID := enrolled(t, hub)
	// The state directory gets another key than the one the hub enrolled.
	other, err := state.GenerateKey()
	require.NoError(t, err)
	st, err := state.Read(dir)
	require.NoError(t, err)
	require.NoError(t, state.Save(dir, st, other))

	r := start(t, testConfig(t, dir))

	hub.WaitFor(t, "two refusals", func() bool { return len(hub.Refusals()) >= 2 })
	require.NoError(t, r.stop(t), "a bad signature is not final")
	for _, code := range hub.Refusals() {
		require.Equal(t, wire.RefusedSignature, code)
	}
	require.Zero(t, hub.Welcomes(agentID))
}

func TestAFinalRefusalStopsTheAgent(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(hub *clienttest.Hub, agentID string)
		whenUp  func(hub *clienttest.Hub, agentID string)
		// elsewhere points the agent at a hub that never enrolled it.
		elsewhere bool
		wantCode  string
	}{
		{
			name:     "revoked before connecting",
			prepare:  func(hub *clienttest.Hub, id string) { hub.Revoke(id) },
			wantCode: wire.RefusedRevoked,
		},
		{
			name:     "revoked while connected",
			whenUp:   func(hub *clienttest.Hub, id string) { hub.Revoke(id) },
			wantCode: wire.RefusedRevoked,
		},
		{
			name:      "unknown to the hub",
			elsewhere: true,
			wantCode:  wire.RefusedUnknown,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub := clienttest.New(t)
			dir, agentID := enrolled(t, hub)
			if tt.elsewhere {
				other := clienttest.New(t)
				st, err := state.Load(dir)
				require.NoError(t, err)
				st.Server = other.URL
				require.NoError(t, state.Save(dir, st.State, st.Key))
			}
			if tt.prepare != nil {
				tt.prepare(hub, agentID)
			}

			r := start(t, testConfig(t, dir))
			if tt.whenUp != nil {
				waitConnected(t, hub, agentID, 1)
				tt.whenUp(hub, agentID)
			}

			err := r.wait(t)
			var refused *RefusedError
			require.ErrorAs(t, err, &refused)
			require.Equal(t, tt.wantCode, refused.Code)
			require.ErrorIs(t, err, ErrRefused)
			require.NotEmpty(t, refused.Reason)
			require.Contains(t, err.Error(), refused.Reason)
		})
	}
}

func TestRunNeedsAnEnrolledUnlockedStateDir(t *testing.T) {
	t.Run("not enrolled", func(t *testing.T) {
		err := New(testConfig(t, t.TempDir())).Run(t.Context())
		require.ErrorIs(t, err, state.ErrNotEnrolled)
	})
	t.Run("another agent runs on it", func(t *testing.T) {
		hub := clienttest.New(t)
		dir, agentID := enrolled(t, hub)
		start(t, testConfig(t, dir))
		waitConnected(t, hub, agentID, 1)

		err := New(testConfig(t, dir)).Run(t.Context())

		require.ErrorIs(t, err, state.ErrLocked)
	})
}

func TestReconnectsAfterTheHubWasDown(t *testing.T) {
	hub := clienttest.New(t)
	dir, agentID := enrolled(t, hub)
	hub.SetDown(true)

	start(t, testConfig(t, dir))
	hub.WaitFor(t, "two rejected attempts", func() bool { return hub.Rejections() >= 2 })
	hub.SetDown(false)

	waitConnected(t, hub, agentID, 1)
}

func TestHeartbeatWhenIdle(t *testing.T) {
	hub := clienttest.New(t)
	dir, agentID := enrolled(t, hub)
	cfg := testConfig(t, dir)
	cfg.HeartbeatInterval = 20 * time.Millisecond

	start(t, cfg)

	hub.WaitFor(t, "heartbeats", func() bool { return hub.Heartbeats() >= 3 })
	require.Equal(t, 1, hub.Welcomes(agentID), "pings kept the connection up")
}

func TestInventoryIsSentWhenItChangesOrIsAskedFor(t *testing.T) {
	hub := clienttest.New(t)
	dir, agentID := enrolled(t, hub)
	cfg := testConfig(t, dir)
	inv := &fakeCollector{inv: hostInventory("pc-1"), calls: make(chan struct{})}
	cfg.Inventory = inv
	cfg.InventoryInterval = 5 * time.Millisecond
	// collected lets the collector run n more times. When the n-th call has begun, every
	// call before it has been compared and, if needed, sent.
	collected := func(n int) {
		for range n {
			select {
			case <-inv.calls:
			case <-time.After(30 * time.Second):
				t.Fatal("the inventory was not collected")
			}
		}
	}

	start(t, cfg)
	collected(1)
	hub.WaitFor(t, "the first inventory", func() bool { return len(hub.Inventories()) == 1 })

	collected(3)
	require.Len(t, hub.Inventories(), 1, "unchanged inventories are not sent")

	inv.set(hostInventory("pc-renamed"))
	collected(1)
	hub.WaitFor(t, "the changed inventory", func() bool { return len(hub.Inventories()) == 2 })
	require.Equal(t, "pc-renamed", hub.Inventories()[1].Inventory.Facts.Hostname)

	require.NoError(t, hub.Send(t.Context(), agentID, wire.TypeInventoryRequest, nil))
	go func() {
		for {
			select {
			case <-inv.calls:
			case <-t.Context().Done():
				return
			}
		}
	}()
	hub.WaitFor(t, "the inventory asked for", func() bool { return len(hub.Inventories()) == 3 })
	require.Equal(t, hub.Inventories()[1].Fingerprint, hub.Inventories()[2].Fingerprint)
}

func TestConnectURL(t *testing.T) {
	tests := []struct {
		server  string
		want    string
		wantErr error
	}{
		{server: "http://127.0.0.1:8080", want: "ws://127.0.0.1:8080" + wire.ConnectPath},
		{server: "https://hub.example/", want: "wss://hub.example" + wire.ConnectPath},
		{server: "https://hub.example/steward/",
			want: "wss://hub.example/steward" + wire.ConnectPath},
		{server: "hub.example", wantErr: ErrBadServer},
		{server: "ftp://hub.example", wantErr: ErrBadServer},
		{server: "https://hub.example/?x=1", wantErr: ErrBadServer},
	}
	for _, tt := range tests {
		t.Run(tt.server, func(t *testing.T) {
			got, err := connectURL(tt.server)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRefusedErrorNamesTheReason(t *testing.T) {
	err := error(&RefusedError{Code: wire.RefusedRevoked, Reason: "laptop stolen"})
	require.Equal(t, "the hub revoked this agent (revoked): laptop stolen", err.Error())
	require.True(t, errors.Is(err, ErrRefused))
	require.True(t, (&RefusedError{Code: wire.RefusedUnknown}).Final())
	require.False(t, (&RefusedError{Code: wire.RefusedSignature}).Final())
}
