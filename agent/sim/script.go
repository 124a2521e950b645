package sim

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/sdk"
)

// finishedRun is a simulated run's output and result, kept until the hub acknowledges it.
type finishedRun struct {
	lines  []sdk.OutputLine
	result sdk.ScriptResult
}

// run answers a delivered run. A run seen before is not simulated again: an unacknowledged
// one has its stored output and result sent once more, as a real agent resends from its
// spool; an acknowledged one is ignored.
func (s *Sim) run(ctx context.Context, a *agent, ws *websocket.Conn,
	req sdk.ScriptRequest) error {
	if a.wasAcked(req.ID) {
		return nil
	}
	r, seen := a.unacked[req.ID]
	if !seen {
		r = simulate(req, Hostname(a.Index), time.Now().UTC())
		if a.unacked == nil {
			a.unacked = map[string]*finishedRun{}
		}
		a.unacked[req.ID] = r
		s.c.runs.Add(1)
	}
	return s.report(ctx, ws, req.ID, r)
}

// report sends a run's output, then its result.
func (s *Sim) report(ctx context.Context, ws *websocket.Conn, id string, r *finishedRun) error {
	if len(r.lines) > 0 {
		if err := s.write(ctx, ws, wire.TypeOutput, wire.Output{RunID: id,
			Lines: r.lines}); err != nil {
			return fmt.Errorf("send output of run %s: %w", id, err)
		}
	}
	if err := s.write(ctx, ws, wire.TypeResult, wire.Result{RunID: id,
		Result: r.result}); err != nil {
		return fmt.Errorf("send result of run %s: %w", id, err)
	}
	return nil
}

// exitPattern finds the exit status a script asks for.
var exitPattern = regexp.MustCompile(`\bexit\s+(\d{1,3})\b`)

// exitCode is the status of the first `exit N` in body, 0 when there is none.
func exitCode(body string) int {
	m := exitPattern.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// simulate makes up a run: a line naming the computer, what each `echo` would print, and
// on a failing exit status a line on stderr.
func simulate(req sdk.ScriptRequest, host string, now time.Time) *finishedRun {
	code := exitCode(req.Body)
	r := &finishedRun{}
	add := func(stream, text string) {
		r.lines = append(r.lines, sdk.OutputLine{Seq: int64(len(r.lines) + 1),
			Stream: stream, Text: text, Time: now.Add(time.Duration(len(r.lines)) *
				time.Millisecond)})
	}

	add(sdk.StreamStdout, fmt.Sprintf("%s: running %s script as %s", host, req.Language,
		contextName(req.Context)))
	for line := range strings.SplitSeq(req.Body, "\n") {
		if text, ok := strings.CutPrefix(strings.TrimSpace(line), "echo "); ok {
			add(sdk.StreamStdout, strings.Trim(strings.TrimSpace(text), `"'`))
		}
	}
	if code != 0 {
		add(sdk.StreamStderr, fmt.Sprintf("script exited with status %d", code))
	}

	r.result = sdk.ScriptResult{ExitCode: code, StartedAt: now,
		FinishedAt: now.Add(time.Duration(len(r.lines)) * time.Millisecond)}
	return r
}

func contextName(c string) string {
	if c == "" {
		return sdk.ContextSystem
	}
	return c
}
