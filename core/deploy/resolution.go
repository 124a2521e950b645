package deploy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/resolve"
)

// Facts loads what resolution matches a computer on: its tenant, tags, type and primary
// person. No access check: for the hub's own work.
func (s *Service) Facts(ctx context.Context, computerID string) (resolve.Computer, error) {
	var c computer.Computer
	if err := s.db.NewSelect().Model(&c).Where("id = ?", computerID).Scan(ctx); err != nil {
		return resolve.Computer{}, fmt.Errorf("computer %s: %w", computerID, errs.ErrNotFound)
	}
	return s.facts(ctx, c)
}

func (s *Service) facts(ctx context.Context, c computer.Computer) (resolve.Computer, error) {
	f := resolve.Computer{ID: c.ID, Name: c.Name, TenantID: c.TenantID, Type: c.ComputerType,
		Tags: c.Tags}
	var t struct {
		Name string   `bun:"name"`
		Tags []string `bun:"tags,type:text"`
	}
	err := s.db.NewSelect().Table("tenants").Column("name", "tags").
		Where("id = ?", c.TenantID).Scan(ctx, &t)
	if err != nil {
		return f, fmt.Errorf("load tenant of computer %s: %w", c.ID, err)
	}
	f.TenantName, f.TenantTags = t.Name, t.Tags
	if c.PrimaryPersonID != nil {
		var p struct {
			UPN  string   `bun:"upn"`
			Tags []string `bun:"tags,type:text"`
		}
		err := s.db.NewSelect().Table("persons").Column("upn", "tags").
			Where("id = ?", *c.PrimaryPersonID).Scan(ctx, &p)
		if err == nil {
			f.PrimaryPersonID, f.PrimaryPersonName, f.PrimaryPersonTags =
				*c.PrimaryPersonID, p.UPN, p.Tags
		}
	}
	return f, nil
}

// Winners resolves every item for a computer. No access check: for the hub's own work.
func (s *Service) Winners(ctx context.Context, computerID string) (
	map[string]resolve.Explanation, error) {
	f, err := s.Facts(ctx, computerID)
	if err != nil {
		return nil, err
	}
	ds, err := s.ForTenant(ctx, f.TenantID)
	if err != nil {
		return nil, err
	}
	return resolve.Resolve(f, ds, s.now()), nil
}

// Explain shows, for a computer the caller may see, every deployment of each item (or of one
// item), whether it matched and why, and why the winner won.
func (s *Service) Explain(ctx context.Context, computerID, itemID string) (
	[]resolve.Explanation, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.Facts(ctx, computerID)
	if err != nil {
		return nil, err
	}
	if !p.SeesTenant(f.TenantID) {
		return nil, fmt.Errorf("computer %s: %w", computerID, errs.ErrNotFound)
	}
	ds, err := s.ForTenant(ctx, f.TenantID)
	if err != nil {
		return nil, err
	}
	if itemID != "" {
		return []resolve.Explanation{resolve.Explain(f, itemID, ds, s.now())}, nil
	}
	byItem := resolve.Resolve(f, ds, s.now())
	out := make([]resolve.Explanation, 0, len(byItem))
	for _, e := range byItem {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b resolve.Explanation) int {
		if a.ItemID < b.ItemID {
			return -1
		}
		if a.ItemID > b.ItemID {
			return 1
		}
		return 0
	})
	return out, nil
}

// Planner says what a deployment would do on a computer, from its last inventory.
type Planner interface {
	Plan(ctx context.Context, computerID string, d resolve.Deployment) (action, reason string,
		err error)
}

// PreviewComputer is one computer a previewed deployment reaches.
type PreviewComputer struct {
	ComputerID   string `json:"computerId"`
	ComputerName string `json:"computerName"`
	TenantID     string `json:"tenantId"`
	// Wins is false when another deployment of the item outranks the preview.
	Wins         bool   `json:"wins"`
	WinnerReason string `json:"winnerReason"`
	// Action is what the computer would get if the preview won: install, update, none, …
	Action string `json:"action,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Preview shows which computers a deployment not yet saved would reach, and what each
// would get. It runs nothing and saves nothing.
func (s *Service) Preview(ctx context.Context, in Input, planner Planner) (
	[]PreviewComputer, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return nil, err
	}
	d := in.preview(s.now())
	if err := authorize(p, d.Scope, d.TenantID); err != nil {
		return nil, err
	}
	if err := s.check(ctx, d); err != nil {
		return nil, err
	}

	var comps []computer.Computer
	q := s.db.NewSelect().Model(&comps).
		Where("status NOT IN (?)", bun.In([]string{computer.StatusRetired,
			computer.StatusNeedsDecision})).Order("name").Limit(5000)
	if d.TenantID != "" {
		q = q.Where("tenant_id = ?", d.TenantID)
	} else if !p.IsMSP() {
		q = q.Where("tenant_id = ?", p.TenantID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list computers for preview: %w", err)
	}

	out := []PreviewComputer{}
	deps := map[string][]resolve.Deployment{}
	for _, c := range comps {
		f, err := s.facts(ctx, c)
		if err != nil {
			return nil, err
		}
		if ok, _ := resolve.Matches(f, d, s.now()); !ok {
			continue
		}
		if _, loaded := deps[c.TenantID]; !loaded {
			if deps[c.TenantID], err = s.ForTenant(ctx, c.TenantID); err != nil {
				return nil, err
			}
		}
		e := resolve.Explain(f, d.ItemID, append(slices.Clone(deps[c.TenantID]), d), s.now())
		pc := PreviewComputer{ComputerID: c.ID, ComputerName: c.Name, TenantID: c.TenantID,
			Wins: e.Winner != nil && e.Winner.ID == d.ID, WinnerReason: e.WinnerReason}
		if planner != nil {
			if pc.Action, pc.Reason, err = planner.Plan(ctx, c.ID, d); err != nil {
				pc.Reason = err.Error()
			}
		}
		out = append(out, pc)
	}
	return out, nil
}

// previewID names the unsaved deployment in explanations.
const previewID = "preview"

func (in Input) preview(now time.Time) resolve.Deployment {
	r := row{ID: previewID, ItemKind: in.ItemKind, ItemID: in.ItemID, State: in.State,
		Version: in.Version, Scope: in.Scope, TargetKind: string(in.Target.Kind),
		TargetRef: in.Target.Ref, ComputerTypes: in.ComputerTypes, Parameters: in.Parameters,
		Priority: 100, Enabled: true, CreatedAt: now}
	if in.TenantID != "" {
		r.TenantID = &in.TenantID
	}
	if in.Priority != nil {
		r.Priority = *in.Priority
	}
	return r.deployment()
}
