package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/agent/runner"
	"github.com/stewardhq/steward/agent/spool"
	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/sdk"
)

// Bounds of one output message when spooled lines are sent again: far below
// wire.MaxMessageBytes even if JSON escaping grows the text sixfold.
const (
	maxBatchLines = 1000
	maxBatchBytes = 1 << 20
)

// pruneEvery is how often acknowledgements also prune old done records.
const pruneEvery = time.Hour

// job is a run the hub has not acknowledged yet: running, or finished with its result
// spooled.
type job struct {
	id string

	mu sync.Mutex
	// run is the spooled output of a running script; nil once it finished.
	run *spool.Run
	// cancel stops the script; nil once it finished.
	cancel context.CancelFunc
	// pending are lines spooled but not yet sent on the current connection.
	pending []sdk.OutputLine
	result  *sdk.ScriptResult
	// syncedGen is the connection that has received all spooled lines (0: none has);
	// resultGen the one that has received the result.
	syncedGen  uint64
	resultGen  uint64
	acked      bool
	spoolError bool
}

// loadUnacknowledged turns the runs an earlier agent spooled into jobs, so their results
// are sent on the first connection. A result that cannot be read is reported as such
// rather than keeping the agent from starting.
func (a *agent) loadUnacknowledged() {
	for _, id := range a.spool.Unacknowledged() {
		res, err := a.spool.Result(id)
		if err != nil {
			a.log.Warn("read spooled result", "run", id, "err", err)
			now := time.Now()
			res = sdk.ScriptResult{ExitCode: -1, StartedAt: now, FinishedAt: now,
				Error: fmt.Sprintf("the agent could not read the run's result: %v", err)}
		}
		if res.Error == spool.StoppedMessage {
			// The previous agent died under this run; what it left running must not go on
			// unobserved, or the hub would start the next change over it.
			if n := runner.EndOrphans(id); n > 0 {
				a.log.Warn("ended processes of an interrupted run", "run", id, "count", n)
			}
		}
		a.jobs[id] = &job{id: id, result: &res}
	}
}

// startRun handles a run request: a known run is sent again from the spool, a new one is
// recorded and then started.
func (a *agent) startRun(ctx context.Context, sess *session, req sdk.ScriptRequest) {
	log := a.log.With("run", req.ID)
	if req.ID == "" {
		log.Debug("skip run without id")
		return
	}

	a.mu.Lock()
	j := a.jobs[req.ID]
	a.mu.Unlock()
	if j != nil {
		log.Debug("run already known; sending its spooled output again")
		j.mu.Lock()
		j.syncedGen, j.resultGen = 0, 0
		j.mu.Unlock()
		kick(a.flushNow)
		return
	}
	if st := a.spool.Status(req.ID); st != spool.Unknown {
		log.Debug("run already acknowledged; not running it again", "status", st)
		return
	}

	r, err := a.spool.Begin(req)
	if err != nil {
		// Running a script that is not recorded could run it twice; report instead.
		log.Error("cannot record the run; not running it", "err", err)
		now := time.Now()
		res := sdk.ScriptResult{ExitCode: -1, StartedAt: now, FinishedAt: now,
			Error: fmt.Sprintf("the agent could not record the run: %v", err)}
		if err := sess.send(ctx, wire.TypeResult, wire.Result{RunID: req.ID,
			Result: res}); err != nil {
			log.Debug("send result", "err", err)
		}
		return
	}

	// The script outlives the connection; serve cancels it when the agent stops.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j = &job{id: req.ID, run: r, cancel: cancel}
	a.mu.Lock()
	a.jobs[req.ID] = j
	a.mu.Unlock()
	log.Debug("run started", "language", req.Language, "context", req.Context)

	a.scripts.Add(1)
	go func() {
		defer a.scripts.Done()
		defer cancel()
		a.execute(runCtx, j, req)
	}()
}

func (a *agent) execute(ctx context.Context, j *job, req sdk.ScriptRequest) {
	res := a.runWithFiles(ctx, j, req)
	if res.Error != "" && a.stopping.Load() {
		// Canceled because the agent is stopping, not because the hub asked.
		res.Error = spool.StoppedMessage
	}

	j.mu.Lock()
	if err := j.run.Finish(res); err != nil {
		a.log.Error("spool result; sending it unspooled", "run", j.id, "err", err)
	}
	j.run, j.cancel = nil, nil
	j.result = &res
	j.mu.Unlock()
	a.log.Debug("run finished", "run", j.id, "exit_code", res.ExitCode, "error", res.Error)
	kick(a.flushNow)
}

// onLine spools a line and queues it for the hub.
func (a *agent) onLine(j *job, l sdk.OutputLine) {
	j.mu.Lock()
	if err := j.run.Append(l); err != nil && !j.spoolError {
		j.spoolError = true
		a.log.Error("spool output", "run", j.id, "err", err)
	}
	j.pending = append(j.pending, l)
	n := len(j.pending)
	j.mu.Unlock()

	switch {
	case n >= a.cfg.BatchLines:
		kick(a.flushNow)
	case n == 1:
		kick(a.flushSoon)
	}
}

func (a *agent) cancel(id string) {
	a.mu.Lock()
	j := a.jobs[id]
	a.mu.Unlock()
	if j == nil {
		a.log.Debug("cancel for a run not running", "run", id)
		return
	}
	j.mu.Lock()
	cancel := j.cancel
	j.mu.Unlock()
	if cancel != nil {
		a.log.Debug("canceling run", "run", id)
		cancel()
	}
}

// cancelAll cancels every running script.
func (a *agent) cancelAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, j := range a.jobs {
		j.mu.Lock()
		if j.cancel != nil {
			j.cancel()
		}
		j.mu.Unlock()
	}
}

// ack forgets a run the hub has stored. Its id stays known to the spool.
func (a *agent) ack(id string) {
	a.mu.Lock()
	j := a.jobs[id]
	a.mu.Unlock()
	if j != nil {
		j.mu.Lock()
		finished := j.result != nil
		j.acked = finished
		j.mu.Unlock()
		if !finished {
			a.log.Debug("ack for a run still running; ignored", "run", id)
			return
		}
	}

	err := a.spool.Ack(id)
	switch {
	case errors.Is(err, spool.ErrUnknownRun):
		a.log.Debug("ack for an unknown run", "run", id)
	case err != nil:
		// The run stays spooled and is sent again after a restart; the hub acks again.
		a.log.Warn("forget acknowledged run", "run", id, "err", err)
	}
	a.mu.Lock()
	delete(a.jobs, id)
	a.mu.Unlock()

	if time.Since(a.lastPrune) > pruneEvery {
		a.lastPrune = time.Now()
		if err := a.spool.Prune(); err != nil {
			a.log.Warn("prune done runs", "err", err)
		}
	}
}

// flusher writes buffered output to the spool and sends what the hub is missing: every
// spooled line and result after a (re)connection or a repeated request, else the lines
// that arrived since the last batch.
func (a *agent) flusher(ctx context.Context) {
	t := time.NewTimer(a.cfg.BatchInterval)
	t.Stop()
	armed := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.flushSoon:
			if !armed {
				t.Reset(a.cfg.BatchInterval)
				armed = true
			}
			continue
		case <-t.C:
			armed = false
		case <-a.flushNow:
		}
		a.flushAll(ctx)
	}
}

func (a *agent) flushAll(ctx context.Context) {
	a.mu.Lock()
	sess := a.sess
	jobs := make([]*job, 0, len(a.jobs))
	for _, j := range a.jobs {
		jobs = append(jobs, j)
	}
	a.mu.Unlock()

	for _, j := range jobs {
		if err := a.flushJob(ctx, sess, j); err != nil {
			a.log.Debug("send output", "run", j.id, "err", err)
			// The connection is gone; the next one gets everything from the spool.
			sess = nil
		}
	}
}

func (a *agent) flushJob(ctx context.Context, sess *session, j *job) error {
	j.mu.Lock()
	if j.acked {
		j.mu.Unlock()
		return nil
	}
	if j.run != nil {
		if err := j.run.Flush(); err != nil && !j.spoolError {
			j.spoolError = true
			a.log.Error("spool output", "run", j.id, "err", err)
		}
	}
	if sess == nil {
		j.pending = nil
		j.mu.Unlock()
		return nil
	}

	lines := j.pending
	if j.syncedGen != sess.gen {
		// Read under the job's lock: a line appended meanwhile could otherwise be in
		// neither the file read nor pending.
		spooled, err := a.spool.Lines(j.id)
		if err != nil {
			a.log.Warn("read spooled output", "run", j.id, "err", err)
		} else {
			lines = spooled
		}
		j.syncedGen, j.resultGen = sess.gen, 0
	}
	j.pending = nil
	var res *sdk.ScriptResult
	if j.result != nil && j.resultGen != sess.gen {
		res = j.result
		j.resultGen = sess.gen
	}
	j.mu.Unlock()

	for _, batch := range batches(lines) {
		if err := sess.send(ctx, wire.TypeOutput,
			wire.Output{RunID: j.id, Lines: batch}); err != nil {
			return err
		}
	}
	if res != nil {
		if err := sess.send(ctx, wire.TypeResult,
			wire.Result{RunID: j.id, Result: *res}); err != nil {
			return err
		}
		a.log.Debug("sent result", "run", j.id)
	}
	return nil
}

// batches splits lines into messages of at most maxBatchLines lines and about
// maxBatchBytes of text.
func batches(lines []sdk.OutputLine) [][]sdk.OutputLine {
	var out [][]sdk.OutputLine
	start, size := 0, 0
	for i, l := range lines {
		if i > start && (i-start >= maxBatchLines || size+len(l.Text) > maxBatchBytes) {
			out = append(out, lines[start:i])
			start, size = i, 0
		}
		size += len(l.Text)
	}
	if start < len(lines) {
		out = append(out, lines[start:])
	}
	return out
}

// runWithFiles downloads the run's files, then runs it with their paths in its variables.
// A file that cannot be had, or does not match its hash, fails the run before it starts.
func (a *agent) runWithFiles(ctx context.Context, j *job, req sdk.ScriptRequest) sdk.ScriptResult {
	if len(req.Files) > 0 {
		dir := filepath.Join(a.cfg.StateDir, "files", safeName(req.ID))
		defer os.RemoveAll(dir)
		start := time.Now()
		paths, err := a.fetchFiles(ctx, dir, req.Files)
		if err != nil {
			now := time.Now()
			return sdk.ScriptResult{ExitCode: -1, Error: err.Error(), StartedAt: start,
				FinishedAt: now}
		}
		params := make(map[string]string, len(req.Params)+len(paths))
		for k, v := range req.Params {
			params[k] = v
		}
		for k, v := range paths {
			params[k] = v
		}
		req.Params = params
	}
	return a.cfg.Runner.Run(ctx, req, func(l sdk.OutputLine) { a.onLine(j, l) })
}

// safeName keeps a run id usable as a folder name.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == '.' {
			return '_'
		}
		return r
	}, id)
}
