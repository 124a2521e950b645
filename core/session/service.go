package session

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/jobs"
	"github.com/stewardhq/steward/core/notify"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/sdk"
)

// runCanceller stops the scripts a cancelled session still has running.
type runCanceller interface {
	CancelSession(ctx context.Context, sessionID string) error
}

// Queue is the job queue sessions run on; its limit is the per-instance concurrency.
const Queue = "sessions"

// NewSession asks for a session.
type NewSession struct {
	ComputerID string `json:"computerId"`
	// Mode is full (default), detect or item.
	Mode string `json:"mode,omitempty"`
	// ItemID names the item of an item session.
	ItemID string `json:"itemId,omitempty"`
	// ApplyOnConnect waits for an offline computer to come online instead of failing.
	ApplyOnConnect bool `json:"applyOnConnect,omitempty"`
}

// Filter narrows a list of sessions.
type Filter struct {
	ComputerID string
	Status     string
}

// Service creates sessions and reads them back; the Engine runs them.
type Service struct {
	db    *bun.DB
	queue *jobs.Queue
	runs  runCanceller
	log   *slog.Logger
	now   func() time.Time

	changes notify.Notifier
}

// NewService returns the session service; sessions are queued on q and runs stops the
// scripts of a cancelled session.
func NewService(db *bun.DB, q *jobs.Queue, runs runCanceller, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, queue: q, runs: runs, log: log,
		now: func() time.Time { return time.Now().UTC() }}
}

var runners = []access.Role{access.MSPAdmin, access.MSPUser, access.TenantAdmin}

// Create queues a session for a computer.
func (s *Service) Create(ctx context.Context, in NewSession) (Session, error) {
	p, err := access.Require(ctx, runners...)
	if err != nil {
		return Session{}, err
	}
	if in.Mode == "" {
		in.Mode = ModeFull
	}
	switch {
	case in.Mode != ModeFull && in.Mode != ModeDetect && in.Mode != ModeItem:
		return Session{}, fmt.Errorf("mode must be full, detect or item, got %q: %w", in.Mode,
			errs.ErrInvalid)
	case in.Mode == ModeItem && in.ItemID == "":
		return Session{}, fmt.Errorf("an item session needs itemId: %w", errs.ErrInvalid)
	case in.Mode != ModeItem && in.ItemID != "":
		return Session{}, fmt.Errorf("itemId goes with mode item: %w", errs.ErrInvalid)
	}
	var c computer.Computer
	err = s.db.NewSelect().Model(&c).Where("id = ?", in.ComputerID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.SeesTenant(c.TenantID)) {
		return Session{}, fmt.Errorf("computer %s: %w", in.ComputerID, errs.ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("load computer %s: %w", in.ComputerID, err)
	}
	switch c.Status {
	case computer.StatusRetired, computer.StatusNeedsDecision, computer.StatusIdentifying,
		computer.StatusIdentificationFailed:
		return Session{}, fmt.Errorf("computer %s is %s; sessions start once it is "+
			"identified: %w", c.Name, c.Status, errs.ErrConflict)
	}

	ses := Session{ID: uuid.Must(uuid.NewV7()).String(), TenantID: c.TenantID,
		ComputerID: c.ID, Mode: in.Mode, ItemID: in.ItemID, Status: StatusPending,
		Onboarding:     in.Mode == ModeFull && c.Status == computer.StatusNeedsOnboarding,
		ApplyOnConnect: in.ApplyOnConnect, CreatedBy: p.String(), CreatedAt: s.now(),
		Actions: []Action{}}
	return ses, s.insert(ctx, ses)
}

func (s *Service) insert(ctx context.Context, ses Session) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&ses).Exec(ctx); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		if err := s.queue.InsertTx(ctx, tx.Tx, runArgs{SessionID: ses.ID}, nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "start_session",
			ObjectType: "computer", ObjectID: ses.ComputerID, TenantID: ses.TenantID,
			After: map[string]string{"sessionId": ses.ID, "mode": ses.Mode}})
	})
}

// Get returns a session with its actions.
func (s *Service) Get(ctx context.Context, id string) (Session, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Session{}, err
	}
	ses, err := s.load(ctx, id)
	if err != nil {
		return Session{}, err
	}
	if !p.SeesTenant(ses.TenantID) {
		return Session{}, fmt.Errorf("session %s: %w", id, errs.ErrNotFound)
	}
	return ses, nil
}

func (s *Service) load(ctx context.Context, id string) (Session, error) {
	var ses Session
	err := s.db.NewSelect().Model(&ses).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("session %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("load session %s: %w", id, err)
	}
	ses.Actions = []Action{}
	err = s.db.NewSelect().Model(&ses.Actions).Where("session_id = ?", id).
		Order("position").Scan(ctx)
	if err != nil {
		return Session{}, fmt.Errorf("load actions of session %s: %w", id, err)
	}
	return ses, nil
}

// List returns a page of sessions, newest first.
func (s *Service) List(ctx context.Context, f Filter, pr paging.Request) (
	paging.Page[Session], error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return paging.Page[Session]{}, err
	}
	if pr, err = pr.Normalize(); err != nil {
		return paging.Page[Session]{}, err
	}
	var items []Session
	q := s.db.NewSelect().Model(&items).Order("created_at DESC").
		Limit(int64(pr.PageSize)).Offset(int64(pr.Offset()))
	if !p.IsMSP() {
		q = q.Where("tenant_id = ?", p.TenantID)
	}
	if f.ComputerID != "" {
		q = q.Where("computer_id = ?", f.ComputerID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return paging.Page[Session]{}, fmt.Errorf("list sessions: %w", err)
	}
	for i := range items {
		items[i].Actions = []Action{}
	}
	return paging.New(pr, items, int(total)), nil
}

// Cancel stops a session that has not ended. Actions not yet started are cancelled; a
// script already running finishes, and nothing runs after it.
func (s *Service) Cancel(ctx context.Context, id string) (Session, error) {
	p, err := access.Require(ctx, runners...)
	if err != nil {
		return Session{}, err
	}
	ses, err := s.Get(ctx, id)
	if err != nil {
		return Session{}, err
	}
	if Final(ses.Status) {
		return Session{}, fmt.Errorf("session %s has already ended (%s): %w", id, ses.Status,
			errs.ErrConflict)
	}
	now := s.now()
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Session)(nil)).Set("status = ?", StatusCancelled).
			Set("finished_at = ?", now).Set("summary = ?", "cancelled by "+p.String()).
			Where("id = ?", id).Where("status NOT IN (?)", bun.In(finalStatuses)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("cancel session %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("session %s has already ended: %w", id, errs.ErrConflict)
		}
		_, err = tx.NewUpdate().Model((*Action)(nil)).Set("status = ?", ActionCancelled).
			Where("session_id = ?", id).Where("status = ?", ActionPending).Exec(ctx)
		if err != nil {
			return fmt.Errorf("cancel actions of session %s: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "cancel_session",
			ObjectType: "computer", ObjectID: ses.ComputerID, TenantID: ses.TenantID,
			After: map[string]string{"sessionId": id}})
	})
	if err != nil {
		return Session{}, err
	}
	s.logLine(ctx, id, nil, "warn", "session cancelled by "+p.String())
	if err := s.runs.CancelSession(ctx, id); err != nil {
		s.log.Warn("scripts of a cancelled session not stopped", "session_id", id, "err", err)
	}
	return s.load(ctx, id)
}

var finalStatuses = []string{StatusPassed, StatusPartiallyPassed, StatusFailed,
	StatusCancelled, StatusMissed}

// Rerun starts a new session like an earlier one; with actionID, a session for that action's
// item only.
func (s *Service) Rerun(ctx context.Context, id, actionID string) (Session, error) {
	old, err := s.Get(ctx, id)
	if err != nil {
		return Session{}, err
	}
	in := NewSession{ComputerID: old.ComputerID, Mode: old.Mode, ItemID: old.ItemID,
		ApplyOnConnect: old.ApplyOnConnect}
	if actionID != "" {
		found := false
		for _, a := range old.Actions {
			if a.ID == actionID {
				in.Mode, in.ItemID, found = ModeItem, a.ItemID, true
			}
		}
		if !found {
			return Session{}, fmt.Errorf("action %s of session %s: %w", actionID, id,
				errs.ErrNotFound)
		}
	}
	ses, err := s.Create(ctx, in)
	if err != nil {
		return Session{}, err
	}
	_, err = s.db.NewUpdate().Model(&ses).Set("rerun_of = ?", id).WherePK().Exec(ctx)
	if err != nil {
		return Session{}, fmt.Errorf("link rerun: %w", err)
	}
	ses.RerunOf = &id
	return ses, nil
}

// Log returns up to limit lines of a session's log after line id after.
func (s *Service) Log(ctx context.Context, id string, after int64, limit int) ([]LogLine,
	error) {
	out := []LogLine{}
	err := s.db.NewSelect().Model(&out).Where("session_id = ?", id).Where("id > ?", after).
		Order("id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read log of session %s: %w", id, err)
	}
	return out, nil
}

// logLine appends a line to a session's log; a failure is logged, never fatal.
func (s *Service) logLine(ctx context.Context, sessionID string, actionID *string, level,
	text string) {
	l := LogLine{SessionID: sessionID, ActionID: actionID, At: s.now(), Level: level,
		Text: text}
	if _, err := s.db.NewInsert().Model(&l).Exec(ctx); err != nil {
		s.log.Warn("session log line lost", "session_id", sessionID, "err", err)
	}
	s.notify(sessionID)
}

// Wait returns a channel closed at the next change on this instance, and a function that
// stops waiting. Changes made through other instances are not signalled: readers poll too.
func (s *Service) Wait(id string) (<-chan struct{}, func()) { return s.changes.Wait(id) }

func (s *Service) notify(id string) { s.changes.Notify(id) }

// runArgs is the job that runs one session.
type runArgs struct {
	SessionID string `json:"sessionId"`
}

func (runArgs) Kind() string { return "session" }

func (runArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 10}
}

// inventory reads a computer's latest inventory, without an access check.
func (s *Service) inventory(ctx context.Context, computerID string) (sdk.Inventory,
	time.Time, error) {
	var row struct {
		ReportedAt time.Time `bun:"reported_at"`
		Data       string    `bun:"data"`
	}
	err := s.db.NewSelect().Table("computer_inventory").Column("reported_at", "data").
		Where("computer_id = ?", computerID).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return sdk.Inventory{}, time.Time{}, errors.New("the computer has reported no " +
			"inventory yet")
	}
	if err != nil {
		return sdk.Inventory{}, time.Time{}, fmt.Errorf("load inventory: %w", err)
	}
	var inv sdk.Inventory
	if err := json.Unmarshal([]byte(row.Data), &inv); err != nil {
		return sdk.Inventory{}, time.Time{}, fmt.Errorf("decode inventory: %w", err)
	}
	return inv, row.ReportedAt.UTC(), nil
}

// copyLines adds a script's output lines to the session log, once each however often they
// are copied.
func (s *Service) copyLines(ctx context.Context, sessionID, actionID, runID string,
	lines []sdk.OutputLine) error {
	if len(lines) == 0 {
		return nil
	}
	rows := make([]LogLine, len(lines))
	for i, l := range lines {
		seq := l.Seq
		rows[i] = LogLine{SessionID: sessionID, ActionID: &actionID, At: l.Time.UTC(),
			Level: "output", Stream: l.Stream, Text: l.Text, RunID: &runID, RunSeq: &seq}
	}
	_, err := s.db.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("copy output of run %s: %w", runID, err)
	}
	s.notify(sessionID)
	return nil
}
