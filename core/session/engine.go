package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/jobs"
	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

// The engine's view of the other parts of the hub.
type (
	catalogReader interface {
		LoadSoftware(ctx context.Context, id string) (catalog.Software, error)
		LoadTask(ctx context.Context, id string) (catalog.Task, error)
		LoadScript(ctx context.Context, id string) (catalog.Script, error)
	}
	resolver interface {
		Winners(ctx context.Context, computerID string) (map[string]resolve.Explanation, error)
		// Parameters returns a deployment's plain and password parameters apart.
		Parameters(ctx context.Context, id string) (map[string]string, map[string]string,
			error)
	}
	inventories interface {
		RequestInventory(ctx context.Context, computerID string) error
	}
	fileSigner interface {
		// FileURL returns a short-lived download address of a blob for a pathway.
		FileURL(sha256 string) string
	}
)

// EngineConfig tunes the engine. The zero value is a sensible default, but Instance must be
// set.
type EngineConfig struct {
	Logger *slog.Logger
	// Instance names this hub process; it holds the leases of the sessions it runs.
	Instance string
	// LeaseTTL is how long a session stays claimed without a renewal. Default 30s.
	LeaseTTL time.Duration
	// InventoryWait bounds the wait for a fresh inventory after a change. Default 2 minutes.
	InventoryWait time.Duration
	// OfflineRetry is how often a session waiting for its computer checks again. Default 5s.
	OfflineRetry time.Duration
}

// Engine runs sessions as durable jobs.
type Engine struct {
	cfg      EngineConfig
	log      *slog.Logger
	db       *bun.DB
	sessions *Service
	catalog  catalogReader
	resolver resolver
	scripts  *scripts.Service
	inv      inventories
	files    fileSigner
	now      func() time.Time
}

// NewEngine registers the session worker and its watchdog on q.
func NewEngine(cfg EngineConfig, q *jobs.Queue, sessions *Service, cat catalogReader,
	res resolver, sc *scripts.Service, inv inventories, files fileSigner) *Engine {
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.InventoryWait == 0 {
		cfg.InventoryWait = 2 * time.Minute
	}
	if cfg.OfflineRetry == 0 {
		cfg.OfflineRetry = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, db: sessions.db, sessions: sessions, catalog: cat,
		resolver: res, scripts: sc, inv: inv, files: files,
		now: func() time.Time { return time.Now().UTC() }}
	jobs.Register(q, &worker{e: e})
	q.Every("session-watchdog", cfg.LeaseTTL, e.watchdog)
	return e
}

type worker struct {
	river.WorkerDefaults[runArgs]
	e *Engine
}

// Timeout lets a session run as long as it needs; its lease, not the job's timeout, says
// whether it is alive.
func (w *worker) Timeout(*river.Job[runArgs]) time.Duration { return -1 }

func (w *worker) Work(ctx context.Context, job *river.Job[runArgs]) error {
	return w.e.work(ctx, job.Args.SessionID)
}

// work claims a session and runs it to its end, or snoozes it while it must wait.
func (e *Engine) work(ctx context.Context, id string) error {
	ses, err := e.sessions.load(ctx, id)
	if err != nil || Final(ses.Status) {
		return err
	}
	claimed, err := e.claim(ctx, id)
	if err != nil || !claimed {
		// Another worker holds it; that worker finishes it.
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go e.keepLease(ctx, id, cancel)
	defer e.release(id)

	wait, err := e.mustWait(ctx, &ses)
	switch {
	case errors.Is(err, errEnded):
		return nil
	case err != nil:
		return err
	case wait > 0:
		return river.JobSnooze(wait)
	}

	run := &run{e: e, ses: &ses}
	err = run.execute(ctx)
	if errors.Is(err, errCancelled) {
		return nil
	}
	if err != nil && ctx.Err() != nil {
		// The hub is stopping or the lease was lost: the session resumes elsewhere.
		return err
	}
	return run.finish(context.WithoutCancel(ctx), err)
}

// mustWait returns how long to snooze when the session cannot start yet: another session of
// the computer is running, or the computer is offline and the session waits for it.
func (e *Engine) mustWait(ctx context.Context, ses *Session) (time.Duration, error) {
	if ses.Status == StatusRunning {
		return 0, nil // resuming: it already had its turn
	}
	var other string
	err := e.db.NewSelect().Model((*Session)(nil)).Column("id").
		Where("computer_id = ?", ses.ComputerID).Where("id <> ?", ses.ID).
		Where("status = ?", StatusRunning).Limit(1).Scan(ctx, &other)
	if err == nil && other != "" {
		e.noteOnce(ctx, ses, StatusPending, "waiting for session "+other+" of this computer")
		return e.cfg.OfflineRetry, nil
	}

	c, err := computerOf(ctx, e.db, ses.ComputerID)
	if err != nil {
		return 0, err
	}
	if !c.Online {
		if !ses.ApplyOnConnect {
			if err := e.end(ctx, ses, StatusFailed, "the computer is offline; start the "+
				"session with apply-on-connect (applyOnConnect in the API) to run it when "+
				"the computer connects"); err != nil {
				return 0, err
			}
			return 0, errEnded
		}
		e.noteOnce(ctx, ses, StatusPendingConnectivity, "waiting for the computer to connect")
		return e.cfg.OfflineRetry, nil
	}
	return 0, nil
}

// noteOnce moves a waiting session to status and logs why, once per reason: the reason is
// kept as the summary until the session ends.
func (e *Engine) noteOnce(ctx context.Context, ses *Session, status, why string) {
	if ses.Status == status && ses.Summary == why {
		return
	}
	ses.Status, ses.Summary = status, why
	_, _ = e.db.NewUpdate().Model(ses).Column("status", "summary").WherePK().Exec(ctx)
	e.sessions.logLine(ctx, ses.ID, nil, "info", why)
}

// end finishes a session that never ran.
func (e *Engine) end(ctx context.Context, ses *Session, status, why string) error {
	now := e.now()
	ses.Status, ses.Summary, ses.FinishedAt = status, why, &now
	_, err := e.db.NewUpdate().Model(ses).Column("status", "summary", "finished_at").
		WherePK().Exec(ctx)
	e.sessions.logLine(ctx, ses.ID, nil, "error", why)
	return err
}

func computerOf(ctx context.Context, db bun.IDB, id string) (computer.Computer, error) {
	var c computer.Computer
	expr, args := computer.OnlineExpr(time.Now().UTC())
	err := db.NewSelect().Model(&c).ColumnExpr("c.*").ColumnExpr(expr, args...).
		Where("c.id = ?", id).Scan(ctx)
	if err != nil {
		return c, fmt.Errorf("load computer %s: %w", id, err)
	}
	return c, nil
}

// claim takes the session's lease when it is free, expired or already this instance's.
func (e *Engine) claim(ctx context.Context, id string) (bool, error) {
	now := e.now()
	res, err := e.db.NewUpdate().Model((*Session)(nil)).
		Set("lease_owner = ?", e.cfg.Instance).Set("lease_until = ?", now.Add(e.cfg.LeaseTTL)).
		Where("id = ?", id).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("lease_until IS NULL").WhereOr("lease_until < ?", now).
				WhereOr("lease_owner = ?", e.cfg.Instance)
		}).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("claim session %s: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// keepLease renews the lease until ctx ends; losing it cancels the session's work here.
func (e *Engine) keepLease(ctx context.Context, id string, lost context.CancelFunc) {
	t := time.NewTicker(e.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			res, err := e.db.NewUpdate().Model((*Session)(nil)).
				Set("lease_until = ?", e.now().Add(e.cfg.LeaseTTL)).
				Where("id = ?", id).Where("lease_owner = ?", e.cfg.Instance).Exec(ctx)
			if err != nil {
				e.log.Warn("session lease not renewed", "session_id", id, "err", err)
				continue
			}
			if n, _ := res.RowsAffected(); n == 0 {
				e.log.Warn("session lease lost", "session_id", id)
				lost()
				return
			}
		}
	}
}

func (e *Engine) release(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.db.NewUpdate().Model((*Session)(nil)).Set("lease_owner = NULL").
		Set("lease_until = NULL").Where("id = ?", id).Where("lease_owner = ?", e.cfg.Instance).
		Exec(ctx)
	if err != nil {
		e.log.Warn("session lease not released", "session_id", id, "err", err)
	}
}

// watchdog queues again the running sessions whose worker died (their lease ran out), so a
// session interrupted by a crash resumes without waiting for the queue's own rescue.
func (e *Engine) watchdog(ctx context.Context) error {
	now := e.now()
	var ids []string
	err := e.db.NewSelect().Model((*Session)(nil)).Column("id").
		Where("status = ?", StatusRunning).Where("lease_until IS NULL OR lease_until < ?", now).
		Where("requeued_at IS NULL OR requeued_at < ?", now.Add(-2*e.cfg.LeaseTTL)).
		Limit(100).Scan(ctx, &ids)
	if err != nil {
		return fmt.Errorf("find abandoned sessions: %w", err)
	}
	for _, id := range ids {
		err := e.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewUpdate().Model((*Session)(nil)).Set("requeued_at = ?", now).
				Where("id = ?", id).Exec(ctx); err != nil {
				return err
			}
			return e.sessions.queue.InsertTx(ctx, tx.Tx, runArgs{SessionID: id}, nil)
		})
		if err != nil {
			return fmt.Errorf("requeue session %s: %w", id, err)
		}
		e.log.Info("session resumed after its worker stopped", "session_id", id)
	}
	return nil
}

var (
	errCancelled = errors.New("session cancelled")
	// errEnded says the session was ended before it ran.
	errEnded = errors.New("session ended before it ran")
)

// stdout returns the text of a run's standard output lines.
func stdout(lines []sdk.OutputLine) []string {
	var out []string
	for _, l := range lines {
		if l.Stream != sdk.StreamStderr {
			out = append(out, l.Text)
		}
	}
	return out
}

// Plan says what a deployment would do on a computer from its last inventory, running
// nothing: the preview of a deployment before it is saved.
func (e *Engine) Plan(ctx context.Context, computerID string, d resolve.Deployment) (string,
	string, error) {
	if d.ItemKind != resolve.ItemSoftware {
		p := PlanTask(d.State)
		return p.Type, p.Reason + "; the task's test runs in the session", nil
	}
	sw, err := e.catalog.LoadSoftware(ctx, d.ItemID)
	if err != nil {
		return "", "", err
	}
	if sw.Detection.Method == catalog.DetectScript {
		return "", "decided at detection: the software is found by a script", nil
	}
	inv, _, err := e.sessions.inventory(ctx, computerID)
	if err != nil {
		return "", "", err
	}
	v, found, err := sw.Detection.Find(inv.Programs)
	if err != nil {
		return "", "", err
	}
	latest := ""
	if l, ok := catalog.Latest(sw); ok {
		latest = l.Version
	}
	p := PlanSoftware(d.State, d.Version, Detected{Found: found, Version: v}, latest)
	return p.Type, p.Reason, nil
}
