package scripts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/sdk"
)

// ErrDetached is what a pathway's RunScript returns when it handed the run over but lost
// sight of it, as when an agent disconnects mid-run: the computer may still finish it and
// report later, so the run is offered again rather than failed, and the pathway never runs
// it twice.
var ErrDetached = errors.New("the pathway lost sight of the run; it is offered again")

// ErrCancelRequested is the cause of a run's context when someone cancelled the run, as
// opposed to the hub stopping.
var ErrCancelRequested = errors.New("the run was cancelled")

// Runners finds what runs scripts through a link on this instance: for identify.NativeLink
// the gateway of Steward's own agents, for other links their running connector. Nil means
// the link cannot run scripts here now.
type Runners interface {
	Runner(linkID string) sdk.ScriptRunner
}

// RunnersFunc adapts a function to Runners.
type RunnersFunc func(linkID string) sdk.ScriptRunner

// Runner calls f.
func (f RunnersFunc) Runner(linkID string) sdk.ScriptRunner { return f(linkID) }

// DispatchConfig tunes a Dispatcher. The zero value is a sensible default, but Instance must
// be set.
type DispatchConfig struct {
	Logger *slog.Logger
	// Instance identifies this hub process among the instances sharing a database.
	Instance string
	// PollInterval is how often runs queued through other instances are looked for.
	// Default 1s.
	PollInterval time.Duration
	// RetryAfter is how long a run waits after its pathway said to try again. Default 15s.
	RetryAfter time.Duration
	// Grace is how long past its timeout a run through a link may go without a result
	// before it is given up as lost. Default 2 minutes.
	Grace time.Duration
	// SweepInterval is how often lost runs through links are looked for. Default 30s.
	SweepInterval time.Duration
}

// Dispatcher hands queued runs to their pathways through one interface, sdk.ScriptRunner,
// whether the pathway is Steward's agent or a connector, and stores what comes back.
type Dispatcher struct {
	// FileBase is the hub's address as connectors reach it, e.g. "http://127.0.0.1:8080".
	// The hub's own files have relative addresses, which agents resolve against the hub
	// they are connected to; for a connector they are made absolute with FileBase. Set it
	// before Run.
	FileBase string

	s       *Service
	runners Runners
	cfg     DispatchConfig
	log     *slog.Logger
	kicks   chan struct{}

	mu        sync.Mutex
	flights   map[string]*flight
	notBefore map[string]time.Time
	wg        sync.WaitGroup
}

// flight is one run being carried by its pathway.
type flight struct {
	cancel    context.CancelCauseFunc
	cancelled bool
}

// NewDispatcher returns a dispatcher over s; call Run to start it.
func NewDispatcher(s *Service, runners Runners, cfg DispatchConfig) *Dispatcher {
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = 15 * time.Second
	}
	if cfg.Grace == 0 {
		cfg.Grace = 2 * time.Minute
	}
	if cfg.SweepInterval == 0 {
		cfg.SweepInterval = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{s: s, runners: runners, cfg: cfg, log: cfg.Logger,
		kicks: make(chan struct{}, 1), flights: map[string]*flight{},
		notBefore: map[string]time.Time{}}
	s.OnQueued(d.Kick)
	s.OnCancel(d.Kick)
	return d
}

// Kick makes the dispatcher look for work now.
func (d *Dispatcher) Kick() {
	select {
	case d.kicks <- struct{}{}:
	default:
	}
}

// Run hands runs over until ctx ends, then waits for the runs it carries to return. Runs
// cut short by the end stay dispatched: an agent reports them when it reconnects, and runs
// through links are given up once their time has passed.
func (d *Dispatcher) Run(ctx context.Context) {
	defer d.wg.Wait()
	tick := time.NewTicker(d.cfg.PollInterval)
	defer tick.Stop()
	var lastSweep time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.kicks:
		case <-tick.C:
		}
		d.dispatch(ctx)
		d.passCancels(ctx)
		if time.Since(lastSweep) > d.cfg.SweepInterval {
			lastSweep = time.Now()
			d.sweep(ctx)
			if n, err := d.s.repath(ctx, d.cfg.SweepInterval); err != nil {
				if ctx.Err() == nil {
					d.log.Warn("queued runs not moved", "err", err)
				}
			} else if n > 0 {
				d.log.Info("queued runs moved to an online pathway", "runs", n)
				d.Kick()
			}
		}
	}
}

func (d *Dispatcher) dispatch(ctx context.Context) {
	runs, err := d.s.reachable(ctx, d.cfg.Instance)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("queued runs not loaded", "err", err)
		}
		return
	}
	now := time.Now()
	for _, r := range runs {
		d.mu.Lock()
		_, busy := d.flights[r.ID]
		wait := now.Before(d.notBefore[r.ID])
		d.mu.Unlock()
		if busy || wait {
			continue
		}
		rt, err := d.s.routeOf(ctx, r)
		if err != nil {
			d.log.Warn("run not routed", "run_id", r.ID, "err", err)
			continue
		}
		runner := d.runners.Runner(rt.LinkID)
		if runner == nil {
			continue
		}
		ok, err := d.s.claim(ctx, r.ID, d.s.now().Add(d.lease()))
		if err != nil {
			d.log.Warn("run not claimed", "run_id", r.ID, "err", err)
			continue
		}
		if !ok {
			continue
		}
		r.Status = StatusDispatched
		d.start(ctx, r, rt, runner)
	}
}

// start carries r through runner in the background.
func (d *Dispatcher) start(ctx context.Context, r Run, rt route, runner sdk.ScriptRunner) {
	runCtx, cancel := context.WithCancelCause(ctx)
	stopTimer := func() {}
	if rt.LinkID != identify.NativeLink {
		// A connector is bound by the run's own timeout; Steward's agent enforces that
		// itself and may first finish earlier runs.
		runCtx, stopTimer = context.WithTimeout(runCtx,
			time.Duration(r.TimeoutSeconds)*time.Second+d.cfg.Grace)
	}
	f := &flight{cancel: cancel}
	d.mu.Lock()
	d.flights[r.ID] = f
	delete(d.notBefore, r.ID)
	d.mu.Unlock()

	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() {
			stopTimer()
			cancel(nil)
			d.mu.Lock()
			delete(d.flights, r.ID)
			d.mu.Unlock()
		}()
		d.carry(ctx, runCtx, f, r, rt, runner)
	}()
}

// carry runs r through runner and stores its output and result. ctx is the dispatcher's,
// runCtx the run's own.
func (d *Dispatcher) carry(ctx, runCtx context.Context, f *flight, r Run, rt route,
	runner sdk.ScriptRunner) {
	log := d.log.With("run_id", r.ID, "link", rt.LinkID)
	req, err := d.s.RequestFor(r)
	if err != nil {
		d.fail(ctx, log, r, fmt.Sprintf("the run could not be prepared: %v", err))
		return
	}
	if rt.LinkID != identify.NativeLink {
		req.Files = d.absolute(req.Files)
	}
	secrets, err := d.s.secrets(r)
	if err != nil {
		d.fail(ctx, log, r, fmt.Sprintf("the run could not be prepared: %v", err))
		return
	}
	var wrote bool
	var writeErr error
	res, err := runner.RunScript(runCtx, rt.ExternalID, req, func(l sdk.OutputLine) {
		if writeErr != nil {
			return
		}
		writeErr = d.s.storeLines(ctx, r, secrets, []sdk.OutputLine{l})
		if writeErr == nil && !wrote {
			// Only the first line marks the run started.
			wrote = true
			now := d.s.now()
			r.StartedAt = &now
		}
	})
	if writeErr != nil && ctx.Err() == nil {
		log.Warn("run output not stored", "err", writeErr)
	}

	d.mu.Lock()
	cancelled := f.cancelled
	d.mu.Unlock()
	switch {
	case err == nil:
		if err := d.s.finish(ctx, r.ID, res); err != nil && ctx.Err() == nil {
			log.Warn("run result not stored", "err", err)
		}
		if r.PathwayID != "" {
			// It reached the computer, whatever the last sync said.
			if err := d.s.markOnline(ctx, r.PathwayID); err != nil {
				log.Warn("pathway not marked online", "err", err)
			}
		}
	case ctx.Err() != nil:
		// The hub is stopping; see Run.
	case cancelled:
		d.fail(ctx, log, r, "cancelled")
	case errors.Is(err, ErrDetached):
		log.Info("run offered again", "err", err)
		if err := d.s.requeue(ctx, r.ID, "waiting: the agent went away while it had the "+
			"run; it reports the run when it is back and never runs it twice",
			false); err != nil {
			log.Warn("run not queued again", "err", err)
		}
	case sdk.IsRetryable(err) && !wrote && d.s.now().Before(
		r.CreatedAt.Add(time.Duration(r.TimeoutSeconds)*time.Second)):
		log.Info("pathway unavailable; run waits", "err", err, "retry_in", d.cfg.RetryAfter)
		d.mu.Lock()
		d.notBefore[r.ID] = time.Now().Add(d.cfg.RetryAfter)
		d.mu.Unlock()
		if r.PathwayID != "" {
			// Another pathway may take the run meanwhile; see Service.repath.
			if err := d.s.markOffline(ctx, r.PathwayID); err != nil {
				log.Warn("pathway not marked offline", "err", err)
			}
		}
		if err := d.s.requeue(ctx, r.ID, fmt.Sprintf("waiting: the pathway could not "+
			"take the run (%v); trying again until its timeout", err), true); err != nil {
			log.Warn("run not queued again", "err", err)
		}
	case sdk.IsRetryable(err) && !wrote:
		d.fail(ctx, log, r, fmt.Sprintf("the pathway could not take the run within its "+
			"timeout of %ds: %v", r.TimeoutSeconds, err))
	case !wrote && !sdk.IsPluginFault(err):
		d.fail(ctx, log, r, fmt.Sprintf("the pathway could not run it: %v", err))
	default:
		// Cut off mid-run: the script may have finished, or may still be running, on the
		// computer; running it again could do its work twice.
		d.fail(ctx, log, r, fmt.Sprintf("the link lost the run before it ended, so it may "+
			"have run in part or in full on the computer; it is not run again (%v)", err))
	}
}

// absolute returns files with the hub's own relative addresses made absolute.
func (d *Dispatcher) absolute(files []sdk.FileRef) []sdk.FileRef {
	out := make([]sdk.FileRef, len(files))
	for i, f := range files {
		if strings.HasPrefix(f.URL, "/") {
			f.URL = strings.TrimSuffix(d.FileBase, "/") + f.URL
		}
		out[i] = f
	}
	return out
}

// fail ends a run that did not get a result from its pathway.
func (d *Dispatcher) fail(ctx context.Context, log *slog.Logger, r Run, why string) {
	log.Warn("run failed", "reason", why)
	if err := d.s.finish(ctx, r.ID, sdk.ScriptResult{ExitCode: -1, Error: why}); err != nil &&
		ctx.Err() == nil {
		log.Warn("run failure not stored", "err", err)
	}
}

// passCancels stops the runs carried here whose cancel was asked through any instance.
func (d *Dispatcher) passCancels(ctx context.Context) {
	d.mu.Lock()
	ids := make([]string, 0, len(d.flights))
	for id := range d.flights {
		ids = append(ids, id)
	}
	d.mu.Unlock()
	asked, err := d.s.cancelsAmong(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("cancel requests not loaded", "err", err)
		}
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range asked {
		if f := d.flights[id]; f != nil {
			f.cancelled = true
			f.cancel(ErrCancelRequested)
		}
	}
}

// lease is how long a claim on a run through a link holds without renewal: three sweeps.
func (d *Dispatcher) lease() time.Duration { return 3 * d.cfg.SweepInterval }

// sweep renews the runs carried here and gives up runs through links whose result can no
// longer come.
func (d *Dispatcher) sweep(ctx context.Context) {
	d.mu.Lock()
	following := make([]string, 0, len(d.flights))
	for id := range d.flights {
		following = append(following, id)
	}
	d.mu.Unlock()
	if err := d.s.vouch(ctx, following, d.s.now().Add(d.lease())); err != nil &&
		ctx.Err() == nil {
		d.log.Warn("runs carried here not renewed", "err", err)
	}
	lost, err := d.s.lostThroughLinks(ctx, d.cfg.Grace, following)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("runs through links not checked", "err", err)
		}
		return
	}
	for _, r := range lost {
		why := "no result came back through the link; the hub may have stopped while the " +
			"script ran. It is not run again, since it may have run"
		if r.Status == StatusQueued {
			why = "the link never took the run within its timeout: it was stopped, " +
				"disabled or deleted, or its connector could not reach the computer"
		}
		d.fail(ctx, d.log.With("run_id", r.ID), r, why)
	}
}
