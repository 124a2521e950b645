package runner

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

type boundedCase struct {
	name    string
	limit   int64
	lines   []string
	live    []string // delivered before finish
	final   []string // everything delivered, in order
	dropped int64
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

func TestBoundedOutput(t *testing.T) {
	tests := []boundedCase{
		{
			name:  "everything fits",
			limit: 100,
			lines: []string{"a", "b", "c"},
			live:  []string{"a", "b", "c"},
			final: []string{"a", "b", "c"},
		},
		{
			// 20 lines of 4 bytes: the head takes 5, the tail the last 5, 10 are left out.
			name:  "head and tail kept",
			limit: 40,
			lines: numbered("l", 0, 19),
			live:  numbered("l", 0, 4),
			final: append(append(numbered("l", 0, 4), droppedMarker(40)),
				numbered("l", 15, 19)...),
			dropped: 40,
		},
		{
			name:  "tail uses what the head left",
			limit: 10,
			lines: []string{"abc", "defgh"},
			live:  []string{"abc"},
			final: []string{"abc", "defgh"},
		},
		{
			name:    "line larger than the tail is left out",
			limit:   10,
			lines:   []string{"a", "0123456789", "z"},
			live:    []string{"a"},
			final:   []string{"a", droppedMarker(11), "z"},
			dropped: 11,
		},
		{
			name:    "oversized last line leaves the tail empty",
			limit:   10,
			lines:   []string{"a", "b", "c", "0123456789"},
			live:    []string{"a", "b"},
			final:   []string{"a", "b", droppedMarker(13)},
			dropped: 13,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []sdk.OutputLine
			b := newBoundedOutput(tt.limit, func(l sdk.OutputLine) { got = append(got, l) })
			for _, l := range tt.lines {
				b.add(sdk.StreamStdout, l, time.Now())
			}
			require.Equal(t, tt.live, texts(got))

			require.Equal(t, tt.dropped, b.finish())
			require.Equal(t, tt.final, texts(got))
			for i, l := range got {
				require.Equal(t, int64(i+1), l.Seq)
			}
		})
	}
}

func TestBoundedOutputKeepsStreamsAndTimes(t *testing.T) {
	var got []sdk.OutputLine
	b := newBoundedOutput(8, func(l sdk.OutputLine) { got = append(got, l) })
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

	b.add(sdk.StreamStdout, "aaa", t0)                    // head
	b.add(sdk.StreamStderr, "bbb", t0.Add(time.Second))   // left out
	b.add(sdk.StreamStdout, "ccc", t0.Add(2*time.Second)) // left out
	b.add(sdk.StreamStderr, "ddd", t0.Add(3*time.Second)) // tail
	require.Equal(t, int64(8), b.finish())
	b.add(sdk.StreamStdout, "late", t0.Add(4*time.Second)) // after finish

	require.Equal(t, []string{"aaa", droppedMarker(8), "ddd"}, texts(got))
	require.Equal(t, sdk.StreamStderr, got[1].Stream)
	require.Equal(t, t0.Add(2*time.Second), got[1].Time, "marker dated at the last left-out line")
	require.Equal(t, sdk.StreamStderr, got[2].Stream)
	require.Equal(t, t0.Add(3*time.Second), got[2].Time)
}

func texts(lines []sdk.OutputLine) []string {
	out := []string{}
	for _, l := range lines {
		out = append(out, l.Text)
	}
	return out
}
