package gateway_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

// TestNativeAgentIsAConnector drives Steward's own agent through the SDK's interfaces, as
// the hub drives connectors.
func TestNativeAgentIsAConnector(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := access.WithPrincipal(context.Background(), access.System())
		msp := mspTenant(t, h)
		a, _, body := enroll(t, h, enrollmentToken(t, h, msp.ID, map[string]any{}))
		require.NotEmpty(t, a.id, body)
		require.Equal(t, wire.TypeWelcome, a.connect(t, h).Type)
		n := h.Gateway.Native()

		desc, err := n.Describe(ctx)
		require.NoError(t, err)
		require.ElementsMatch(t, desc.Capabilities, sdk.Implemented(n),
			"it declares what it implements")

		var agents []sdk.Agent
		require.Eventually(t, func() bool {
			agents, err = n.Agents(ctx)
			return err == nil && len(agents) == 1 && agents[0].Online
		}, 10*time.Second, 50*time.Millisecond)
		require.Equal(t, sdk.Agent{ID: a.id, ClientID: msp.ID, Name: "pc-1", Online: true,
			LastSeen: agents[0].LastSeen}, agents[0])

		t.Run("a run streams its output and ends with its result", func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			type answer struct {
				res sdk.ScriptResult
				err error
			}
			done := make(chan answer, 1)
			go func() {
				res, err := n.RunScript(ctx, a.id, sdk.ScriptRequest{ID: "direct-1",
					Language: sdk.LanguageSh, Body: "echo hi"}, func(l sdk.OutputLine) {
					mu.Lock()
					got = append(got, l.Text)
					mu.Unlock()
				})
				done <- answer{res, err}
			}()
			var run wire.Run
			require.NoError(t, a.readType(t, wire.TypeRun).Decode(&run))
			require.Equal(t, "direct-1", run.Request.ID)
			a.send(t, wire.TypeOutput, wire.Output{RunID: "direct-1",
				Lines: []sdk.OutputLine{{Seq: 1, Text: "hi"}, {Seq: 2, Text: "there"}}})
			a.send(t, wire.TypeResult, wire.Result{RunID: "direct-1",
				Result: sdk.ScriptResult{ExitCode: 7}})
			ans := <-done
			require.NoError(t, ans.err)
			require.Equal(t, 7, ans.res.ExitCode)
			mu.Lock()
			require.Equal(t, []string{"hi", "there"}, got)
			mu.Unlock()
		})

		t.Run("a cancel reaches the agent; a hub stop does not", func(t *testing.T) {
			runCtx, cancel := context.WithCancelCause(ctx)
			done := make(chan error, 1)
			go func() {
				_, err := n.RunScript(runCtx, a.id, sdk.ScriptRequest{ID: "direct-2",
					Language: sdk.LanguageSh, Body: "sleep 60"}, func(sdk.OutputLine) {})
				done <- err
			}()
			a.readType(t, wire.TypeRun)
			cancel(scripts.ErrCancelRequested)
			var c wire.Cancel
			require.NoError(t, a.readType(t, wire.TypeCancel).Decode(&c))
			require.Equal(t, "direct-2", c.RunID)
			a.send(t, wire.TypeResult, wire.Result{RunID: "direct-2",
				Result: sdk.ScriptResult{ExitCode: -1, Error: "cancelled"}})
			require.NoError(t, <-done)

			stopCtx, stop := context.WithCancel(ctx)
			go func() {
				_, err := n.RunScript(stopCtx, a.id, sdk.ScriptRequest{ID: "direct-3",
					Language: sdk.LanguageSh, Body: "sleep 60"}, func(sdk.OutputLine) {})
				done <- err
			}()
			a.readType(t, wire.TypeRun)
			stop()
			err := <-done
			require.True(t, errors.Is(err, scripts.ErrDetached), "%v", err)
		})

		t.Run("an agent that goes away detaches its runs", func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := n.RunScript(ctx, a.id, sdk.ScriptRequest{ID: "direct-4",
					Language: sdk.LanguageSh, Body: "sleep 60"}, func(sdk.OutputLine) {})
				done <- err
			}()
			a.readType(t, wire.TypeRun)
			a.ws.CloseNow()
			require.ErrorIs(t, <-done, scripts.ErrDetached)

			_, err := n.RunScript(ctx, a.id, sdk.ScriptRequest{ID: "direct-5"},
				func(sdk.OutputLine) {})
			require.True(t, sdk.IsRetryable(err), "not connected: try again later: %v", err)
		})
	})
}
