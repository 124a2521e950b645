package spool

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

const runID = "7d1f3c2a-9a4e-4c47-8d0e-2b1f6f3f9e10"

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newClock() *clock {
	return &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func open(t *testing.T, dir string, c *clock) *Spool {
	t.Helper()
	s, err := Open(dir, Config{Now: c.now})
	require.NoError(t, err)
	return s
}

func request(id string) sdk.ScriptRequest {
	return sdk.ScriptRequest{ID: id, Language: sdk.LanguageSh, Context: sdk.ContextSystem,
		Body: "echo secret-body", Params: map[string]string{"TOKEN": "secret-param"}}
}

func line(seq int64, text string) sdk.OutputLine {
	return sdk.OutputLine{Seq: seq, Stream: sdk.StreamStdout, Text: text,
		Time: time.Date(2025, 6, 1, 12, 0, int(seq), 0, time.UTC)}
}

func texts(lines []sdk.OutputLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

func TestBeginRecordsBeforeTheScriptStarts(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, newClock())

	_, err := s.Begin(request(runID))
	require.NoError(t, err)

	b, err := os.ReadFile(filepath.Join(dir, "runs", runID, recordFile))
	require.NoError(t, err)
	require.Contains(t, string(b), runID)
	require.NotContains(t, string(b), "secret", "body and params stay off the disk")
	require.Equal(t, Running, s.Status(runID))
	require.Equal(t, []string{runID}, s.Unacknowledged())
}

func TestAKnownRunIsNeverBegunAgain(t *testing.T) {
	tests := []struct {
		name  string
		reach func(t *testing.T, s *Spool, r *Run)
		want  Status
	}{
		{name: "running", reach: func(*testing.T, *Spool, *Run) {}, want: Running},
		{name: "finished, not acknowledged", want: Finished,
			reach: func(t *testing.T, _ *Spool, r *Run) {
				require.NoError(t, r.Finish(sdk.ScriptResult{}))
			}},
		{name: "acknowledged", want: Done, reach: func(t *testing.T, s *Spool, r *Run) {
			require.NoError(t, r.Finish(sdk.ScriptResult{}))
			require.NoError(t, s.Ack(runID))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, newClock())
			r, err := s.Begin(request(runID))
			require.NoError(t, err)
			tt.reach(t, s, r)

			_, err = s.Begin(request(runID))
			require.ErrorIs(t, err, ErrKnown)
			require.Equal(t, tt.want, s.Status(runID))

			require.NoError(t, s.Close())
			reopened := open(t, dir, newClock())
			_, err = reopened.Begin(request(runID))
			require.ErrorIs(t, err, ErrKnown, "after a restart too")
		})
	}
}

func TestOutputAndResultSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, newClock())
	r, err := s.Begin(request(runID))
	require.NoError(t, err)

	require.NoError(t, r.Append(line(1, "one"), line(2, "two")))
	got, err := s.Lines(runID)
	require.NoError(t, err)
	require.Equal(t, []string{"one", "two"}, texts(got), "buffered lines are readable")
	_, err = s.Result(runID)
	require.ErrorIs(t, err, ErrRunning)

	require.NoError(t, r.Append(line(3, "three")))
	res := sdk.ScriptResult{ExitCode: 3, StartedAt: time.Unix(10, 0).UTC(),
		FinishedAt: time.Unix(20, 0).UTC()}
	require.NoError(t, r.Finish(res))
	require.ErrorIs(t, r.Append(line(4, "late")), errClosed)
	require.NoError(t, s.Close())

	s = open(t, dir, newClock())
	require.Equal(t, Finished, s.Status(runID))
	require.Equal(t, []string{runID}, s.Unacknowledged())
	got, err = s.Lines(runID)
	require.NoError(t, err)
	require.Equal(t, []sdk.OutputLine{line(1, "one"), line(2, "two"), line(3, "three")}, got)
	gotRes, err := s.Result(runID)
	require.NoError(t, err)
	require.Equal(t, res, gotRes)
}

func TestAckForgetsOutputButRemembersTheRun(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, newClock())
	r, err := s.Begin(request(runID))
	require.NoError(t, err)
	require.ErrorIs(t, s.Ack(runID), ErrRunning, "no ack before the result")
	require.NoError(t, r.Append(line(1, "one")))
	require.NoError(t, r.Finish(sdk.ScriptResult{}))

	require.NoError(t, s.Ack(runID))

	require.Equal(t, Done, s.Status(runID))
	require.Empty(t, s.Unacknowledged())
	require.NoDirExists(t, filepath.Join(dir, "runs", runID))
	_, err = s.Lines(runID)
	require.ErrorIs(t, err, ErrUnknownRun)
	require.NoError(t, s.Ack(runID), "a repeated ack is harmless")
	require.ErrorIs(t, s.Ack("0000000000-other"), ErrUnknownRun)
}

func TestDoneRecordsArePrunedAfterKeepDone(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		want  Status
	}{
		{name: "six days later", after: 6 * 24 * time.Hour, want: Done},
		{name: "eight days later", after: 8 * 24 * time.Hour, want: Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := newClock()
			s := open(t, dir, c)
			r, err := s.Begin(request(runID))
			require.NoError(t, err)
			require.NoError(t, r.Finish(sdk.ScriptResult{}))
			require.NoError(t, s.Ack(runID))

			c.t = c.t.Add(tt.after)
			require.NoError(t, s.Prune())
			require.Equal(t, tt.want, s.Status(runID))

			require.Equal(t, tt.want, open(t, dir, c).Status(runID), "after a restart")
		})
	}
}

func TestARunCutShortIsReportedAsStoppedAndNeverRerun(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	s := open(t, dir, c)
	r, err := s.Begin(request(runID))
	require.NoError(t, err)
	require.NoError(t, r.Append(line(1, "before the crash")))
	// The agent dies: nothing finishes the run. Close only flushes what Append buffered,
	// as the operating system would have written it anyway.
	require.NoError(t, s.Close())

	c.t = c.t.Add(time.Minute)
	s = open(t, dir, c)

	require.Equal(t, Finished, s.Status(runID))
	res, err := s.Result(runID)
	require.NoError(t, err)
	require.Equal(t, sdk.ScriptResult{ExitCode: -1, Error: StoppedMessage,
		StartedAt: c.t.Add(-time.Minute), FinishedAt: c.t}, res)
	lines, err := s.Lines(runID)
	require.NoError(t, err)
	require.Equal(t, []string{"before the crash"}, texts(lines))
	_, err = s.Begin(request(runID))
	require.ErrorIs(t, err, ErrKnown)
}

func TestOpenRepairsInterruptedWrites(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    Status
	}{
		{
			name: "run folder without a record never started",
			prepare: func(t *testing.T, dir string) {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, "runs", runID), 0o700))
			},
			want: Unknown,
		},
		{
			name: "stopped between the done record and the removal",
			prepare: func(t *testing.T, dir string) {
				s := open(t, dir, newClock())
				r, err := s.Begin(request(runID))
				require.NoError(t, err)
				require.NoError(t, r.Finish(sdk.ScriptResult{}))
				require.NoError(t, writeJSON(filepath.Join(dir, "done", runID+".json"),
					doneRecord{ID: runID, AckedAt: newClock().t}))
			},
			want: Done,
		},
		{
			name: "torn done record",
			prepare: func(t *testing.T, dir string) {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, "done"), 0o700))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "done", runID+".json"),
					[]byte(`{"id":`), 0o600))
			},
			want: Unknown,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.prepare(t, dir)

			s := open(t, dir, newClock())

			require.Equal(t, tt.want, s.Status(runID))
			if tt.want != Finished {
				require.NoDirExists(t, filepath.Join(dir, "runs", runID))
			}
		})
	}
}

func TestReadLinesSkipsTornAndRepeatedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), outputFile)
	content := `{"seq":2,"stream":"stdout","text":"two"}
{"seq":1,"stream":"stdout","text":"one"}
{"seq":2,"stream":"stdout","text":"two again"}
not json
{"seq":3,"stream":"stdout","text":"th`
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))

	lines, err := readLines(path)

	require.NoError(t, err)
	require.Equal(t, []string{"one", "two"}, texts(lines))
}

func TestFileName(t *testing.T) {
	tests := []struct {
		id    string
		plain bool
	}{
		{id: runID, plain: true},
		{id: "run_0000001", plain: true},
		{id: "CON", plain: false},
		{id: "nul", plain: false},
		{id: "7D1F3C2A-9A4E-4C47-8D0E-2B1F6F3F9E10", plain: false},
		{id: "../../etc/passwd", plain: false},
		{id: "a.b.c.d.e.f", plain: false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			name := fileName(tt.id)
			require.Equal(t, tt.plain, name == tt.id)
			require.Equal(t, name, filepath.Base(name))
			require.False(t, seen[name])
			seen[name] = true
		})
	}
}
