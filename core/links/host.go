package links

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/secrets"
	"github.com/stewardhq/steward/sdk"
)

// exitPoll is how often the host looks whether a connector process has ended; the SDK
// offers no exit notification.
const exitPoll = 200 * time.Millisecond

// host runs one connector process per enabled link.
type host struct {
	db           *bun.DB
	box          *secrets.Box
	log          *slog.Logger
	startTimeout time.Duration
	minBackoff   time.Duration
	maxBackoff   time.Duration

	mu      sync.Mutex
	started bool
	stopped bool
	runs    map[string]*run
}

// run is the supervision of one link's connector.
type run struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	plugin *sdk.Plugin
}

func (r *run) set(p *sdk.Plugin) {
	r.mu.Lock()
	r.plugin = p
	r.mu.Unlock()
}

// start launches the connector of every enabled link.
//
// TODO(cluster): every instance sharing the database runs every enabled link. Script runs
// are claimed by one instance and syncs run once as jobs, so nothing is done twice, but a
// connector that must hold one session to its system (a webhook receiver, a rate-limited
// API) needs a lease per link, as sessions have, and syncs routed to its holder.
func (h *host) start(ctx context.Context) error {
	var enabled []Link
	if err := h.db.NewSelect().Model(&enabled).Where("enabled").Scan(ctx); err != nil {
		return fmt.Errorf("load enabled links: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return nil
	}
	h.started = true
	for _, l := range enabled {
		h.launch(l)
	}
	return nil
}

// stop ends every connector and waits for the processes to exit. Later reloads do nothing.
func (h *host) stop() {
	h.mu.Lock()
	h.stopped = true
	runs := h.runs
	h.runs = map[string]*run{}
	h.mu.Unlock()
	for _, r := range runs {
		r.cancel()
	}
	for _, r := range runs {
		<-r.done
	}
}

// reload stops the link's connector, if one runs, and starts it again if the link exists
// and is enabled.
func (h *host) reload(ctx context.Context, id string) error {
	h.mu.Lock()
	old := h.runs[id]
	delete(h.runs, id)
	h.mu.Unlock()
	if old != nil {
		old.cancel()
		<-old.done
	}

	l, err := load(ctx, h.db, id)
	if errors.Is(err, errs.ErrNotFound) {
		return nil
	}
	if err != nil || !l.Enabled {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started && !h.stopped && h.runs[id] == nil {
		// Written before the start, so that a caller who waits for "running" does not see
		// the status of the process just stopped.
		h.setStatus(ctx, id, StatusStarting, "")
		h.launch(l)
	}
	return nil
}

// plugin returns the link's connector while it runs, else nil.
func (h *host) plugin(id string) *sdk.Plugin {
	h.mu.Lock()
	r := h.runs[id]
	h.mu.Unlock()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.plugin == nil || r.plugin.Exited() {
		return nil
	}
	return r.plugin
}

// awaitRestart waits until the link's connector runs again in a process other than old.
func (h *host) awaitRestart(ctx context.Context, id string, old *sdk.Plugin,
	limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(exitPoll / 2)
	defer t.Stop()
	for {
		if p := h.plugin(id); p != nil && p != old {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("connector of link %s did not come back within %s: %w", id,
				limit, errs.ErrConflict)
		case <-t.C:
		}
	}
}

// launch starts supervising l; h.mu is held.
func (h *host) launch(l Link) {
	// The supervision outlives the request that enabled the link; stop and reload end it.
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{cancel: cancel, done: make(chan struct{})}
	h.runs[l.ID] = r
	go h.supervise(ctx, r, l)
}

// supervise keeps l's connector running until ctx ends, restarting it with a delay that
// doubles after each failure.
func (h *host) supervise(ctx context.Context, r *run, l Link) {
	defer close(r.done)
	log := h.log.With("link", l.Name)
	backoff := h.minBackoff
	for {
		h.setStatus(ctx, l.ID, StatusStarting, "")
		started := time.Now()
		p, err := h.open(ctx, l, log)
		var reason string
		switch {
		case ctx.Err() != nil:
			if p != nil {
				p.Kill()
			}
			return
		case errors.Is(err, sdk.ErrChecksum):
			h.refuse(ctx, l, log)
			return
		case err != nil:
			log.Warn("connector did not start", "err", err, "retry_in", backoff)
			h.setStatus(ctx, l.ID, StatusFailed,
				fmt.Sprintf("%s; trying again in %s", err, backoff))
		default:
			r.set(p)
			h.setCapabilities(ctx, l.ID, p.Description().Capabilities)
			h.setStatus(ctx, l.ID, StatusRunning, "")
			log.Info("connector running", "sha256", l.BinarySHA256)
			h.wait(ctx, p)
			r.set(nil)
			// Kill also reaps an exited process and closes its connections.
			p.Kill()
			if ctx.Err() != nil {
				return
			}
			if time.Since(started) > h.maxBackoff {
				backoff = h.minBackoff
			}
			reason = "the connector exited unexpectedly"
			if tail := p.Stderr(); tail != "" {
				reason += "; its stderr ends with: " + lastLine(tail)
			}
			log.Warn("connector exited", "reason", reason, "restart_in", backoff)
			h.setStatus(ctx, l.ID, StatusRestarting,
				fmt.Sprintf("%s; restarting in %s", reason, backoff))
		}

		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, h.maxBackoff)
	}
}

// open starts l's pinned executable and configures it.
func (h *host) open(ctx context.Context, l Link, log *slog.Logger) (*sdk.Plugin, error) {
	cfg, err := plainConfig(h.box, l)
	if err != nil {
		return nil, err
	}
	startCtx, cancel := context.WithTimeout(ctx, h.startTimeout)
	defer cancel()
	// Stop kills connectors on every orderly exit; childAttr makes the kernel kill them
	// when the hub itself is killed.
	p, err := sdk.Open(startCtx, l.BinaryPath, sdk.OpenConfig{SHA256: l.BinarySHA256,
		StartTimeout: h.startTimeout, Logger: newPluginLogger(log),
		SysProcAttr: childAttr()})
	if err != nil {
		return nil, err
	}
	if err := p.Configure(startCtx, cfg); err != nil {
		p.Kill()
		return nil, fmt.Errorf("configure connector: %w", err)
	}
	return p, nil
}

// wait returns when p's process has exited or ctx has ended.
func (h *host) wait(ctx context.Context, p *sdk.Plugin) {
	t := time.NewTicker(exitPoll)
	defer t.Stop()
	for !p.Exited() {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refuse disables a link whose executable no longer matches the pinned hash.
func (h *host) refuse(ctx context.Context, l Link, log *slog.Logger) {
	actual, err := fileSHA256(l.BinaryPath)
	if err != nil {
		actual = "unreadable (" + err.Error() + ")"
	}
	reason := fmt.Sprintf("the connector executable %s has SHA-256 %s, but the link "+
		"pinned %s; the link was disabled so the changed file does not run with its "+
		"credentials. Check the file, then accept it with `steward links pin %s`",
		l.BinaryPath, actual, l.BinarySHA256, l.ID)
	log.Error("connector executable changed; link disabled", "path", l.BinaryPath,
		"pinned_sha256", l.BinarySHA256, "actual_sha256", actual)

	ctx = access.WithPrincipal(ctx, access.System())
	err = h.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		before, err := load(ctx, tx, l.ID)
		if err != nil {
			return err
		}
		after := before
		after.Enabled, after.Status, after.StatusReason = false, StatusBinaryChanged, reason
		after.UpdatedAt = time.Now().UTC()
		if _, err := tx.NewUpdate().Model(&after).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("disable link %s: %w", l.Name, err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "disable", ObjectType: "link",
			ObjectID: l.ID, Before: before.view(), After: after.view()})
	})
	if err != nil && ctx.Err() == nil {
		log.Error("record changed connector executable", "err", err)
	}
}

// setStatus records the link's status while it is enabled: a disabled link keeps the
// status its disabling wrote, even when this supervision ends a moment later.
func (h *host) setStatus(ctx context.Context, id, status, reason string) {
	_, err := h.db.NewUpdate().Table("links").Set("status = ?", status).
		Set("status_reason = ?", reason).Where("id = ?", id).Where("enabled").Exec(ctx)
	if err != nil && ctx.Err() == nil {
		h.log.Error("record link status", "link_id", id, "status", status, "err", err)
	}
}

// setCapabilities records what the started connector declared, so the hub picks pathways
// by what the running version can do.
func (h *host) setCapabilities(ctx context.Context, id string, caps []sdk.Capability) {
	if caps == nil {
		caps = []sdk.Capability{}
	}
	_, err := h.db.NewUpdate().Model((*Link)(nil)).Set("capabilities = ?", caps).
		Where("id = ?", id).Exec(ctx)
	if err != nil && ctx.Err() == nil {
		h.log.Error("record link capabilities", "link_id", id, "err", err)
	}
}

// lastLine is the last line of s.
func lastLine(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}

// newPluginLogger returns an hclog logger that passes a connector's log lines, and the
// plugin library's own, to log.
func newPluginLogger(log *slog.Logger) hclog.Logger {
	level := hclog.Info
	if log.Enabled(context.Background(), slog.LevelDebug) {
		level = hclog.Debug
	}
	l := hclog.NewInterceptLogger(&hclog.LoggerOptions{Name: "connector", Output: io.Discard,
		Level: level})
	l.RegisterSink(slogSink{log: log})
	return l
}

// slogSink re-emits hclog entries through slog.
type slogSink struct{ log *slog.Logger }

func (s slogSink) Accept(_ string, level hclog.Level, msg string, args ...any) {
	var l slog.Level
	switch level {
	case hclog.Trace:
		l = slog.LevelDebug - 4
	case hclog.Debug:
		l = slog.LevelDebug
	case hclog.Info, hclog.NoLevel:
		l = slog.LevelInfo
	case hclog.Warn:
		l = slog.LevelWarn
	default:
		l = slog.LevelError
	}
	ctx := context.Background()
	if s.log.Enabled(ctx, l) {
		s.log.Log(ctx, l, msg, args...)
	}
}
