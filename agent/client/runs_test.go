package client

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/client/clienttest"
	"github.com/stewardhq/steward/agent/spool"
	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/sdk"
)

const (
	runA = "0c6a3a4e-2f57-4c1e-9d7e-5b0b8f1d2a01"
	runB = "0c6a3a4e-2f57-4c1e-9d7e-5b0b8f1d2a02"
)

func TestRunsAScriptEndToEnd(t *testing.T) {
	hub := clienttest.New(t)
	dir, agentID := enrolled(t, hub)
	start(t, testConfig(t, dir))
	waitConnected(t, hub, agentID, 1)

	sendRun(t, hub, agentID, shRun(runA, `echo "hello $WHO"
echo oops >&2
exit 3`, map[string]string{"WHO": "world"}))

	res := waitResults(t, hub, runA, 1)
	require.Equal(t, 3, res[0].ExitCode)
	require.Empty(t, res[0].Error)
	lines := hub.Lines(runA)
	require.Len(t, lines, 2)
	byStream := map[string]string{}
	for _, l := range lines {
		byStream[l.Stream] = l.Text
	}
	require.Equal(t, map[string]string{sdk.StreamStdout: "hello world",
		sdk.StreamStderr: "oops"}, byStream)

	// The hub acknowledged the result: the output is gone, the id is remembered.
	roundTrip(t, hub, agentID)
	require.FileExists(t, filepath.Join(dir, SpoolDir, "done", runA+".json"))
	require.NoDirExists(t, filepath.Join(dir, SpoolDir, "runs", runA))
}

func TestAScriptOutlivesALostConnection(t *testing.T) {
	tests := []struct {
		name string
		// hubDown keeps the hub unreachable until the script has ended, so the result is
		// delivered from the spool.
		hubDown bool
	}{
		{name: "reconnect at once"},
		{name: "hub down until the script ended", hubDown: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub := clienttest.New(t)
			dir, agentID := enrolled(t, hub)
			work := t.TempDir()
			start(t, testConfig(t, dir))
			waitConnected(t, hub, agentID, 1)

			sendRun(t, hub, agentID, shRun(runA, `echo before
echo ran >> "$WORK/count"
sleep 1
echo after
touch "$WORK/ended"
exit 7`, map[string]string{"WORK": work}))
			hub.WaitFor(t, "the first line", func() bool { return len(hub.Lines(runA)) > 0 })
			if tt.hubDown {
				hub.SetDown(true)
			}
			hub.Drop(agentID)
			if tt.hubDown {
				waitForFile(t, hub, filepath.Join(work, "ended"))
				hub.SetDown(false)
			}

			res := waitResults(t, hub, runA, 1)
			require.Equal(t, 7, res[0].ExitCode)
			require.Equal(t, []string{"before", "after"}, hub.Texts(runA))
			require.GreaterOrEqual(t, hub.Welcomes(agentID), 2)
			roundTrip(t, hub, agentID)
			require.Len(t, hub.Results(runA), 1, "the result arrives exactly once")
			require.Equal(t, 1, countLines(t, filepath.Join(work, "count")),
				"the script ran once")
		})
	}
}

// waitForFile waits for a file a script creates, using the hub's rejected attempts as
// the clock: each one is a moment at which the file may have appeared.
func waitForFile(t *testing.T, hub *clienttest.Hub, path string) {
	t.Helper()
	hub.WaitFor(t, path, func() bool {
		_, err := os.Stat(path)
		return err == nil
	})
}

func TestARepeatedRunIsNeverExecutedAgain(t *testing.T) {
	tests := []struct {
		name string
		// repeat sends the same run again at some point of its life; barrier is a run sent
		// afterwards whose result shows that the repeat has been handled.
		repeat      func(t *testing.T, hub *clienttest.Hub, agentID string, req sdk.ScriptRequest)
		autoAck     bool
		wantResults int
	}{
		{
			name:    "while it runs",
			autoAck: true,
			repeat: func(t *testing.T, hub *clienttest.Hub, id string, req sdk.ScriptRequest) {
				hub.WaitFor(t, "the first line", func() bool { return len(hub.Lines(runA)) > 0 })
				sendRun(t, hub, id, req)
			},
			wantResults: 1,
		},
		{
			name:    "after the acknowledgement",
			autoAck: true,
			repeat: func(t *testing.T, hub *clienttest.Hub, id string, req sdk.ScriptRequest) {
				waitResults(t, hub, runA, 1)
				roundTrip(t, hub, id)
				sendRun(t, hub, id, req)
			},
			wantResults: 1,
		},
		{
			name: "finished but not acknowledged: the spooled result is sent again",
			repeat: func(t *testing.T, hub *clienttest.Hub, id string, req sdk.ScriptRequest) {
				waitResults(t, hub, runA, 1)
				sendRun(t, hub, id, req)
				waitResults(t, hub, runA, 2)
			},
			wantResults: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub := clienttest.New(t)
			hub.SetAutoAck(tt.autoAck)
			dir, agentID := enrolled(t, hub)
			work := t.TempDir()
			start(t, testConfig(t, dir))
			waitConnected(t, hub, agentID, 1)
			req := shRun(runA, `echo started
echo ran >> "$WORK/count"
sleep 0.3
echo finished`, map[string]string{"WORK": work})

			sendRun(t, hub, agentID, req)
			tt.repeat(t, hub, agentID, req)
			sendRun(t, hub, agentID, shRun(runB, "echo barrier", nil))
			waitResults(t, hub, runB, 1)
			waitResults(t, hub, runA, 1)
			roundTrip(t, hub, agentID)

			require.Equal(t, 1, countLines(t, filepath.Join(work, "count")))
			require.Len(t, hub.Results(runA), tt.wantResults)
			require.Equal(t, []string{"started", "finished"}, hub.Texts(runA))
		})
	}
}

func TestUnacknowledgedResultsAreSentAfterARestart(t *testing.T) {
	hub := clienttest.New(t)
	hub.SetAutoAck(false)
	dir, agentID := enrolled(t, hub)
	r := start(t, testConfig(t, dir))
	waitConnected(t, hub, agentID, 1)
	sendRun(t, hub, agentID, shRun(runA, "echo one; echo two", nil))
	waitResults(t, hub, runA, 1)
	require.NoError(t, r.stop(t))

	r = start(t, testConfig(t, dir))
	res := waitResults(t, hub, runA, 2)
	require.Equal(t, res[0], res[1])
	require.Equal(t, []string{"one", "two"}, hub.Texts(runA))
	require.NoError(t, hub.Send(t.Context(), agentID, wire.TypeAck, wire.Ack{RunID: runA}))
	roundTrip(t, hub, agentID)
	require.NoError(t, r.stop(t))

	start(t, testConfig(t, dir))
	waitConnected(t, hub, agentID, 3)
	roundTrip(t, hub, agentID)
	require.Len(t, hub.Results(runA), 2, "an acknowledged result is not sent again")
}

func TestCancelStopsTheScript(t *testing.T) {
	hub := clienttest.New(t)
	dir, agentID := enrolled(t, hub)
	start(t, testConfig(t, dir))
	waitConnected(t, hub, agentID, 1)
	sendRun(t, hub, agentID, shRun(runA, "echo started; sleep 60; echo not reached", nil))
	hub.WaitFor(t, "the first line", func() bool { return len(hub.Lines(runA)) > 0 })

	require.NoError(t, hub.Send(t.Context(), agentID, wire.TypeCancel,
		wire.Cancel{RunID: runA}))

	res := waitResults(t, hub, runA, 1)
	require.NotEmpty(t, res[0].Error)
	require.NotEqual(t, spool.StoppedMessage, res[0].Error)
	require.Equal(t, []string{"started"}, hub.Texts(runA))
}

func TestStoppingTheAgentEndsScriptsAndReportsThemStopped(t *testing.T) {
	hub := clienttest.New(t)
	dir, agentID := enrolled(t, hub)
	r := start(t, testConfig(t, dir))
	waitConnected(t, hub, agentID, 1)
	hub.SetAutoAck(false)
	sendRun(t, hub, agentID, shRun(runA, "echo started; sleep 60", nil))
	hub.WaitFor(t, "the first line", func() bool { return len(hub.Lines(runA)) > 0 })

	require.NoError(t, r.stop(t))
	require.Empty(t, hub.Results(runA))

	start(t, testConfig(t, dir))
	res := waitResults(t, hub, runA, 1)
	require.Equal(t, spool.StoppedMessage, res[0].Error)
	require.Equal(t, -1, res[0].ExitCode)
}

func TestBatches(t *testing.T) {
	line := func(n int) sdk.OutputLine { return sdk.OutputLine{Text: string(make([]byte, n))} }
	many := make([]sdk.OutputLine, 2500)
	tests := []struct {
		name  string
		lines []sdk.OutputLine
		want  []int
	}{
		{name: "none", want: nil},
		{name: "by count", lines: many, want: []int{1000, 1000, 500}},
		{name: "by size", lines: []sdk.OutputLine{line(600 << 10), line(600 << 10),
			line(10)}, want: []int{1, 2}},
		{name: "one oversized line alone", lines: []sdk.OutputLine{line(2 << 20)},
			want: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			total := 0
			for _, b := range batches(tt.lines) {
				got = append(got, len(b))
				total += len(b)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, len(tt.lines), total)
		})
	}
}
