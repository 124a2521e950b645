package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

func TestExitCode(t *testing.T) {
	cases := []struct {
		name, body string
		want       int
	}{
		{"no exit", "echo hi", 0},
		{"exit 0", "exit 0", 0},
		{"exit on its own line", "echo checking\nexit 3\n", 3},
		{"exit inside a condition", "test -f /etc/x || exit 17", 17},
		{"first exit counts", "exit 2\nexit 4", 2},
		{"a word that ends in exit", "preexit 5", 0},
		{"exit without a number", "exit", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, exitCode(c.body))
		})
	}
}

func TestSimulate(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		req   sdk.ScriptRequest
		lines []string
		exit  int
	}{
		{"echo", sdk.ScriptRequest{Language: "sh", Body: "echo hi"},
			[]string{"sim-00002: running sh script as system", "hi"}, 0},
		{"quoted echoes in user context", sdk.ScriptRequest{Language: "bash",
			Context: sdk.ContextUser, Body: "echo 'one'\n  echo \"two\"\nls"},
			[]string{"sim-00002: running bash script as user", "one", "two"}, 0},
		{"failure", sdk.ScriptRequest{Language: "sh", Body: "exit 9"},
			[]string{"sim-00002: running sh script as system", "script exited with status 9"},
			9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := simulate(c.req, "sim-00002", now)
			var got []string
			for i, l := range r.lines {
				got = append(got, l.Text)
				require.EqualValues(t, i+1, l.Seq)
			}
			require.Equal(t, c.lines, got)
			require.Equal(t, c.exit, r.result.ExitCode)
			require.Equal(t, now, r.result.StartedAt)
			require.False(t, r.result.FinishedAt.Before(r.result.StartedAt))
			if c.exit != 0 {
				require.Equal(t, sdk.StreamStderr, r.lines[len(r.lines)-1].Stream)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, limit: time.Second}
	const ms = time.Millisecond
	ceilings := []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}
	for i, c := range ceilings {
		d := b.next()
		require.GreaterOrEqual(t, d, c/2, "attempt %d", i)
		require.LessOrEqual(t, d, c, "attempt %d", i)
	}
	b.reset()
	require.LessOrEqual(t, b.next(), 100*time.Millisecond)
}

func TestAcknowledgedRunsAreRemembered(t *testing.T) {
	a := &agent{unacked: map[string]*finishedRun{}}
	for i := range 10 {
		id := string(rune('a' + i))
		a.unacked[id] = &finishedRun{}
		a.ack(id)
		require.True(t, a.wasAcked(id))
		require.NotContains(t, a.unacked, id)
	}
	require.False(t, a.wasAcked("a"), "only the latest acknowledgements are kept")
	require.True(t, a.wasAcked("c"))

	a.ack("unknown")
	require.False(t, a.wasAcked("unknown"), "an ack for a run never seen is ignored")
}
