// Package scripts runs ad-hoc scripts on computers through their pathways and keeps each run's
// status, result and output. A run is stored first and delivered by the agent gateway of
// whichever instance holds the agent's connection; output lines are stored once per sequence
// number however often an agent resends them, so a run's log is complete and never doubled.
package scripts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/notify"
	"github.com/stewardhq/steward/sdk"
)

// Run statuses.
const (
	StatusQueued     = "queued"
	StatusDispatched = "dispatched"
	StatusCompleted  = "completed"
	StatusTimedOut   = "timed_out"
	StatusError      = "error"
	StatusCancelled  = "cancelled"
)

// Finished reports whether a status is final.
func Finished(status string) bool {
	return status == StatusCompleted || status == StatusTimedOut || status == StatusError ||
		status == StatusCancelled
}

// Run is one script run on one computer.
type Run struct {
	bun.BaseModel `bun:"table:script_runs,alias:r"`

	ID         string `bun:"id,pk" json:"id"`
	TenantID   string `bun:"tenant_id" json:"tenantId"`
	ComputerID string `bun:"computer_id" json:"computerId"`
	// AgentID is the Steward agent the run goes through; PathwayID instead names a link's
	// record of the computer. Exactly one is set.
	AgentID   string `bun:"agent_id,nullzero" json:"agentId,omitempty"`
	PathwayID string `bun:"pathway_id,nullzero" json:"pathwayId,omitempty"`
	// Via names the pathway for people: "agent", or the link's name.
	Via      string            `bun:"-" json:"via,omitempty"`
	Language string            `bun:"language" json:"language"`
	Context  string            `bun:"context" json:"context"`
	Body     string            `bun:"body" json:"body"`
	Params   map[string]string `bun:"params,type:text" json:"params"`
	Files    []sdk.FileRef     `bun:"files,type:text" json:"files,omitempty"`
	// SealedSecrets holds the password parameters, sealed; SecretNames names them.
	SealedSecrets  string     `bun:"secret_params" json:"-"`
	SecretNames    []string   `bun:"-" json:"secretParams,omitempty"`
	SessionID      *string    `bun:"session_id" json:"sessionId,omitempty"`
	TimeoutSeconds int        `bun:"timeout_seconds" json:"timeoutSeconds"`
	Status         string     `bun:"status" json:"status"`
	ExitCode       *int       `bun:"exit_code" json:"exitCode,omitempty"`
	Error          string     `bun:"error" json:"error,omitempty"`
	TimedOut       bool       `bun:"timed_out" json:"timedOut,omitempty"`
	DroppedBytes   int64      `bun:"dropped_bytes" json:"droppedBytes,omitempty"`
	CreatedBy      string     `bun:"created_by" json:"createdBy"`
	CreatedAt      time.Time  `bun:"created_at" json:"createdAt"`
	DispatchedAt   *time.Time `bun:"dispatched_at" json:"dispatchedAt,omitempty"`
	StartedAt      *time.Time `bun:"started_at" json:"startedAt,omitempty"`
	// CarrierUntil is until when the instance carrying a run through a link vouches for it.
	CarrierUntil *time.Time `bun:"carrier_until" json:"-"`
	FinishedAt   *time.Time `bun:"finished_at" json:"finishedAt,omitempty"`
}

// Request turns the run into what a pathway executes.
func (r Run) Request() sdk.ScriptRequest {
	return sdk.ScriptRequest{ID: r.ID, Language: r.Language, Context: r.Context, Body: r.Body,
		Params: r.Params, Files: r.Files,
		Timeout: time.Duration(r.TimeoutSeconds) * time.Second}
}

type outputRow struct {
	bun.BaseModel `bun:"table:script_output"`

	RunID  string    `bun:"run_id,pk"`
	Seq    int64     `bun:"seq,pk"`
	Stream string    `bun:"stream"`
	Line   string    `bun:"line"`
	At     time.Time `bun:"at"`
}

// NewRun asks for a script to run on a computer.
type NewRun struct {
	Language string            `json:"language"`
	Context  string            `json:"context,omitempty"`
	Body     string            `json:"body"`
	Params   map[string]string `json:"params,omitempty"`
	// TimeoutSeconds defaults to 300 and may be at most a day.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
}

// Limits on ad-hoc runs.
const (
	defaultTimeout = 300
	maxTimeout     = 24 * 60 * 60
	maxBody        = 1 << 20
)

// Built-in variables every script sees, whatever its language.
const (
	VarComputerName = "ComputerName"
	VarTenantName   = "TenantName"
	VarRunID        = "StewardRunId"
)

var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// target is what the service needs to know of a computer to run a script on it.
type target struct {
	TenantID     string
	ComputerName string
	TenantName   string
	// AgentID or PathwayID is the pathway to use; both are empty when the computer has none.
	AgentID   string
	PathwayID string
}

// Service creates runs and records what pathways report of them.
type Service struct {
	db   *bun.DB
	box  sealer
	now  func() time.Time
	kick func()
	stop func()

	changes notify.Notifier
}

// NewService returns the script service over db; box seals password parameters.
func NewService(db *bun.DB, box sealer) *Service {
	return &Service{db: db, box: box, now: func() time.Time { return time.Now().UTC() }}
}

// OnCancel registers fn to be told when a run should stop, so this instance's dispatcher can
// pass the cancel on at once; other instances find it on their next poll.
func (s *Service) OnCancel(fn func()) { s.stop = fn }

// OnQueued registers fn to be told when a run is queued, so this instance's dispatcher can
// hand it over at once; other instances find it on their next poll.
func (s *Service) OnQueued(fn func()) { s.kick = fn }

func (s *Service) queued() {
	if s.kick != nil {
		s.kick()
	}
}

func (s *Service) stopping() {
	if s.stop != nil {
		s.stop()
	}
}

// Create validates a run, picks the computer's pathway and queues it.
func (s *Service) Create(ctx context.Context, computerID string, in NewRun) (Run, error) {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return Run{}, err
	}
	if err := validate(&in); err != nil {
		return Run{}, err
	}
	t, err := s.target(ctx, computerID)
	if err != nil {
		return Run{}, err
	}
	if !p.SeesTenant(t.TenantID) {
		return Run{}, fmt.Errorf("computer %s: %w", computerID, errs.ErrNotFound)
	}
	if t.AgentID == "" && t.PathwayID == "" {
		return Run{}, fmt.Errorf("computer %s has no pathway that can run scripts: %w",
			computerID, errs.ErrConflict)
	}

	id := uuid.Must(uuid.NewV7()).String()
	params := map[string]string{}
	for k, v := range in.Params {
		params[k] = v
	}
	params[VarComputerName] = t.ComputerName
	params[VarTenantName] = t.TenantName
	params[VarRunID] = id
	run := Run{ID: id, TenantID: t.TenantID, ComputerID: computerID, AgentID: t.AgentID,
		PathwayID: t.PathwayID, Language: in.Language, Context: in.Context, Body: in.Body,
		Params:         params,
		Files:          []sdk.FileRef{},
		TimeoutSeconds: in.TimeoutSeconds, Status: StatusQueued, CreatedBy: p.String(),
		CreatedAt: s.now()}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&run).Exec(ctx); err != nil {
			return fmt.Errorf("queue script run: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "run_script",
			ObjectType: "computer", ObjectID: computerID, TenantID: t.TenantID,
			After: map[string]any{"runId": run.ID, "language": run.Language,
				"context": run.Context}})
	})
	if err != nil {
		return Run{}, err
	}
	s.queued()
	runs := []Run{run}
	s.describe(ctx, runs)
	return runs[0], nil
}

func validate(in *NewRun) error {
	switch in.Language {
	case sdk.LanguagePowerShell, sdk.LanguageCmd, sdk.LanguageSh, sdk.LanguageBash:
	default:
		return fmt.Errorf("language must be powershell, cmd, sh or bash, got %q: %w",
			in.Language, errs.ErrInvalid)
	}
	if in.Context == "" {
		in.Context = sdk.ContextSystem
	}
	if in.Context != sdk.ContextSystem && in.Context != sdk.ContextUser {
		return fmt.Errorf("context must be system or user, got %q: %w", in.Context,
			errs.ErrInvalid)
	}
	if strings.TrimSpace(in.Body) == "" {
		return fmt.Errorf("script body is empty: %w", errs.ErrInvalid)
	}
	if len(in.Body) > maxBody {
		return fmt.Errorf("script body is larger than %d bytes: %w", maxBody, errs.ErrInvalid)
	}
	if in.TimeoutSeconds == 0 {
		in.TimeoutSeconds = defaultTimeout
	}
	if in.TimeoutSeconds < 1 || in.TimeoutSeconds > maxTimeout {
		return fmt.Errorf("timeoutSeconds must be between 1 and %d: %w", maxTimeout,
			errs.ErrInvalid)
	}
	for k := range in.Params {
		if !paramName.MatchString(k) {
			return fmt.Errorf("parameter name %q must be letters, digits and underscores, "+
				"not starting with a digit: %w", k, errs.ErrInvalid)
		}
		switch strings.ToLower(k) {
		case strings.ToLower(VarComputerName), strings.ToLower(VarTenantName),
			strings.ToLower(VarRunID):
			return fmt.Errorf("parameter name %q is a built-in variable: %w", k, errs.ErrInvalid)
		}
	}
	return nil
}

// target loads the computer's names and its best pathway (see NextPathway).
func (s *Service) target(ctx context.Context, computerID string) (target, error) {
	var t target
	err := s.db.NewRaw(`SELECT c.tenant_id, c.name AS computer_name, t.name AS tenant_name
		FROM computers c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = ?`, computerID).
		Scan(ctx, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("computer %s: %w", computerID, errs.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("load computer %s: %w", computerID, err)
	}
	best, err := s.NextPathway(ctx, computerID)
	if err != nil {
		return t, err
	}
	t.AgentID, t.PathwayID = best.AgentID, best.PathwayID
	return t, nil
}
