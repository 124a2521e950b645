package client

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/client/clienttest"
	"github.com/stewardhq/steward/agent/runner"
	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/sdk"
)

// fakeCollector returns a settable inventory and reports each call on calls, if set.
type fakeCollector struct {
	mu    sync.Mutex
	inv   sdk.Inventory
	calls chan struct{}
}

func (f *fakeCollector) Collect(ctx context.Context) (sdk.Inventory, error) {
	if f.calls != nil {
		select {
		case f.calls <- struct{}{}:
		case <-ctx.Done():
			return sdk.Inventory{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inv, nil
}

func (f *fakeCollector) set(inv sdk.Inventory) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inv = inv
}

func hostInventory(name string) sdk.Inventory {
	return sdk.Inventory{Facts: sdk.IdentityFacts{Hostname: name, OSName: "Debian GNU/Linux"}}
}

// enrolled makes a state directory whose agent the hub knows, and returns it with the id.
func enrolled(t *testing.T, hub *clienttest.Hub) (dir, agentID string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "state")
	key, err := state.GenerateKey()
	require.NoError(t, err)
	agentID = hub.AddAgent(key.Public().(ed25519.PublicKey))
	require.NoError(t, state.Save(dir, state.State{Server: hub.URL, AgentID: agentID,
		TenantID: clienttest.TenantID}, key))
	return dir, agentID
}

func testConfig(t *testing.T, dir string) Config {
	return Config{
		StateDir:      dir,
		Version:       "test",
		Runner:        runner.New(runner.Config{TempDir: t.TempDir(), KillGrace: time.Second}),
		Inventory:     &fakeCollector{inv: hostInventory("pc-1")},
		BatchInterval: 10 * time.Millisecond,
		MinBackoff:    5 * time.Millisecond,
		MaxBackoff:    50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(t.Output(),
			&slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// agentRun is a Client running in the background.
type agentRun struct {
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg Config) *agentRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &agentRun{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- New(cfg).Run(ctx) }()
	t.Cleanup(func() { _ = r.stop(t) })
	return r
}

// stop cancels the client and returns what Run returned.
func (r *agentRun) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	return r.wait(t)
}

func (r *agentRun) wait(t *testing.T) error {
	t.Helper()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
		}
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the client did not stop")
		return nil
	}
}

// roundTrip asks for the inventory and waits for it. The agent handles messages in order,
// so everything sent before has been handled when the inventory arrives.
func roundTrip(t *testing.T, hub *clienttest.Hub, agentID string) {
	t.Helper()
	n := len(hub.Inventories())
	require.NoError(t, hub.Send(t.Context(), agentID, wire.TypeInventoryRequest, nil))
	hub.WaitFor(t, "the inventory asked for", func() bool {
		return len(hub.Inventories()) > n
	})
}

func waitConnected(t *testing.T, hub *clienttest.Hub, agentID string, n int) {
	t.Helper()
	hub.WaitFor(t, "a connection with its inventory", func() bool {
		return hub.Welcomes(agentID) >= n && hub.Connected(agentID) &&
			len(hub.Inventories()) >= n
	})
}

func shRun(id, body string, params map[string]string) sdk.ScriptRequest {
	return sdk.ScriptRequest{ID: id, Language: sdk.LanguageSh, Context: sdk.ContextSystem,
		Body: body, Params: params, Timeout: time.Minute}
}

func sendRun(t *testing.T, hub *clienttest.Hub, agentID string, req sdk.ScriptRequest) {
	t.Helper()
	require.NoError(t, hub.Send(t.Context(), agentID, wire.TypeRun, wire.Run{Request: req}))
}

func waitResults(t *testing.T, hub *clienttest.Hub, runID string, n int) []sdk.ScriptResult {
	t.Helper()
	hub.WaitFor(t, "the result of "+runID, func() bool {
		return len(hub.Results(runID)) >= n
	})
	return hub.Results(runID)
}

// countLines counts the lines of a file scripts append to; a missing file counts 0.
func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(b), "\n")
}
