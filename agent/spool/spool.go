package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/sdk"
)

// StoppedMessage is the Error of a run the agent found unfinished when it started.
const StoppedMessage = "the agent stopped while the script ran"

// DefaultKeepDone is how long a done record is kept: well beyond any reconnect after which
// the hub could still repeat a request.
const DefaultKeepDone = 7 * 24 * time.Hour

// Errors callers branch on.
var (
	// ErrKnown: Begin was asked for a run the spool already knows.
	ErrKnown = errors.New("run already known")
	// ErrUnknownRun: the spool holds nothing for this run id.
	ErrUnknownRun = errors.New("unknown run")
	// ErrRunning: the run has no result yet.
	ErrRunning = errors.New("run still running")
)

// Status is where a run stands in the spool.
type Status int

// Statuses, in the order a run goes through them.
const (
	// Unknown: never seen, or done so long ago that its record was pruned.
	Unknown Status = iota
	// Running: recorded, no result yet.
	Running
	// Finished: the result is spooled and not yet acknowledged.
	Finished
	// Done: acknowledged; only the id is remembered.
	Done
)

func (s Status) String() string {
	switch s {
	case Running:
		return "running"
	case Finished:
		return "finished"
	case Done:
		return "done"
	default:
		return "unknown"
	}
}

// Config tunes a Spool. The zero value is a useful default.
type Config struct {
	// KeepDone is how long done records are kept; 0 means DefaultKeepDone.
	KeepDone time.Duration
	// Now tells the time; nil means time.Now. Tests move it to age done records.
	Now func() time.Time
}

// Spool is the on-disk record of runs. It is safe for concurrent use. Only one process may
// use a spool folder at a time (see state.Acquire).
type Spool struct {
	dir      string
	keepDone time.Duration
	now      func() time.Time

	mu     sync.Mutex
	status map[string]Status
	doneAt map[string]time.Time
	active map[string]*Run
}

// Open opens the spool in dir, creating it if needed, finishes the runs an earlier agent
// left without a result, and prunes old done records.
func Open(dir string, cfg Config) (*Spool, error) {
	s := &Spool{
		dir:      dir,
		keepDone: cfg.KeepDone,
		now:      cfg.Now,
		status:   map[string]Status{},
		doneAt:   map[string]time.Time{},
		active:   map[string]*Run{},
	}
	if s.keepDone <= 0 {
		s.keepDone = DefaultKeepDone
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, d := range []string{dir, s.runsDir(), s.doneDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create spool: %w", err)
		}
	}

	if err := s.loadDone(); err != nil {
		return nil, err
	}
	if err := s.loadRuns(); err != nil {
		return nil, err
	}
	if err := s.Prune(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Spool) runsDir() string { return filepath.Join(s.dir, "runs") }
func (s *Spool) doneDir() string { return filepath.Join(s.dir, "done") }

func (s *Spool) runDir(id string) string {
	return filepath.Join(s.runsDir(), fileName(id))
}

func (s *Spool) donePath(id string) string {
	return filepath.Join(s.doneDir(), fileName(id)+".json")
}

func (s *Spool) loadDone() error {
	entries, err := os.ReadDir(s.doneDir())
	if err != nil {
		return fmt.Errorf("read done records: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(s.doneDir(), e.Name())
		var rec doneRecord
		if !strings.HasSuffix(e.Name(), ".json") || readJSON(path, &rec) != nil ||
			rec.ID == "" {
			// Leftovers of an interrupted write; a real record is never torn.
			_ = os.Remove(path)
			continue
		}
		s.status[rec.ID] = Done
		s.doneAt[rec.ID] = rec.AckedAt
	}
	return nil
}

func (s *Spool) loadRuns() error {
	entries, err := os.ReadDir(s.runsDir())
	if err != nil {
		return fmt.Errorf("read spooled runs: %w", err)
	}
	for _, e := range entries {
		dir := filepath.Join(s.runsDir(), e.Name())
		var rec runRecord
		if err := readJSON(filepath.Join(dir, recordFile), &rec); err != nil || rec.ID == "" {
			// Begin writes the record before the script starts, so a folder without one
			// belongs to a run that never started.
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("remove unrecorded run %s: %w", e.Name(), err)
			}
			continue
		}
		if s.status[rec.ID] == Done {
			// The agent stopped between writing the done record and removing the run.
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("remove acknowledged run %s: %w", rec.ID, err)
			}
			continue
		}

		_, err := os.Stat(filepath.Join(dir, resultFile))
		switch {
		case err == nil:
		case errors.Is(err, fs.ErrNotExist):
			res := sdk.ScriptResult{ExitCode: -1, Error: StoppedMessage,
				StartedAt: rec.ReceivedAt, FinishedAt: s.now()}
			if err := writeJSON(filepath.Join(dir, resultFile), res); err != nil {
				return fmt.Errorf("finish interrupted run %s: %w", rec.ID, err)
			}
		default:
			return fmt.Errorf("read run %s: %w", rec.ID, err)
		}
		s.status[rec.ID] = Finished
	}
	return nil
}

// Status reports where run id stands.
func (s *Spool) Status(id string) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status[id]
}

// Unacknowledged lists the runs whose results the hub has not acknowledged, running or
// finished, sorted by id.
func (s *Spool) Unacknowledged() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, st := range s.status {
		if st == Running || st == Finished {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Begin records req durably and returns the run to append its output to. The caller starts
// the script only after Begin succeeded; it returns ErrKnown for a run id it knows.
func (s *Spool) Begin(req sdk.ScriptRequest) (*Run, error) {
	if req.ID == "" {
		return nil, errors.New("begin run: empty run id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.status[req.ID]; st != Unknown {
		return nil, fmt.Errorf("begin run %s: %w (%s)", req.ID, ErrKnown, st)
	}

	dir := s.runDir(req.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("begin run %s: %w", req.ID, err)
	}
	// The body and parameters are left out: they may hold secrets and the hub keeps them.
	rec := runRecord{ID: req.ID, ReceivedAt: s.now(), Language: req.Language,
		Context: req.Context}
	if err := writeJSON(filepath.Join(dir, recordFile), rec); err != nil {
		return nil, fmt.Errorf("begin run %s: %w", req.ID, err)
	}
	// The run's folder entry must be as durable as the record inside it.
	if err := state.SyncDir(s.runsDir()); err != nil {
		return nil, fmt.Errorf("begin run %s: %w", req.ID, err)
	}

	r, err := openRun(s, req.ID, dir)
	if err != nil {
		return nil, fmt.Errorf("begin run %s: %w", req.ID, err)
	}
	s.status[req.ID] = Running
	s.active[req.ID] = r
	return r, nil
}

// finished is called by Run.Finish once the result is on disk (ok) or could not be written.
func (s *Spool) finished(id string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.active, id)
	if ok {
		s.status[id] = Finished
	}
}

// Lines returns the spooled output of run id, ordered by sequence number, one line per
// number. For a running run it includes every line appended so far.
func (s *Spool) Lines(id string) ([]sdk.OutputLine, error) {
	s.mu.Lock()
	st, r := s.status[id], s.active[id]
	s.mu.Unlock()
	if st != Running && st != Finished {
		return nil, fmt.Errorf("read output of %s: %w", id, ErrUnknownRun)
	}
	if r != nil {
		if err := r.Flush(); err != nil {
			return nil, err
		}
	}
	return readLines(filepath.Join(s.runDir(id), outputFile))
}

// Result returns the spooled result of run id: ErrRunning when there is none yet.
func (s *Spool) Result(id string) (sdk.ScriptResult, error) {
	switch s.Status(id) {
	case Finished:
	case Running:
		return sdk.ScriptResult{}, fmt.Errorf("read result of %s: %w", id, ErrRunning)
	default:
		return sdk.ScriptResult{}, fmt.Errorf("read result of %s: %w", id, ErrUnknownRun)
	}
	var res sdk.ScriptResult
	if err := readJSON(filepath.Join(s.runDir(id), resultFile), &res); err != nil {
		return sdk.ScriptResult{}, fmt.Errorf("read result of %s: %w", id, err)
	}
	return res, nil
}

// Ack forgets the output and result of run id and remembers its id as done. Acknowledging
// a done run again does nothing; a run whose script is still running cannot be
// acknowledged (ErrRunning).
func (s *Spool) Ack(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.status[id] {
	case Done:
		return nil
	case Unknown:
		return fmt.Errorf("acknowledge %s: %w", id, ErrUnknownRun)
	}
	if s.active[id] != nil {
		return fmt.Errorf("acknowledge %s: %w", id, ErrRunning)
	}

	now := s.now()
	// The done record goes first: if the agent stops before the output is removed, Open
	// finds both and completes the removal; the other order could forget the run.
	if err := writeJSON(s.donePath(id), doneRecord{ID: id, AckedAt: now}); err != nil {
		return fmt.Errorf("acknowledge %s: %w", id, err)
	}
	s.status[id] = Done
	s.doneAt[id] = now
	if err := os.RemoveAll(s.runDir(id)); err != nil {
		return fmt.Errorf("remove acknowledged run %s: %w", id, err)
	}
	return nil
}

// Prune removes done records older than Config.KeepDone.
func (s *Spool) Prune() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.now().Add(-s.keepDone)
	for id, at := range s.doneAt {
		if !at.Before(cutoff) {
			continue
		}
		if err := os.Remove(s.donePath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("prune done record %s: %w", id, err)
		}
		delete(s.doneAt, id)
		delete(s.status, id)
	}
	return nil
}

// Close flushes and closes the output of runs still open. Their scripts were cut short;
// the next Open reports them as stopped.
func (s *Spool) Close() error {
	s.mu.Lock()
	runs := make([]*Run, 0, len(s.active))
	for _, r := range s.active {
		runs = append(runs, r)
	}
	s.active = map[string]*Run{}
	s.mu.Unlock()

	var errs []error
	for _, r := range runs {
		errs = append(errs, r.close())
	}
	return errors.Join(errs...)
}
