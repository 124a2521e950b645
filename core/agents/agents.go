package agents

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
)

// Agent is one enrolled instance of Steward's agent.
type Agent struct {
	bun.BaseModel `bun:"table:agents,alias:a"`

	ID           string     `bun:"id,pk" json:"id"`
	TenantID     string     `bun:"tenant_id" json:"tenantId"`
	ComputerID   *string    `bun:"computer_id" json:"computerId,omitempty"`
	EnrollmentID string     `bun:"enrollment_id,nullzero" json:"enrollmentId,omitempty"`
	PublicKey    string     `bun:"public_key" json:"-"`
	Hostname     string     `bun:"hostname" json:"hostname"`
	Version      string     `bun:"version" json:"version,omitempty"`
	Tags         []string   `bun:"tags,type:text" json:"tags"`
	EnrolledAt   time.Time  `bun:"enrolled_at" json:"enrolledAt"`
	RevokedAt    *time.Time `bun:"revoked_at" json:"revokedAt,omitempty"`
	Instance     *string    `bun:"connected_instance" json:"-"`
	LastSeenAt   *time.Time `bun:"last_seen_at" json:"lastSeenAt,omitempty"`
	// Online is derived: connected to some instance and heard from recently.
	Online bool `bun:"-" json:"online"`
}

// OnlineWindow matches the computer package's: an agent speaks at least once a minute.
const OnlineWindow = 3 * time.Minute

func (a *Agent) derive(now time.Time) {
	a.Online = a.RevokedAt == nil && a.Instance != nil && a.LastSeenAt != nil &&
		now.Sub(*a.LastSeenAt) < OnlineWindow
}

// Service manages enrollment tokens and agents.
type Service struct {
	db       *bun.DB
	now      func() time.Time
	onRevoke func(agentID string)
}

// NewService returns the agent service over db.
func NewService(db *bun.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// OnRevoke registers fn to be called after an agent is revoked, so this instance's gateway
// can drop its connection at once. Other instances notice on their next check.
func (s *Service) OnRevoke(fn func(agentID string)) { s.onRevoke = fn }

// Enroll registers a new agent with an enrollment token. It needs no principal: the token is
// the credential.
func (s *Service) Enroll(ctx context.Context, req wire.EnrollRequest) (Agent, error) {
	key, err := base64.StdEncoding.DecodeString(req.PublicKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return Agent{}, fmt.Errorf("publicKey must be an Ed25519 public key in base64: %w",
			errs.ErrInvalid)
	}
	if strings.TrimSpace(req.Token) == "" {
		return Agent{}, fmt.Errorf("enrollment token is required: %w", errs.ErrUnauthorized)
	}

	var a Agent
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		tok, err := s.useEnrollmentToken(ctx, tx, strings.TrimSpace(req.Token))
		if err != nil {
			return err
		}
		a = Agent{ID: uuid.Must(uuid.NewV7()).String(), TenantID: tok.TenantID,
			EnrollmentID: tok.ID, PublicKey: req.PublicKey, Hostname: clip(req.Hostname, 255),
			Version: clip(req.Version, 64), Tags: tok.Tags, EnrolledAt: s.now()}
		if _, err := tx.NewInsert().Model(&a).Exec(ctx); err != nil {
			return fmt.Errorf("insert agent: %w", err)
		}
		ctx = access.WithPrincipal(ctx, access.Principal{Kind: "enrollment", ID: tok.ID,
			Name: tok.Name})
		return audit.Record(ctx, tx, audit.Change{Action: "enroll", ObjectType: "agent",
			ObjectID: a.ID, TenantID: a.TenantID, After: a})
	})
	return a, err
}

// VerifyChallenge checks an agent's signature over the challenge and returns the agent. A
// revoked or unknown agent, or a bad signature, is refused with a wire refusal code.
func (s *Service) VerifyChallenge(ctx context.Context, agentID, nonce, signature string) (
	Agent, string, error) {
	a, err := s.load(ctx, s.db, agentID)
	if errors.Is(err, errs.ErrNotFound) {
		return Agent{}, wire.RefusedUnknown, err
	}
	if err != nil {
		return Agent{}, "", err
	}
	if a.RevokedAt != nil {
		return Agent{}, wire.RefusedRevoked, fmt.Errorf("agent %s was revoked: %w", agentID,
			errs.ErrUnauthorized)
	}
	key, _ := base64.StdEncoding.DecodeString(a.PublicKey)
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(key) != ed25519.PublicKeySize ||
		!ed25519.Verify(key, wire.SignedChallenge(agentID, nonce), sig) {
		return Agent{}, wire.RefusedSignature, fmt.Errorf("agent %s: signature does not "+
			"verify: %w", agentID, errs.ErrUnauthorized)
	}
	return a, "", nil
}

// List returns a page of agents the caller may see.
func (s *Service) List(ctx context.Context, computerID string, pr paging.Request) (
	paging.Page[Agent], error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return paging.Page[Agent]{}, err
	}
	if pr, err = pr.Normalize(); err != nil {
		return paging.Page[Agent]{}, err
	}
	var items []Agent
	q := s.db.NewSelect().Model(&items).Order("enrolled_at DESC").
		Limit(int64(pr.PageSize)).Offset(int64(pr.Offset()))
	if !p.IsMSP() {
		q = q.Where("tenant_id = ?", p.TenantID)
	}
	if computerID != "" {
		q = q.Where("computer_id = ?", computerID)
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return paging.Page[Agent]{}, fmt.Errorf("list agents: %w", err)
	}
	now := s.now()
	for i := range items {
		items[i].derive(now)
	}
	return paging.New(pr, items, int(total)), nil
}

// Get returns one agent the caller may see.
func (s *Service) Get(ctx context.Context, id string) (Agent, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Agent{}, err
	}
	a, err := s.load(ctx, s.db, id)
	if err != nil {
		return Agent{}, err
	}
	if !p.SeesTenant(a.TenantID) {
		return Agent{}, fmt.Errorf("agent %s: %w", id, errs.ErrNotFound)
	}
	return a, nil
}

// Load reads an agent without an access check, for the hub's own work.
func (s *Service) Load(ctx context.Context, id string) (Agent, error) {
	return s.load(ctx, s.db, id)
}

func (s *Service) load(ctx context.Context, db bun.IDB, id string) (Agent, error) {
	var a Agent
	err := db.NewSelect().Model(&a).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, fmt.Errorf("agent %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return Agent{}, fmt.Errorf("load agent %s: %w", id, err)
	}
	a.derive(s.now())
	return a, nil
}

// Revoke refuses the agent from now on and drops its connection. Its computer stays.
func (s *Service) Revoke(ctx context.Context, id string) error {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		a, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.SeesTenant(a.TenantID) {
			return fmt.Errorf("agent %s: %w", id, errs.ErrNotFound)
		}
		if a.RevokedAt != nil {
			return nil
		}
		before := a
		now := s.now()
		a.RevokedAt = &now
		if _, err := tx.NewUpdate().Model(&a).Column("revoked_at").WherePK().
			Exec(ctx); err != nil {
			return fmt.Errorf("revoke agent: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "revoke", ObjectType: "agent",
			ObjectID: id, TenantID: a.TenantID, Before: before, After: a})
	})
	if err == nil && s.onRevoke != nil {
		s.onRevoke(id)
	}
	return err
}

// MarkConnected records that the agent is connected to instance now.
func (s *Service) MarkConnected(ctx context.Context, id, instance, version string) error {
	now := s.now()
	_, err := s.db.NewUpdate().Model((*Agent)(nil)).Set("connected_instance = ?", instance).
		Set("last_seen_at = ?", now).Set("version = ?", clip(version, 64)).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark agent %s connected: %w", id, err)
	}
	return nil
}

// Touch records that the agent was heard from now.
func (s *Service) Touch(ctx context.Context, id, instance string) error {
	_, err := s.db.NewUpdate().Model((*Agent)(nil)).Set("last_seen_at = ?", s.now()).
		Set("connected_instance = ?", instance).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("note agent %s seen: %w", id, err)
	}
	return nil
}

// MarkDisconnected records that the agent left instance (unless it has since connected to
// another instance).
func (s *Service) MarkDisconnected(ctx context.Context, id, instance string) error {
	_, err := s.db.NewUpdate().Model((*Agent)(nil)).Set("connected_instance = NULL").
		Set("last_seen_at = ?", s.now()).
		Where("id = ?", id).Where("connected_instance = ?", instance).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark agent %s disconnected: %w", id, err)
	}
	return nil
}

// RevokedOn returns the revoked agents still marked connected to instance, so a gateway can
// drop connections revoked through another instance.
func (s *Service) RevokedOn(ctx context.Context, instance string) ([]string, error) {
	var out []string
	err := s.db.NewSelect().Model((*Agent)(nil)).Column("id").
		Where("connected_instance = ?", instance).Where("revoked_at IS NOT NULL").
		Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("check revoked agents: %w", err)
	}
	return out, nil
}

// SetComputer links the agent to the computer identification chose for it.
func (s *Service) SetComputer(ctx context.Context, db bun.IDB, agentID, computerID string) error {
	_, err := db.NewUpdate().Model((*Agent)(nil)).Set("computer_id = ?", computerID).
		Where("id = ?", agentID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("link agent %s to computer %s: %w", agentID, computerID, err)
	}
	return nil
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n]
	}
	return s
}

// RequestInventory asks the agents of a computer for a fresh inventory. The instance holding
// each agent's connection passes the request on within its poll interval.
func (s *Service) RequestInventory(ctx context.Context, computerID string) error {
	_, err := s.db.NewUpdate().Model((*Agent)(nil)).Set("inventory_requested_at = ?", s.now()).
		Where("computer_id = ?", computerID).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("request inventory of computer %s: %w", computerID, err)
	}
	return nil
}

// TakeInventoryRequests returns the agents connected to instance that were asked for an
// inventory, and clears the requests.
func (s *Service) TakeInventoryRequests(ctx context.Context, instance string) ([]string,
	error) {
	var ids []string
	err := s.db.NewSelect().Model((*Agent)(nil)).Column("id").
		Where("connected_instance = ?", instance).Where("inventory_requested_at IS NOT NULL").
		Scan(ctx, &ids)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	_, err = s.db.NewUpdate().Model((*Agent)(nil)).Set("inventory_requested_at = NULL").
		Where("id IN (?)", bun.In(ids)).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("clear inventory requests: %w", err)
	}
	return ids, nil
}
