// Package deploy stores deployments, the rules that say which maintenance item should be in
// which state on which computers, and loads what resolution needs to decide, for a computer,
// which deployment wins for each item. The ranking itself is core/resolve's.
package deploy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/core/version"
)

type row struct {
	bun.BaseModel `bun:"table:deployments,alias:d"`

	ID            string            `bun:"id,pk"`
	ItemKind      string            `bun:"item_kind"`
	ItemID        string            `bun:"item_id"`
	State         string            `bun:"state"`
	Version       string            `bun:"version"`
	Scope         string            `bun:"scope"`
	TenantID      *string           `bun:"tenant_id"`
	TargetKind    string            `bun:"target_kind"`
	TargetRef     string            `bun:"target_ref"`
	ComputerTypes []string          `bun:"computer_types,type:text"`
	Parameters    map[string]string `bun:"parameters,type:text"`
	Priority      int               `bun:"priority"`
	Enabled       bool              `bun:"enabled"`
	Notes         string            `bun:"notes"`
	CreatedBy     string            `bun:"created_by"`
	CreatedAt     time.Time         `bun:"created_at"`
	UpdatedAt     time.Time         `bun:"updated_at"`
}

func (r row) deployment() resolve.Deployment {
	d := resolve.Deployment{ID: r.ID, ItemID: r.ItemID, ItemKind: resolve.ItemKind(r.ItemKind),
		State: resolve.State(r.State), Version: r.Version, Scope: resolve.Scope(r.Scope),
		Target:        resolve.Target{Kind: resolve.TargetKind(r.TargetKind), Ref: r.TargetRef},
		ComputerTypes: r.ComputerTypes, Priority: r.Priority, CreatedAt: r.CreatedAt,
		Enabled: r.Enabled, Parameters: r.Parameters, Notes: r.Notes}
	if r.TenantID != nil {
		d.TenantID = *r.TenantID
	}
	d.Parameters = masked(r.Parameters)
	return d
}

// Input creates a deployment. Fields match resolve.Deployment; Enabled defaults to true and
// Priority to 100.
type Input struct {
	ItemKind      string            `json:"itemKind"`
	ItemID        string            `json:"itemId"`
	State         string            `json:"state"`
	Version       string            `json:"version,omitempty"`
	Scope         string            `json:"scope"`
	TenantID      string            `json:"tenantId,omitempty"`
	Target        resolve.Target    `json:"target"`
	ComputerTypes []string          `json:"computerTypes,omitempty"`
	Parameters    map[string]string `json:"parameters,omitempty"`
	Priority      *int              `json:"priority,omitempty"`
	Enabled       *bool             `json:"enabled,omitempty"`
	Notes         string            `json:"notes,omitempty"`
}

// Patch changes a deployment's state, version, narrowing, parameters, priority, enabled flag
// or notes. Item, scope and target are fixed: make a new deployment to change them.
type Patch struct {
	State         *string           `json:"state,omitempty"`
	Version       *string           `json:"version,omitempty"`
	ComputerTypes []string          `json:"computerTypes,omitempty"`
	Parameters    map[string]string `json:"parameters,omitempty"`
	Priority      *int              `json:"priority,omitempty"`
	Enabled       *bool             `json:"enabled,omitempty"`
	Notes         *string           `json:"notes,omitempty"`
}

// Filter narrows a list.
type Filter struct {
	ItemID   string
	TenantID string
}

// itemLoader reads the catalog items deployments name.
type itemLoader interface {
	LoadSoftware(ctx context.Context, id string) (catalog.Software, error)
	LoadTask(ctx context.Context, id string) (catalog.Task, error)
}

// Service stores deployments.
type Service struct {
	db    *bun.DB
	items itemLoader
	box   sealer
	now   func() time.Time
}

// NewService returns the deployment service; items reads the deployed items and box seals
// password parameters.
func NewService(db *bun.DB, items itemLoader, box sealer) *Service {
	return &Service{db: db, items: items, box: box,
		now: func() time.Time { return time.Now().UTC() }}
}

// authorize says whether p may manage a deployment of this scope and tenant: cross-tenant
// ones are the MSP admins'; tenant admins manage their tenant's; tenant users only deployments
// for single computers and persons of their tenant.
func authorize(p access.Principal, scope resolve.Scope, tenantID string) error {
	switch {
	case p.Role == access.MSPAdmin:
		return nil
	case scope == resolve.ScopeCrossTenant:
		return fmt.Errorf("only MSP admins manage cross-tenant deployments: %w",
			errs.ErrForbidden)
	case p.Role == access.MSPUser:
		return nil
	case p.TenantID != tenantID:
		return fmt.Errorf("deployment of another tenant: %w", errs.ErrForbidden)
	case p.Role == access.TenantAdmin:
		return nil
	case p.Role == access.TenantUser && scope == resolve.ScopeIndividual:
		return nil
	}
	return fmt.Errorf("role %s may only manage individual deployments: %w", p.Role,
		errs.ErrForbidden)
}

// Create validates and stores a deployment. Saving it changes nothing on any computer.
func (s *Service) Create(ctx context.Context, in Input) (resolve.Deployment, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return resolve.Deployment{}, err
	}
	now := s.now()
	r := row{ID: uuid.Must(uuid.NewV7()).String(), ItemKind: in.ItemKind, ItemID: in.ItemID,
		State: in.State, Version: strings.TrimSpace(in.Version), Scope: in.Scope,
		TargetKind: string(in.Target.Kind), TargetRef: strings.TrimSpace(in.Target.Ref),
		ComputerTypes: in.ComputerTypes, Parameters: in.Parameters, Priority: 100,
		Enabled: true, Notes: in.Notes, CreatedBy: p.String(), CreatedAt: now, UpdatedAt: now}
	if in.TenantID != "" {
		r.TenantID = &in.TenantID
	}
	if in.Priority != nil {
		r.Priority = *in.Priority
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if r.ComputerTypes == nil {
		r.ComputerTypes = []string{}
	}
	if r.Parameters == nil {
		r.Parameters = map[string]string{}
	}
	d := r.deployment()
	if err := authorize(p, d.Scope, d.TenantID); err != nil {
		return resolve.Deployment{}, err
	}
	if err := s.check(ctx, d); err != nil {
		return resolve.Deployment{}, err
	}
	if r.Parameters, err = s.sealParams(ctx, d, r.Parameters, nil); err != nil {
		return resolve.Deployment{}, err
	}
	d = r.deployment()

	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&r).Exec(ctx); err != nil {
			return fmt.Errorf("save deployment: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "deployment",
			ObjectID: r.ID, TenantID: d.TenantID, After: d})
	})
	return d, err
}

// check validates a deployment against the rules and the database.
func (s *Service) check(ctx context.Context, d resolve.Deployment) error {
	if err := resolve.Validate(d); err != nil {
		return err
	}
	if d.Version != "" {
		if _, err := version.Parse(d.Version); err != nil {
			return fmt.Errorf("version %q: %w", d.Version, errs.ErrInvalid)
		}
	}
	if d.Priority < 0 || d.Priority > 1000000 {
		return fmt.Errorf("priority must be between 0 and 1000000: %w", errs.ErrInvalid)
	}
	if d.TenantID != "" {
		if err := s.exists(ctx, "tenants", d.TenantID, ""); err != nil {
			return err
		}
	}
	switch d.Target.Kind {
	case resolve.TargetComputer:
		if err := s.exists(ctx, "computers", d.Target.Ref, d.TenantID); err != nil {
			return err
		}
	case resolve.TargetPerson:
		if err := s.exists(ctx, "persons", d.Target.Ref, d.TenantID); err != nil {
			return err
		}
	}
	return s.checkItem(ctx, d)
}

// checkItem confirms the item exists, that the deployment's tenant may use it (a tenant's
// own software or task is deployed only within that tenant), and that the version and
// parameters fit the item.
func (s *Service) checkItem(ctx context.Context, d resolve.Deployment) error {
	var owner, name string
	if d.ItemKind == resolve.ItemSoftware {
		sw, err := s.items.LoadSoftware(ctx, d.ItemID)
		if err != nil {
			return fmt.Errorf("software %s: %w", d.ItemID, errs.ErrInvalid)
		}
		owner, name = sw.TenantID, sw.Name
		if err := checkSoftware(sw, d); err != nil {
			return err
		}
	} else {
		t, err := s.items.LoadTask(ctx, d.ItemID)
		if err != nil {
			return fmt.Errorf("task %s: %w", d.ItemID, errs.ErrInvalid)
		}
		owner, name = t.TenantID, t.Name
		if err := checkParameters(t, d.Parameters); err != nil {
			return err
		}
	}
	if owner != "" && owner != d.TenantID {
		return fmt.Errorf("%s belongs to one tenant and may only be deployed there: %w",
			name, errs.ErrInvalid)
	}
	return nil
}

func checkSoftware(sw catalog.Software, d resolve.Deployment) error {
	switch {
	case d.State == resolve.StateVersion:
		if _, ok := sw.FindVersion(d.Version); !ok {
			return fmt.Errorf("%s has no version %s in the catalog: %w", sw.Name, d.Version,
				errs.ErrInvalid)
		}
	case d.State != resolve.StateAtLeast && d.Version != "":
		return fmt.Errorf("a version goes with the states version and at_least, not %s: %w",
			d.State, errs.ErrInvalid)
	}
	if len(d.Parameters) > 0 {
		return fmt.Errorf("software deployments take no parameters: %w", errs.ErrInvalid)
	}
	return nil
}

// checkParameters checks a task deployment's parameters against the task's: known names,
// values of the right type, and every required one given or defaulted.
func checkParameters(t catalog.Task, given map[string]string) error {
	known := map[string]catalog.Parameter{}
	for _, p := range t.Parameters {
		known[p.Name] = p
	}
	for name, v := range given {
		p, ok := known[name]
		if !ok {
			return fmt.Errorf("task %s has no parameter %q: %w", t.Name, name, errs.ErrInvalid)
		}
		if err := p.CheckValue(v); err != nil {
			return fmt.Errorf("parameter %s: %w", name, err)
		}
	}
	for _, p := range t.Parameters {
		if _, ok := given[p.Name]; p.Required && !ok && p.Default == "" {
			return fmt.Errorf("task %s needs the parameter %s: %w", t.Name, p.Name,
				errs.ErrInvalid)
		}
	}
	return nil
}

func (s *Service) exists(ctx context.Context, table, id, tenantID string) error {
	q := s.db.NewSelect().Table(table).Where("id = ?", id)
	if tenantID != "" {
		q = q.Where("tenant_id = ?", tenantID)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return fmt.Errorf("check %s %s: %w", table, id, err)
	}
	if n == 0 {
		what := strings.TrimSuffix(table, "s")
		if tenantID != "" {
			return fmt.Errorf("%s %s is not in tenant %s: %w", what, id, tenantID,
				errs.ErrInvalid)
		}
		return fmt.Errorf("%s %s does not exist: %w", what, id, errs.ErrInvalid)
	}
	return nil
}

// List returns a page of the deployments the caller may see.
func (s *Service) List(ctx context.Context, f Filter, pr paging.Request) (
	paging.Page[resolve.Deployment], error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return paging.Page[resolve.Deployment]{}, err
	}
	if pr, err = pr.Normalize(); err != nil {
		return paging.Page[resolve.Deployment]{}, err
	}
	var rows []row
	q := s.db.NewSelect().Model(&rows).Order("created_at", "id").
		Limit(int64(pr.PageSize)).Offset(int64(pr.Offset()))
	if !p.IsMSP() {
		// Tenant principals see their tenant's deployments and the cross-tenant ones that
		// reach them.
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("tenant_id = ?", p.TenantID).WhereOr("tenant_id IS NULL")
		})
	}
	if f.ItemID != "" {
		q = q.Where("item_id = ?", f.ItemID)
	}
	if f.TenantID != "" {
		q = q.Where("tenant_id = ?", f.TenantID)
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return paging.Page[resolve.Deployment]{}, fmt.Errorf("list deployments: %w", err)
	}
	out := make([]resolve.Deployment, len(rows))
	for i, r := range rows {
		out[i] = r.deployment()
	}
	return paging.New(pr, out, int(total)), nil
}

// Get returns one deployment the caller may see.
func (s *Service) Get(ctx context.Context, id string) (resolve.Deployment, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return resolve.Deployment{}, err
	}
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return resolve.Deployment{}, err
	}
	if r.TenantID != nil && !p.SeesTenant(*r.TenantID) {
		return resolve.Deployment{}, fmt.Errorf("deployment %s: %w", id, errs.ErrNotFound)
	}
	return r.deployment(), nil
}

func (s *Service) load(ctx context.Context, db bun.IDB, id string) (row, error) {
	var r row
	err := db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("deployment %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("load deployment %s: %w", id, err)
	}
	return r, nil
}

// Update changes a deployment.
func (s *Service) Update(ctx context.Context, id string, in Patch) (resolve.Deployment, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return resolve.Deployment{}, err
	}
	var out resolve.Deployment
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		before := r.deployment()
		if before.TenantID != "" && !p.SeesTenant(before.TenantID) {
			return fmt.Errorf("deployment %s: %w", id, errs.ErrNotFound)
		}
		if err := authorize(p, before.Scope, before.TenantID); err != nil {
			return err
		}
		if in.State != nil {
			r.State = *in.State
		}
		if in.Version != nil {
			r.Version = strings.TrimSpace(*in.Version)
		}
		if in.ComputerTypes != nil {
			r.ComputerTypes = in.ComputerTypes
		}
		old := r.Parameters
		if in.Parameters != nil {
			r.Parameters = in.Parameters
		}
		if in.Priority != nil {
			r.Priority = *in.Priority
		}
		if in.Enabled != nil {
			r.Enabled = *in.Enabled
		}
		if in.Notes != nil {
			r.Notes = *in.Notes
		}
		r.UpdatedAt = s.now()
		out = r.deployment()
		out.Parameters = unmaskedFor(r.Parameters, old)
		if err := s.check(ctx, out); err != nil {
			return err
		}
		if r.Parameters, err = s.sealParams(ctx, out, r.Parameters, old); err != nil {
			return err
		}
		out = r.deployment()
		if _, err := tx.NewUpdate().Model(&r).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("save deployment %s: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "update", ObjectType: "deployment",
			ObjectID: id, TenantID: out.TenantID, Before: before, After: out})
	})
	return out, err
}

// Delete removes a deployment.
func (s *Service) Delete(ctx context.Context, id string) error {
	p, err := access.Anyone(ctx)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		d := r.deployment()
		if d.TenantID != "" && !p.SeesTenant(d.TenantID) {
			return fmt.Errorf("deployment %s: %w", id, errs.ErrNotFound)
		}
		if err := authorize(p, d.Scope, d.TenantID); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(&r).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("delete deployment %s: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete", ObjectType: "deployment",
			ObjectID: id, TenantID: d.TenantID, Before: d})
	})
}

// ForTenant loads every deployment that can reach a computer of the tenant: the cross-tenant
// ones and the tenant's own. No access check: for the hub's own work.
func (s *Service) ForTenant(ctx context.Context, tenantID string) ([]resolve.Deployment,
	error) {
	var rows []row
	reach := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("tenant_id IS NULL").WhereOr("tenant_id = ?", tenantID)
	}
	err := s.db.NewSelect().Model(&rows).WhereGroup(" AND ", reach).
		Order("created_at", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load deployments of tenant %s: %w", tenantID, err)
	}
	out := make([]resolve.Deployment, len(rows))
	for i, r := range rows {
		out[i] = r.deployment()
	}
	return out, nil
}
