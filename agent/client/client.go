package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/stewardhq/steward/agent/inventory"
	"github.com/stewardhq/steward/agent/runner"
	"github.com/stewardhq/steward/agent/spool"
	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/sdk"
)

// SpoolDir is the spool's folder inside the state directory.
const SpoolDir = "spool"

// Defaults for a zero Config.
const (
	DefaultInventoryInterval = 15 * time.Minute
	DefaultBatchInterval     = 200 * time.Millisecond
	DefaultBatchLines        = 200
	DefaultMinBackoff        = time.Second
	DefaultMaxBackoff        = 5 * time.Minute
	DefaultStopTimeout       = 10 * time.Second
)

// stableConnection is how long a connection must last for the backoff to start over.
const stableConnection = time.Minute

// Runner runs one script (see package runner).
type Runner interface {
	Run(ctx context.Context, req sdk.ScriptRequest, onLine func(sdk.OutputLine)) sdk.ScriptResult
}

// Collector gathers the computer's inventory (see package inventory). An error wrapping
// inventory.ErrIncomplete comes with an inventory that is still sent.
type Collector interface {
	Collect(ctx context.Context) (sdk.Inventory, error)
}

// Config sets up a Client. The zero value is a useful default.
type Config struct {
	// StateDir holds the enrollment and the spool; empty means state.DefaultDir().
	StateDir string
	// Version is the agent's version, reported to the hub.
	Version string
	// Runner runs scripts; nil means runner.New with its defaults.
	Runner Runner
	// Inventory collects the inventory; nil means inventory.New with its defaults.
	Inventory Collector
	// InventoryInterval is how often the inventory is collected again; it is sent only
	// when it changed. 0 means DefaultInventoryInterval.
	InventoryInterval time.Duration
	// HeartbeatInterval is how long the agent may stay silent before it says it is alive;
	// 0 means wire.HeartbeatInterval.
	HeartbeatInterval time.Duration
	// BatchInterval and BatchLines bound how long output lines wait before they are sent:
	// a batch goes out when its first line is BatchInterval old or when it holds BatchLines
	// lines. 0 means DefaultBatchInterval and DefaultBatchLines.
	BatchInterval time.Duration
	BatchLines    int
	// MinBackoff and MaxBackoff bound the wait between connection attempts; 0 means
	// DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// StopTimeout is how long Run waits for canceled scripts to end when it stops; 0 means
	// DefaultStopTimeout. Runs still going then are reported as stopped at the next start.
	StopTimeout time.Duration
	// HTTPClient dials the hub; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Logger receives connection events at Info and messages at Debug; nil means
	// slog.Default().
	Logger *slog.Logger
}

func (cfg Config) withDefaults() Config {
	if cfg.StateDir == "" {
		cfg.StateDir = state.DefaultDir()
	}
	if cfg.Runner == nil {
		cfg.Runner = runner.New(runner.Config{})
	}
	if cfg.Inventory == nil {
		cfg.Inventory = inventory.New(inventory.Config{})
	}
	if cfg.InventoryInterval <= 0 {
		cfg.InventoryInterval = DefaultInventoryInterval
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = wire.HeartbeatInterval
	}
	if cfg.BatchInterval <= 0 {
		cfg.BatchInterval = DefaultBatchInterval
	}
	if cfg.BatchLines <= 0 {
		cfg.BatchLines = DefaultBatchLines
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// Client is the agent's connection loop.
type Client struct {
	cfg Config
}

// New returns a Client for cfg. It does no I/O; Run does.
func New(cfg Config) *Client {
	return &Client{cfg: cfg.withDefaults()}
}

// Run holds the state directory's lock, connects to the hub and serves it until ctx ends
// (it then returns nil) or the hub refuses the agent for good (a *RefusedError). Errors
// before the first connection attempt wrap state.ErrNotEnrolled or state.ErrLocked, or say
// why the state directory cannot be used. When Run returns, the scripts it started have
// been canceled and waited for up to Config.StopTimeout.
func (c *Client) Run(ctx context.Context) error {
	lock, err := state.Acquire(c.cfg.StateDir)
	if err != nil {
		return err
	}
	defer func() { _ = lock.Release() }()

	enr, err := state.Load(c.cfg.StateDir)
	if err != nil {
		return err
	}
	url, err := connectURL(enr.Server)
	if err != nil {
		return fmt.Errorf("state of %s: %w", c.cfg.StateDir, err)
	}
	sp, err := spool.Open(filepath.Join(c.cfg.StateDir, SpoolDir), spool.Config{})
	if err != nil {
		return err
	}
	defer func() {
		if err := sp.Close(); err != nil {
			c.cfg.Logger.Warn("close spool", "err", err)
		}
	}()

	a := newAgent(c.cfg, enr, url, sp)
	a.loadUnacknowledged()
	return a.serve(ctx)
}

// RefusedError is the hub's refusal of a connection.
type RefusedError struct {
	Code   string
	Reason string
}

// ErrRefused matches every *RefusedError with errors.Is.
var ErrRefused = errors.New("refused by the hub")

func (e *RefusedError) Error() string {
	what := "the hub refused this agent"
	switch e.Code {
	case wire.RefusedRevoked:
		what = "the hub revoked this agent"
	case wire.RefusedUnknown:
		what = "the hub does not know this agent"
	case wire.RefusedSignature:
		what = "the hub rejected this agent's signature"
	case wire.RefusedProtocol:
		what = "the hub does not speak this agent's protocol"
	}
	if e.Reason == "" {
		return fmt.Sprintf("%s (%s)", what, e.Code)
	}
	return fmt.Sprintf("%s (%s): %s", what, e.Code, e.Reason)
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Final reports whether retrying cannot help: the agent was revoked, is unknown to the hub,
// or speaks a protocol the hub does not.
func (e *RefusedError) Final() bool {
	return wire.Refused{Code: e.Code, Reason: e.Reason}.Final()
}

// serve runs the connection loop and its helpers, then stops the scripts.
func (a *agent) serve(ctx context.Context) error {
	loopCtx, stopLoop := context.WithCancel(ctx)
	defer stopLoop()

	var helpers sync.WaitGroup
	helpers.Go(func() { a.flusher(loopCtx) })
	helpers.Go(func() { a.inventoryLoop(loopCtx) })

	err := a.loop(loopCtx)

	// Scripts outlive connections but not the agent: the runner ends their processes, and
	// their results are spooled to be sent after the next start.
	a.stopping.Store(true)
	a.cancelAll()
	a.waitScripts(a.cfg.StopTimeout)
	stopLoop()
	helpers.Wait()
	return err
}

func (a *agent) waitScripts(limit time.Duration) {
	done := make(chan struct{})
	go func() {
		a.scripts.Wait()
		close(done)
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		a.log.Warn("scripts still running at stop; they will be reported as stopped")
	}
}
