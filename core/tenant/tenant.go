// Package tenant manages the MSP's customers. One tenant is the MSP itself: it exists from the
// first start and cannot be deleted. Tenant-bound principals see only their own tenant.
package tenant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/store"
)

// Tenant is one customer of the MSP, or the MSP itself.
type Tenant struct {
	bun.BaseModel `bun:"table:tenants"`

	ID                string  `bun:"id,pk" json:"id"`
	Name              string  `bun:"name" json:"name"`
	ParentID          *string `bun:"parent_id" json:"parentId,omitempty"`
	IsMSP             bool    `bun:"is_msp" json:"isMsp"`
	OnboardingEnabled bool    `bun:"onboarding_enabled" json:"onboardingEnabled"`
	// Tags let deployments target every computer of tenants that carry them.
	Tags      []string  `bun:"tags,type:text" json:"tags"`
	CreatedAt time.Time `bun:"created_at" json:"createdAt"`
	UpdatedAt time.Time `bun:"updated_at" json:"updatedAt"`
}

// Input creates a tenant.
type Input struct {
	Name     string  `json:"name"`
	ParentID *string `json:"parentId,omitempty"`
	// OnboardingEnabled defaults to true: new computers get an onboarding session.
	OnboardingEnabled *bool    `json:"onboardingEnabled,omitempty"`
	Tags              []string `json:"tags,omitempty"`
}

// Patch changes a tenant; nil fields stay as they are. An empty ParentID clears the parent.
type Patch struct {
	Name              *string `json:"name,omitempty"`
	ParentID          *string `json:"parentId,omitempty"`
	OnboardingEnabled *bool   `json:"onboardingEnabled,omitempty"`
	// Tags, when given, replace the tenant's tags ([] clears them).
	Tags []string `json:"tags,omitempty"`
}

// Filter narrows a list.
type Filter struct {
	// Query matches names containing it, case-insensitively.
	Query string
}

// Service manages tenants.
type Service struct {
	db  *bun.DB
	now func() time.Time
}

// NewService returns the tenant service over db.
func NewService(db *bun.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// EnsureMSP creates the MSP's own tenant when none exists and returns it.
func (s *Service) EnsureMSP(ctx context.Context, name string) (Tenant, error) {
	var t Tenant
	err := s.db.NewSelect().Model(&t).Where("is_msp").Scan(ctx)
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, fmt.Errorf("look up msp tenant: %w", err)
	}
	now := s.now()
	t = Tenant{ID: uuid.Must(uuid.NewV7()).String(), Name: name, IsMSP: true,
		OnboardingEnabled: true, Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	ctx = access.WithPrincipal(ctx, access.System())
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&t).Exec(ctx); err != nil {
			return fmt.Errorf("create msp tenant: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "tenant",
			ObjectID: t.ID, TenantID: t.ID, After: t})
	})
	if store.IsUniqueViolation(err) {
		// Another instance created it at the same moment.
		return s.EnsureMSP(ctx, name)
	}
	return t, err
}

// List returns a page of the tenants the caller may see, by name.
func (s *Service) List(ctx context.Context, f Filter, pr paging.Request) (paging.Page[Tenant],
	error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return paging.Page[Tenant]{}, err
	}
	if pr, err = pr.Normalize(); err != nil {
		return paging.Page[Tenant]{}, err
	}

	var items []Tenant
	q := s.db.NewSelect().Model(&items).OrderExpr("lower(name)").
		Limit(int64(pr.PageSize)).Offset(int64(pr.Offset()))
	if !p.IsMSP() {
		q = q.Where("id = ?", p.TenantID)
	}
	if f.Query != "" {
		q = q.Where("lower(name) LIKE ?", "%"+strings.ToLower(f.Query)+"%")
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return paging.Page[Tenant]{}, fmt.Errorf("list tenants: %w", err)
	}
	return paging.New(pr, items, int(total)), nil
}

// Get returns one tenant the caller may see.
func (s *Service) Get(ctx context.Context, id string) (Tenant, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Tenant{}, err
	}
	if !p.SeesTenant(id) {
		return Tenant{}, notFound(id)
	}
	return s.load(ctx, s.db, id)
}

func (s *Service) load(ctx context.Context, db bun.IDB, id string) (Tenant, error) {
	var t Tenant
	err := db.NewSelect().Model(&t).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, notFound(id)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("load tenant %s: %w", id, err)
	}
	return t, nil
}

func notFound(id string) error {
	return fmt.Errorf("tenant %s: %w", id, errs.ErrNotFound)
}

// Create adds a tenant.
func (s *Service) Create(ctx context.Context, in Input) (Tenant, error) {
	if _, err := access.Require(ctx, access.MSPAdmin, access.MSPUser); err != nil {
		return Tenant{}, err
	}

	name, err := cleanName(in.Name)
	if err != nil {
		return Tenant{}, err
	}
	now := s.now()
	t := Tenant{ID: uuid.Must(uuid.NewV7()).String(), Name: name, OnboardingEnabled: true,
		Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	if in.Tags != nil {
		if t.Tags, err = CleanTags(in.Tags); err != nil {
			return Tenant{}, err
		}
	}
	if in.OnboardingEnabled != nil {
		t.OnboardingEnabled = *in.OnboardingEnabled
	}

	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if in.ParentID != nil && *in.ParentID != "" {
			if _, err := s.load(ctx, tx, *in.ParentID); err != nil {
				return fmt.Errorf("parent %s does not exist: %w", *in.ParentID, errs.ErrInvalid)
			}
			t.ParentID = in.ParentID
		}
		if _, err := tx.NewInsert().Model(&t).Exec(ctx); err != nil {
			return s.writeErr(err, name)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "tenant",
			ObjectID: t.ID, TenantID: t.ID, After: t})
	})
	if err != nil {
		return Tenant{}, err
	}
	return t, nil
}

// Update changes a tenant's name, parent or onboarding setting.
func (s *Service) Update(ctx context.Context, id string, in Patch) (Tenant, error) {
	if _, err := access.Require(ctx, access.MSPAdmin, access.MSPUser); err != nil {
		return Tenant{}, err
	}

	var out Tenant
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		before, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		after := before
		if in.Name != nil {
			if after.Name, err = cleanName(*in.Name); err != nil {
				return err
			}
		}
		if in.OnboardingEnabled != nil {
			after.OnboardingEnabled = *in.OnboardingEnabled
		}
		if in.Tags != nil {
			if after.Tags, err = CleanTags(in.Tags); err != nil {
				return err
			}
		}
		if in.ParentID != nil {
			if err := s.setParent(ctx, tx, &after, *in.ParentID); err != nil {
				return err
			}
		}
		after.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(&after).WherePK().Exec(ctx); err != nil {
			return s.writeErr(err, after.Name)
		}
		out = after
		return audit.Record(ctx, tx, audit.Change{Action: "update", ObjectType: "tenant",
			ObjectID: id, TenantID: id, Before: before, After: after})
	})
	return out, err
}

// setParent checks that the new parent exists and that no loop forms.
func (s *Service) setParent(ctx context.Context, tx bun.Tx, t *Tenant, parentID string) error {
	if parentID == "" {
		t.ParentID = nil
		return nil
	}
	if t.IsMSP {
		return fmt.Errorf("the MSP tenant cannot have a parent: %w", errs.ErrInvalid)
	}
	for cur := parentID; cur != ""; {
		if cur == t.ID {
			return fmt.Errorf("tenant %s cannot be its own ancestor: %w", t.ID, errs.ErrInvalid)
		}
		p, err := s.load(ctx, tx, cur)
		if err != nil {
			return fmt.Errorf("parent %s does not exist: %w", cur, errs.ErrInvalid)
		}
		cur = ""
		if p.ParentID != nil {
			cur = *p.ParentID
		}
	}
	t.ParentID = &parentID
	return nil
}

// Delete removes a tenant that has no child tenants. The MSP tenant cannot be deleted.
func (s *Service) Delete(ctx context.Context, id string) error {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return err
	}

	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.IsMSP {
			return fmt.Errorf("the MSP's own tenant cannot be deleted: %w", errs.ErrConflict)
		}
		if _, err := tx.NewDelete().Model(&t).WherePK().Exec(ctx); err != nil {
			if store.IsForeignKeyViolation(err) {
				return fmt.Errorf("tenant %s still has %s: %w", t.Name,
					s.dependents(ctx, t.ID), errs.ErrConflict)
			}
			return fmt.Errorf("delete tenant %s: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete", ObjectType: "tenant",
			ObjectID: id, TenantID: id, Before: t})
	})
}

func (s *Service) writeErr(err error, name string) error {
	if store.IsUniqueViolation(err) {
		return fmt.Errorf("a tenant named %q exists already: %w", name, errs.ErrConflict)
	}
	return fmt.Errorf("save tenant: %w", err)
}

// cleanName trims a name and refuses empty, overlong or control-character names.
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("tenant name is required: %w", errs.ErrInvalid)
	case len([]rune(name)) > 200:
		return "", fmt.Errorf("tenant name is longer than 200 characters: %w", errs.ErrInvalid)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", fmt.Errorf("tenant name contains control characters: %w", errs.ErrInvalid)
	}
	return name, nil
}

// dependents names what keeps a tenant from being deleted, for the error message.
func (s *Service) dependents(ctx context.Context, id string) string {
	var parts []string
	for _, d := range []struct{ table, column, what string }{
		{"tenants", "parent_id", "child tenants"},
		{"computers", "tenant_id", "computers"},
		{"software", "tenant_id", "software"},
		{"tasks", "tenant_id", "tasks"},
		{"catalog_scripts", "tenant_id", "scripts"},
	} {
		n, err := s.db.NewSelect().Table(d.table).Where(d.column+" = ?", id).Count(ctx)
		if err == nil && n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, d.what))
		}
	}
	if len(parts) == 0 {
		return "objects that refer to it"
	}
	return strings.Join(parts, ", ") + "; delete or move them first"
}

// CleanTags trims tags, drops empty and repeated ones (case-insensitively), and refuses
// overlong ones or ones with commas or line breaks.
func CleanTags(in []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		if len(t) > 64 || strings.ContainsAny(t, ",\n\r\t") {
			return nil, fmt.Errorf("tag %q must be at most 64 characters without commas or "+
				"line breaks: %w", t, errs.ErrInvalid)
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
	}
	return out, nil
}
