// Package person keeps the people of each tenant: their UPN, e-mail and directory object id.
// Computers name their primary person through user affinity; deployments may target a person.
// Directory connectors keep persons in sync; technicians may also manage them by hand.
package person

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/store"
)

// Person is someone at a tenant.
type Person struct {
	bun.BaseModel `bun:"table:persons"`

	ID                string    `bun:"id,pk" json:"id"`
	TenantID          string    `bun:"tenant_id" json:"tenantId"`
	UPN               string    `bun:"upn" json:"upn"`
	Email             string    `bun:"email" json:"email,omitempty"`
	DisplayName       string    `bun:"display_name" json:"displayName,omitempty"`
	DirectoryObjectID string    `bun:"directory_object_id" json:"directoryObjectId,omitempty"`
	Tags              []string  `bun:"tags,type:text" json:"tags"`
	CreatedAt         time.Time `bun:"created_at" json:"createdAt"`
	UpdatedAt         time.Time `bun:"updated_at" json:"updatedAt"`
}

// Input creates or, with pointers, changes a person.
type Input struct {
	TenantID          string   `json:"tenantId,omitempty"`
	UPN               *string  `json:"upn,omitempty"`
	Email             *string  `json:"email,omitempty"`
	DisplayName       *string  `json:"displayName,omitempty"`
	DirectoryObjectID *string  `json:"directoryObjectId,omitempty"`
	Tags              []string `json:"tags,omitempty"`
}

// Filter narrows a list.
type Filter struct {
	TenantID string
	// Query matches UPN or display name containing it.
	Query string
}

// Service manages persons.
type Service struct {
	db  *bun.DB
	now func() time.Time
}

// NewService returns the person service over db.
func NewService(db *bun.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

var writers = []access.Role{access.MSPAdmin, access.MSPUser, access.TenantAdmin}

// List returns a page of persons the caller may see.
func (s *Service) List(ctx context.Context, f Filter, pr paging.Request) (paging.Page[Person],
	error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return paging.Page[Person]{}, err
	}
	if pr, err = pr.Normalize(); err != nil {
		return paging.Page[Person]{}, err
	}
	var items []Person
	q := s.db.NewSelect().Model(&items).OrderExpr("lower(upn)").
		Limit(int64(pr.PageSize)).Offset(int64(pr.Offset()))
	if !p.IsMSP() {
		q = q.Where("tenant_id = ?", p.TenantID)
	}
	if f.TenantID != "" {
		q = q.Where("tenant_id = ?", f.TenantID)
	}
	if f.Query != "" {
		like := "%" + strings.ToLower(f.Query) + "%"
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("lower(upn) LIKE ?", like).WhereOr("lower(display_name) LIKE ?", like)
		})
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return paging.Page[Person]{}, fmt.Errorf("list persons: %w", err)
	}
	return paging.New(pr, items, int(total)), nil
}

// Get returns one person the caller may see.
func (s *Service) Get(ctx context.Context, id string) (Person, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Person{}, err
	}
	return s.visible(ctx, s.db, p, id)
}

func (s *Service) visible(ctx context.Context, db bun.IDB, p access.Principal, id string) (
	Person, error) {
	var out Person
	err := db.NewSelect().Model(&out).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.SeesTenant(out.TenantID)) {
		return Person{}, fmt.Errorf("person %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return Person{}, fmt.Errorf("load person %s: %w", id, err)
	}
	return out, nil
}

// Create adds a person to a tenant.
func (s *Service) Create(ctx context.Context, in Input) (Person, error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Person{}, err
	}
	if in.TenantID == "" && !p.IsMSP() {
		in.TenantID = p.TenantID
	}
	if in.TenantID == "" {
		return Person{}, fmt.Errorf("tenantId is required: %w", errs.ErrInvalid)
	}
	if !p.SeesTenant(in.TenantID) {
		return Person{}, fmt.Errorf("tenant %s: %w", in.TenantID, errs.ErrNotFound)
	}
	now := s.now()
	out := Person{ID: uuid.Must(uuid.NewV7()).String(), TenantID: in.TenantID, Tags: []string{},
		CreatedAt: now, UpdatedAt: now}
	if err := apply(&out, in); err != nil {
		return Person{}, err
	}
	if out.UPN == "" {
		return Person{}, fmt.Errorf("upn is required: %w", errs.ErrInvalid)
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&out).Exec(ctx); err != nil {
			return writeErr(err, out)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "person",
			ObjectID: out.ID, TenantID: out.TenantID, After: out})
	})
	return out, err
}

// Update changes a person; fields left out stay as they are.
func (s *Service) Update(ctx context.Context, id string, in Input) (Person, error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Person{}, err
	}
	if in.TenantID != "" {
		return Person{}, fmt.Errorf("a person cannot move to another tenant: %w",
			errs.ErrInvalid)
	}
	var out Person
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		before, err := s.visible(ctx, tx, p, id)
		if err != nil {
			return err
		}
		out = before
		if err := apply(&out, in); err != nil {
			return err
		}
		out.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(&out).WherePK().Exec(ctx); err != nil {
			return writeErr(err, out)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "update", ObjectType: "person",
			ObjectID: id, TenantID: out.TenantID, Before: before, After: out})
	})
	return out, err
}

// Delete removes a person. Computers that named them as primary person fall back to affinity.
func (s *Service) Delete(ctx context.Context, id string) error {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		before, err := s.visible(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(&before).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("delete person %s: %w", id, err)
		}
		for _, col := range []string{"primary_person_id", "primary_person_override"} {
			if _, err := tx.NewUpdate().Table("computers").Set(col+" = NULL").
				Where(col+" = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("clear %s: %w", col, err)
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete", ObjectType: "person",
			ObjectID: id, TenantID: before.TenantID, Before: before})
	})
}

func apply(out *Person, in Input) error {
	if in.UPN != nil {
		upn := strings.TrimSpace(*in.UPN)
		if at := strings.LastIndex(upn, "@"); at <= 0 || at == len(upn)-1 ||
			strings.ContainsAny(upn, " \t\r\n") {
			return fmt.Errorf("upn %q must look like user@domain: %w", upn, errs.ErrInvalid)
		}
		out.UPN = upn
	}
	if in.Email != nil {
		email := strings.TrimSpace(*in.Email)
		if email != "" {
			if _, err := mail.ParseAddress(email); err != nil {
				return fmt.Errorf("email %q is not an e-mail address: %w", email, errs.ErrInvalid)
			}
		}
		out.Email = email
	}
	if in.DisplayName != nil {
		out.DisplayName = strings.TrimSpace(*in.DisplayName)
	}
	if in.DirectoryObjectID != nil {
		out.DirectoryObjectID = strings.TrimSpace(*in.DirectoryObjectID)
	}
	if in.Tags != nil {
		out.Tags = in.Tags
	}
	return nil
}

func writeErr(err error, p Person) error {
	if store.IsUniqueViolation(err) {
		return fmt.Errorf("a person with upn %q exists in this tenant: %w", p.UPN,
			errs.ErrConflict)
	}
	if store.IsForeignKeyViolation(err) {
		return fmt.Errorf("tenant %s does not exist: %w", p.TenantID, errs.ErrInvalid)
	}
	return fmt.Errorf("save person: %w", err)
}
