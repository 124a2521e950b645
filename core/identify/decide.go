package identify

import (
	"context"

	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/errs"
)

// Answers to a needs_decision computer.
const (
	DecideOverwrite = "overwrite"
	DecideKeepBoth  = "keep_both"
	DecideWiped     = "wiped"
)

// Decide settles a computer that matched a known one through the same link:
//   - overwrite: the agent was reinstalled. The newcomer's pathway replaces the old one on the
//     known computer (the old agent is revoked) and the newcomer's record goes away.
//   - keep_both: a clone. The newcomer becomes a computer of its own.
//   - wiped: same hardware, new installation. The known computer is retired and the newcomer
//     needs onboarding.
//
// It returns the computer that remains for the newcomer's pathway.
func (s *Service) Decide(ctx context.Context, id, answer string) (string, error) {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return "", err
	}
	answer = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(answer)), "-", "_")
	if answer != DecideOverwrite && answer != DecideKeepBoth && answer != DecideWiped {
		return "", fmt.Errorf("decision must be overwrite, keep_both or wiped, got %q: %w",
			answer, errs.ErrInvalid)
	}

	var result string
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.visible(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if c.Status != computer.StatusNeedsDecision || c.DecisionComputerID == nil {
			return fmt.Errorf("computer %s is %s, not waiting for a decision: %w", id,
				c.Status, errs.ErrConflict)
		}
		known, err := loadComputer(ctx, tx, *c.DecisionComputerID)
		if err != nil {
			return err
		}
		before := c
		switch answer {
		case DecideOverwrite:
			result, err = s.overwrite(ctx, tx, c, known)
		case DecideKeepBoth:
			result, err = s.keepBoth(ctx, tx, &c)
		case DecideWiped:
			result, err = s.wiped(ctx, tx, &c, known)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "decide_" + answer,
			ObjectType: "computer", ObjectID: id, TenantID: c.TenantID, Before: before,
			After: map[string]string{"computerId": result}})
	})
	return result, err
}

func (s *Service) overwrite(ctx context.Context, tx bun.Tx, c, known computer.Computer) (
	string, error) {
	newPaths, err := pathwaysOf(ctx, tx, c.ID, s.now())
	if err != nil {
		return "", err
	}
	now := s.now()
	for _, np := range newPaths {
		// The known computer's pathways through the same link belong to the installation
		// being replaced: retire them, then move the newcomer's pathway over.
		if np.LinkID == NativeLink {
			_, err = tx.NewUpdate().Table("agents").Set("revoked_at = ?", now).
				Set("computer_id = NULL").Where("computer_id = ?", known.ID).
				Where("revoked_at IS NULL").Where("id <> ?", np.ExternalID).Exec(ctx)
		} else {
			_, err = tx.NewUpdate().Table("pathways").Set("gone = true").
				Set("computer_id = NULL").Where("computer_id = ?", known.ID).
				Where("link_id = ?", np.LinkID).Exec(ctx)
		}
		if err != nil {
			return "", fmt.Errorf("retire old pathway of computer %s: %w", known.ID, err)
		}
		if err := linkPathway(ctx, tx, c.TenantID, np, known.ID); err != nil {
			return "", err
		}
	}

	// The newcomer's facts and inventory are the latest word on the known computer.
	if err := moveInventory(ctx, tx, c.ID, known.ID); err != nil {
		return "", err
	}
	known.Name, known.OSName, known.OSVersion = c.Name, c.OSName, c.OSVersion
	known.OSInstallID, known.OSInstallDate = c.OSInstallID, c.OSInstallDate
	known.LastSeenAt, known.UpdatedAt = c.LastSeenAt, now
	if err := s.save(ctx, tx, &known); err != nil {
		return "", err
	}
	if _, err := tx.NewDelete().Model(&c).WherePK().Exec(ctx); err != nil {
		return "", fmt.Errorf("remove duplicate computer %s: %w", c.ID, err)
	}
	return known.ID, nil
}

func moveInventory(ctx context.Context, tx bun.Tx, from, to string) error {
	for _, table := range []string{"computer_inventory", "computer_software"} {
		if _, err := tx.NewDelete().Table(table).Where("computer_id = ?", to).
			Exec(ctx); err != nil {
			return fmt.Errorf("clear %s of computer %s: %w", table, to, err)
		}
		if _, err := tx.NewUpdate().Table(table).Set("computer_id = ?", to).
			Where("computer_id = ?", from).Exec(ctx); err != nil {
			return fmt.Errorf("move %s to computer %s: %w", table, to, err)
		}
	}
	return nil
}

func (s *Service) keepBoth(ctx context.Context, tx bun.Tx, c *computer.Computer) (string,
	error) {
	status, err := newStatus(ctx, tx, c.TenantID)
	if err != nil {
		return "", err
	}
	clearDecision(c, status, "kept as a computer of its own")
	return c.ID, s.save(ctx, tx, c)
}

func (s *Service) wiped(ctx context.Context, tx bun.Tx, c *computer.Computer,
	known computer.Computer) (string, error) {
	now := s.now()
	known.Status, known.StatusReason = computer.StatusRetired, "wiped; replaced by "+c.ID
	known.UpdatedAt = now
	if err := s.save(ctx, tx, &known); err != nil {
		return "", err
	}
	if _, err := tx.NewUpdate().Table("agents").Set("revoked_at = ?", now).
		Where("computer_id = ?", known.ID).Where("revoked_at IS NULL").Exec(ctx); err != nil {
		return "", fmt.Errorf("revoke agents of retired computer %s: %w", known.ID, err)
	}
	clearDecision(c, computer.StatusNeedsOnboarding, "replaces wiped computer "+known.ID)
	return c.ID, s.save(ctx, tx, c)
}

func clearDecision(c *computer.Computer, status, reason string) {
	c.Status, c.StatusReason = status, reason
	c.DecisionSuggestion, c.DecisionReason, c.DecisionComputerID = "", "", nil
}

// visible loads a computer the principal may see.
func (s *Service) visible(ctx context.Context, tx bun.IDB, p access.Principal, id string) (
	computer.Computer, error) {
	c, err := loadComputer(ctx, tx, id)
	if err != nil || !p.SeesTenant(c.TenantID) {
		return c, fmt.Errorf("computer %s: %w", id, errs.ErrNotFound)
	}
	return c, nil
}

// SetStatus moves a computer between the onboarding statuses by hand: needs_onboarding to
// onboard it again, onboarded to skip onboarding.
func (s *Service) SetStatus(ctx context.Context, id, status string) (computer.Computer, error) {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return computer.Computer{}, err
	}
	if status != computer.StatusNeedsOnboarding && status != computer.StatusOnboarded {
		return computer.Computer{}, fmt.Errorf("status may be set to needs_onboarding or "+
			"onboarded, not %q: %w", status, errs.ErrInvalid)
	}
	var out computer.Computer
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.visible(ctx, tx, p, id)
		if err != nil {
			return err
		}
		switch c.Status {
		case computer.StatusNeedsDecision, computer.StatusRetired, computer.StatusIdentifying:
			return fmt.Errorf("computer %s is %s: %w", id, c.Status, errs.ErrConflict)
		}
		before := c
		c.Status, c.StatusReason, c.UpdatedAt = status, "set by "+p.String(), s.now()
		if err := s.save(ctx, tx, &c); err != nil {
			return err
		}
		out = c
		return audit.Record(ctx, tx, audit.Change{Action: "set_status", ObjectType: "computer",
			ObjectID: id, TenantID: c.TenantID, Before: before, After: c})
	})
	return out, err
}

// Retry asks a computer whose identification failed to report its facts again.
func (s *Service) Retry(ctx context.Context, id string) error {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return err
	}
	c, err := s.visible(ctx, s.db, p, id)
	if err != nil {
		return err
	}
	if c.Status != computer.StatusIdentificationFailed && c.Status != computer.StatusIdentifying {
		return fmt.Errorf("computer %s is %s; only a failed identification is retried: %w",
			id, c.Status, errs.ErrConflict)
	}
	_, err = s.db.NewUpdate().Model(&c).Set("status = ?", computer.StatusIdentifying).
		Set("status_reason = ?", "retry asked by "+p.String()).WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("retry identification of %s: %w", id, err)
	}
	if s.retry != nil {
		s.retry(id)
	}
	return nil
}

// SetPrimaryPerson fixes a computer's primary person by hand; an empty id returns the choice
// to user affinity.
func (s *Service) SetPrimaryPerson(ctx context.Context, id, personID string) (
	computer.Computer, error) {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return computer.Computer{}, err
	}
	var out computer.Computer
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.visible(ctx, tx, p, id)
		if err != nil {
			return err
		}
		before := c
		c.PrimaryPersonOverride = nil
		if personID != "" {
			n, err := tx.NewSelect().Table("persons").Where("id = ?", personID).
				Where("tenant_id = ?", c.TenantID).Count(ctx)
			if err != nil {
				return fmt.Errorf("check person %s: %w", personID, err)
			}
			if n == 0 {
				return fmt.Errorf("person %s is not a person of this computer's tenant: %w",
					personID, errs.ErrInvalid)
			}
			c.PrimaryPersonOverride = &personID
		}
		if _, err := tx.NewUpdate().Model(&c).Column("primary_person_override").WherePK().
			Exec(ctx); err != nil {
			return fmt.Errorf("save primary person override: %w", err)
		}
		if err := s.setPrimary(ctx, tx, &c); err != nil {
			return err
		}
		out = c
		return audit.Record(ctx, tx, audit.Change{Action: "set_primary_person",
			ObjectType: "computer", ObjectID: id, TenantID: c.TenantID, Before: before,
			After: c})
	})
	return out, err
}
