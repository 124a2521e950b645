package identify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/tenant"
	"github.com/stewardhq/steward/sdk"
)

// Report is what a pathway tells the hub about the computer behind it.
type Report struct {
	TenantID string
	// AgentID is the native agent's id.
	AgentID string
	// ComputerID is the computer the pathway is already linked to, if any.
	ComputerID  string
	Tags        []string
	Inventory   sdk.Inventory
	Fingerprint string
}

// Service is the one entry point through which every pathway's report becomes, or joins, a
// computer.
type Service struct {
	db  *bun.DB
	log *slog.Logger
	now func() time.Time
}

// NewService returns the identification service over db.
func NewService(db *bun.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Report records a native agent's inventory: on the computer the agent is linked to, or on a
// new computer when it has none yet. It returns the computer's id.
//
// TODO(identify-service): match new agents against known computers with Match (DESIGN §6)
// instead of always creating one; the rules exist, the persistence of decisions does not yet.
func (s *Service) Report(ctx context.Context, r Report) (string, error) {
	now := s.now()
	var id string
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		id = r.ComputerID
		if id == "" {
			id, err = s.create(ctx, tx, r, now)
		} else {
			err = s.updateFacts(ctx, tx, id, r.Inventory, now)
		}
		if err != nil {
			return err
		}
		_, err = computer.SaveInventory(ctx, tx, id, r.Inventory, r.Fingerprint, now)
		return err
	})
	return id, err
}

func (s *Service) create(ctx context.Context, tx bun.Tx, r Report, now time.Time) (string,
	error) {
	var t tenant.Tenant
	if err := tx.NewSelect().Model(&t).Where("id = ?", r.TenantID).Scan(ctx); err != nil {
		return "", fmt.Errorf("load tenant %s: %w", r.TenantID, err)
	}
	status := computer.StatusNeedsOnboarding
	if !t.OnboardingEnabled {
		status = computer.StatusOnboarded
	}
	tags := r.Tags
	if tags == nil {
		tags = []string{}
	}
	c := computer.Computer{ID: uuid.Must(uuid.NewV7()).String(), TenantID: r.TenantID,
		Status: status, Tags: tags, CreatedAt: now}
	applyFacts(&c, r.Inventory, now)
	if _, err := tx.NewInsert().Model(&c).Exec(ctx); err != nil {
		return "", fmt.Errorf("create computer: %w", err)
	}
	if _, err := tx.NewUpdate().Table("agents").Set("computer_id = ?", c.ID).
		Where("id = ?", r.AgentID).Exec(ctx); err != nil {
		return "", fmt.Errorf("link agent %s: %w", r.AgentID, err)
	}
	s.log.Info("computer created", "computer_id", c.ID, "tenant_id", c.TenantID,
		"name", c.Name)
	return c.ID, audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "computer",
		ObjectID: c.ID, TenantID: c.TenantID, After: c})
}

func (s *Service) updateFacts(ctx context.Context, tx bun.Tx, id string, inv sdk.Inventory,
	now time.Time) error {
	var c computer.Computer
	if err := tx.NewSelect().Model(&c).Where("id = ?", id).
		Scan(ctx); err != nil {
		return fmt.Errorf("load computer %s: %w", id, err)
	}
	applyFacts(&c, inv, now)
	_, err := tx.NewUpdate().Model(&c).WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("update computer %s: %w", id, err)
	}
	return nil
}

// applyFacts copies reported facts onto the computer; an empty fact keeps what was known.
func applyFacts(c *computer.Computer, inv sdk.Inventory, now time.Time) {
	f := inv.Facts
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	if u, ok := NormalizeUUID(f.SMBIOSUUID); ok {
		c.SMBIOSUUID = u
		c.UUIDKey = UUIDKey(u)
	}
	set(&c.Name, f.Hostname)
	set(&c.Serial, f.Serial)
	set(&c.Manufacturer, f.Manufacturer)
	set(&c.Model, f.Model)
	set(&c.OSName, f.OSName)
	set(&c.OSVersion, f.OSVersion)
	set(&c.OSInstallID, f.OSInstallID)
	set(&c.ComputerType, inv.ComputerType)
	if f.OSInstallDate != nil {
		c.OSInstallDate = f.OSInstallDate
	}
	if c.Name == "" {
		c.Name = "unnamed"
	}
	c.UpdatedAt = now
	c.LastSeenAt = &now
}
