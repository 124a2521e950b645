package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/store"
)

// Service manages the catalog. Its exported methods with a principal check serve the API;
// the Load methods serve the hub's own work (sessions) and check nothing.
type Service struct {
	db  *bun.DB
	now func() time.Time
}

// NewService returns the catalog service over db.
func NewService(db *bun.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// writers may change catalog items; tenant admins only their own tenant's.
var writers = []access.Role{access.MSPAdmin, access.MSPUser, access.TenantAdmin}

// owner is who an item belongs to: the global catalog, the MSP (no tenant) or one tenant.
type owner struct {
	global   bool
	tenantID string
}

func (o owner) String() string {
	switch {
	case o.global:
		return "the global catalog"
	case o.tenantID == "":
		return "the MSP"
	default:
		return "tenant " + o.tenantID
	}
}

// sees reports whether p may read an item of o: global and MSP items are read by everyone.
func sees(p access.Principal, o owner) bool {
	return o.global || o.tenantID == "" || p.SeesTenant(o.tenantID)
}

// mayChange says why p may not change an item of o that p sees, or nil.
func mayChange(p access.Principal, o owner, what string) error {
	if o.global {
		return fmt.Errorf("%s is part of the global catalog, which is read-only: %w", what,
			errs.ErrForbidden)
	}
	if !p.IsMSP() && o.tenantID != p.TenantID {
		return fmt.Errorf("%s belongs to the MSP; tenant roles change only their own "+
			"tenant's items: %w", what, errs.ErrForbidden)
	}
	return nil
}

// usable reports whether an item of by may refer to an item of ref: what an item refers to
// must be readable by everyone who reads the item.
func usable(ref, by owner) bool {
	return ref.global || (!by.global && (ref.tenantID == "" || ref.tenantID == by.tenantID))
}

// ownerFor decides who a new item belongs to from the input's tenantId and the caller.
func ownerFor(p access.Principal, tenantID string) (owner, error) {
	tenantID = strings.TrimSpace(tenantID)
	if p.IsMSP() {
		return owner{tenantID: tenantID}, nil
	}
	if tenantID != "" && tenantID != p.TenantID {
		return owner{}, fmt.Errorf("tenant %s: %w", tenantID, errs.ErrNotFound)
	}
	return owner{tenantID: p.TenantID}, nil
}

// visibleWhere limits a list query to the items p may read.
func visibleWhere(q *bun.SelectQuery, p access.Principal, alias string) *bun.SelectQuery {
	if p.IsMSP() {
		return q
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where(alias+".is_global").WhereOr(alias+".tenant_id IS NULL").
			WhereOr(alias+".tenant_id = ?", p.TenantID)
	})
}

// filterWhere applies a list filter to a query.
func filterWhere(q *bun.SelectQuery, f Filter, alias string) *bun.SelectQuery {
	if f.TenantID != "" {
		q = q.Where(alias+".tenant_id = ?", f.TenantID)
	}
	if f.Query != "" {
		q = q.Where("lower("+alias+".name) LIKE ?", "%"+strings.ToLower(f.Query)+"%")
	}
	return q
}

// cleanName trims an item name and refuses empty, overlong or control-character names.
func cleanName(kind, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("%s name is required: %w", kind, errs.ErrInvalid)
	case len([]rune(name)) > 200:
		return "", fmt.Errorf("%s name is longer than 200 characters: %w", kind, errs.ErrInvalid)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%s name contains control characters: %w", kind, errs.ErrInvalid)
	}
	return name, nil
}

// writeErr turns constraint violations of a save into errors people can act on.
func writeErr(err error, kind, name string, o owner) error {
	if store.IsUniqueViolation(err) {
		return fmt.Errorf("%s already has a %s named %q: %w", o, kind, name, errs.ErrConflict)
	}
	if store.IsForeignKeyViolation(err) {
		return fmt.Errorf("%s %q refers to something that does not exist: %w", kind, name,
			errs.ErrInvalid)
	}
	return fmt.Errorf("save %s: %w", kind, err)
}

// deleteErr turns a foreign key refusal of a delete into a conflict.
func deleteErr(err error, kind, name string) error {
	if store.IsForeignKeyViolation(err) {
		return fmt.Errorf("%s %q is still used: %w", kind, name, errs.ErrConflict)
	}
	return fmt.Errorf("delete %s: %w", kind, err)
}

// notDeployed refuses to delete an item that deployments still name: they would fail on
// every computer they reach.
func notDeployed(ctx context.Context, db bun.IDB, itemID, what string) error {
	n, err := db.NewSelect().Table("deployments").Where("item_id = ?", itemID).Count(ctx)
	if err != nil {
		return fmt.Errorf("count deployments of %s: %w", what, err)
	}
	if n > 0 {
		return fmt.Errorf("%s is used by %d deployments; delete them first: %w", what, n,
			errs.ErrConflict)
	}
	return nil
}

// listRows reads one page of the catalog rows of type R that the caller may read, by name;
// alias is the table's alias in R's bun model.
func listRows[R any](ctx context.Context, db *bun.DB, f Filter, pr paging.Request, alias,
	what string) ([]R, paging.Request, int, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return nil, pr, 0, err
	}
	if pr, err = pr.Normalize(); err != nil {
		return nil, pr, 0, err
	}
	var rows []R
	q := db.NewSelect().Model(&rows).OrderExpr("lower(" + alias + ".name), " + alias + ".id").
		Limit(int64(pr.PageSize)).Offset(int64(pr.Offset()))
	q = filterWhere(visibleWhere(q, p, alias), f, alias)
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return nil, pr, 0, fmt.Errorf("list %s: %w", what, err)
	}
	return rows, pr, int(total), nil
}
