// Package computer holds the hub's record of each real machine: its identity facts, status,
// latest inventory and installed software, and whether any pathway reaches it now. Records
// are created and matched by identification; this package stores and serves them.
package computer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/tenant"
	"github.com/stewardhq/steward/sdk"
)

// Statuses of a computer.
const (
	StatusIdentifying          = "identifying"
	StatusIdentificationFailed = "identification_failed"
	StatusNeedsDecision        = "needs_decision"
	StatusNeedsOnboarding      = "needs_onboarding"
	StatusOnboarding           = "onboarding"
	StatusOnboarded            = "onboarded"
	StatusRetired              = "retired"
)

// OnlineWindow is how recently a connected pathway must have been heard from for its computer
// to count as online. Agents speak at least once a minute.
const OnlineWindow = 3 * time.Minute

// Computer is one real machine.
type Computer struct {
	bun.BaseModel `bun:"table:computers,alias:c"`

	ID            string     `bun:"id,pk" json:"id"`
	TenantID      string     `bun:"tenant_id" json:"tenantId"`
	Name          string     `bun:"name" json:"name"`
	Status        string     `bun:"status" json:"status"`
	SMBIOSUUID    string     `bun:"smbios_uuid" json:"smbiosUuid,omitempty"`
	UUIDKey       string     `bun:"uuid_key" json:"-"`
	Serial        string     `bun:"serial" json:"serial,omitempty"`
	SerialKey     string     `bun:"serial_key" json:"-"`
	Manufacturer  string     `bun:"manufacturer" json:"manufacturer,omitempty"`
	Model         string     `bun:"model" json:"model,omitempty"`
	OSName        string     `bun:"os_name" json:"osName,omitempty"`
	OSVersion     string     `bun:"os_version" json:"osVersion,omitempty"`
	OSInstallID   string     `bun:"os_install_id" json:"osInstallId,omitempty"`
	OSInstallDate *time.Time `bun:"os_install_date" json:"osInstallDate,omitempty"`
	ComputerType  string     `bun:"computer_type" json:"computerType,omitempty"`
	Tags          []string   `bun:"tags,type:text" json:"tags"`
	CreatedAt     time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt     time.Time  `bun:"updated_at" json:"updatedAt"`
	LastSeenAt    *time.Time `bun:"last_seen_at" json:"lastSeenAt,omitempty"`
	// StatusReason says why the computer is in its status (a failure, a wipe).
	StatusReason string `bun:"status_reason" json:"statusReason,omitempty"`
	// Decision is set while the status is needs_decision.
	DecisionSuggestion string  `bun:"decision_suggestion" json:"decisionSuggestion,omitempty"`
	DecisionReason     string  `bun:"decision_reason" json:"decisionReason,omitempty"`
	DecisionComputerID *string `bun:"decision_computer_id" json:"decisionComputerId,omitempty"`
	// PrimaryPersonID is the person who uses the computer most; an override sticks.
	PrimaryPersonID *string `bun:"primary_person_id" json:"primaryPersonId,omitempty"`
	// PrimaryPersonOverride is the person a technician chose, when one did.
	PrimaryPersonOverride *string `bun:"primary_person_override" json:"primaryOverride,omitempty"`
	// RecentUsers are the last users seen signed in, oldest first.
	RecentUsers []string `bun:"upn_history,type:text" json:"recentUsers"`
	// Online is true when any pathway reaches the computer now.
	Online bool `bun:"online,scanonly" json:"online"`
}

// Program is one installed program as last reported.
type Program struct {
	bun.BaseModel `bun:"table:computer_software"`

	ComputerID  string `bun:"computer_id" json:"-"`
	Name        string `bun:"name" json:"name"`
	Version     string `bun:"version" json:"version,omitempty"`
	Publisher   string `bun:"publisher" json:"publisher,omitempty"`
	ProductCode string `bun:"product_code" json:"productCode,omitempty"`
	UpgradeCode string `bun:"upgrade_code" json:"upgradeCode,omitempty"`
	Source      string `bun:"source" json:"source,omitempty"`
}

type inventoryRow struct {
	bun.BaseModel `bun:"table:computer_inventory"`

	ComputerID  string    `bun:"computer_id,pk"`
	Fingerprint string    `bun:"fingerprint"`
	ReportedAt  time.Time `bun:"reported_at"`
	Data        string    `bun:"data"`
}

// Filter narrows a list of computers.
type Filter struct {
	TenantID string
	Status   string
	// Statuses matches any of these statuses.
	Statuses []string
	// Query matches names containing it, case-insensitively.
	Query string
}

// Service reads and stores computers.
type Service struct {
	db  *bun.DB
	now func() time.Time
}

// NewService returns the computer service over db.
func NewService(db *bun.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// OnlineExpr is a column "online", for a query over computers aliased c, that is true when
// the hub can run scripts on the computer now: a live, unrevoked agent of it is connected, or
// a link whose connector runs scripts is running and reports the computer online.
func OnlineExpr(now time.Time) (string, []any) {
	return `(EXISTS (SELECT 1 FROM agents a WHERE a.computer_id = c.id
		AND a.revoked_at IS NULL AND a.connected_instance IS NOT NULL
		AND a.last_seen_at > ?)
		OR EXISTS (SELECT 1 FROM pathways p JOIN links l ON l.id = p.link_id
		WHERE p.computer_id = c.id AND p.online AND NOT p.gone AND l.enabled
		AND l.status = 'running' AND l.capabilities LIKE ?)) AS online`,
		[]any{now.Add(-OnlineWindow), `%"run_script"%`}
}

func (s *Service) selectComputers(db bun.IDB, dst any) *bun.SelectQuery {
	expr, args := OnlineExpr(s.now())
	return db.NewSelect().Model(dst).ColumnExpr("c.*").ColumnExpr(expr, args...)
}

// List returns a page of the computers the caller may see.
func (s *Service) List(ctx context.Context, f Filter, pr paging.Request) (
	paging.Page[Computer], error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return paging.Page[Computer]{}, err
	}
	if pr, err = pr.Normalize(); err != nil {
		return paging.Page[Computer]{}, err
	}

	var items []Computer
	q := s.selectComputers(s.db, &items).OrderExpr("lower(c.name), c.id").
		Limit(int64(pr.PageSize)).Offset(int64(pr.Offset()))
	if !p.IsMSP() {
		q = q.Where("c.tenant_id = ?", p.TenantID)
	}
	if f.TenantID != "" {
		q = q.Where("c.tenant_id = ?", f.TenantID)
	}
	if f.Status != "" {
		q = q.Where("c.status = ?", f.Status)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("c.status IN (?)", bun.In(f.Statuses))
	}
	if f.Query != "" {
		q = q.Where("lower(c.name) LIKE ?", "%"+strings.ToLower(f.Query)+"%")
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return paging.Page[Computer]{}, fmt.Errorf("list computers: %w", err)
	}
	return paging.New(pr, items, int(total)), nil
}

// Get returns one computer the caller may see.
func (s *Service) Get(ctx context.Context, id string) (Computer, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Computer{}, err
	}
	c, err := s.Load(ctx, s.db, id)
	if err != nil {
		return Computer{}, err
	}
	if !p.SeesTenant(c.TenantID) {
		return Computer{}, fmt.Errorf("computer %s: %w", id, errs.ErrNotFound)
	}
	return c, nil
}

// Load reads a computer without an access check, for the hub's own work.
func (s *Service) Load(ctx context.Context, db bun.IDB, id string) (Computer, error) {
	var c Computer
	err := s.selectComputers(db, &c).Where("c.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Computer{}, fmt.Errorf("computer %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return Computer{}, fmt.Errorf("load computer %s: %w", id, err)
	}
	return c, nil
}

// Software lists a page of a computer's installed programs from its latest inventory, by
// name; query keeps those whose name contains it.
func (s *Service) Software(ctx context.Context, id, query string, pr paging.Request) (
	paging.Page[Program], error) {
	if _, err := s.Get(ctx, id); err != nil {
		return paging.Page[Program]{}, err
	}
	pr, err := pr.Normalize()
	if err != nil {
		return paging.Page[Program]{}, err
	}
	var out []Program
	q := s.db.NewSelect().Model(&out).Where("computer_id = ?", id).
		OrderExpr("lower(name), source").Limit(int64(pr.PageSize)).Offset(int64(pr.Offset()))
	if query != "" {
		q = q.Where("lower(name) LIKE ?", "%"+strings.ToLower(query)+"%")
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return paging.Page[Program]{}, fmt.Errorf("list software of computer %s: %w", id, err)
	}
	return paging.New(pr, out, int(total)), nil
}

// Inventory returns a computer's latest inventory as reported, and when.
func (s *Service) Inventory(ctx context.Context, id string) (sdk.Inventory, time.Time, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return sdk.Inventory{}, time.Time{}, err
	}
	var row inventoryRow
	err := s.db.NewSelect().Model(&row).Where("computer_id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return sdk.Inventory{}, time.Time{}, fmt.Errorf("computer %s has reported no "+
			"inventory yet: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return sdk.Inventory{}, time.Time{}, fmt.Errorf("load inventory: %w", err)
	}
	var inv sdk.Inventory
	if err := json.Unmarshal([]byte(row.Data), &inv); err != nil {
		return sdk.Inventory{}, time.Time{}, fmt.Errorf("decode inventory: %w", err)
	}
	return inv, row.ReportedAt, nil
}

// SaveInventory stores a computer's latest inventory and replaces its software list, inside
// tx. It reports whether anything changed (an identical fingerprint changes nothing).
func SaveInventory(ctx context.Context, tx bun.IDB, computerID string, inv sdk.Inventory,
	fingerprint string, at time.Time) (bool, error) {
	var old inventoryRow
	err := tx.NewSelect().Model(&old).Where("computer_id = ?", computerID).Scan(ctx)
	if err == nil && old.Fingerprint == fingerprint && fingerprint != "" {
		_, err := tx.NewUpdate().Model(&old).Set("reported_at = ?", at).WherePK().Exec(ctx)
		return false, err
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("load inventory: %w", err)
	}

	data, err := json.Marshal(inv)
	if err != nil {
		return false, fmt.Errorf("encode inventory: %w", err)
	}
	row := inventoryRow{ComputerID: computerID, Fingerprint: fingerprint, ReportedAt: at,
		Data: string(data)}
	if _, err := tx.NewInsert().Model(&row).On("CONFLICT (computer_id) DO UPDATE").
		Set("fingerprint = EXCLUDED.fingerprint").Set("reported_at = EXCLUDED.reported_at").
		Set("data = EXCLUDED.data").Exec(ctx); err != nil {
		return false, fmt.Errorf("store inventory: %w", err)
	}

	if _, err := tx.NewDelete().Model((*Program)(nil)).Where("computer_id = ?", computerID).
		Exec(ctx); err != nil {
		return false, fmt.Errorf("clear software list: %w", err)
	}
	if len(inv.Programs) == 0 {
		return true, nil
	}
	progs := make([]Program, 0, len(inv.Programs))
	for _, p := range inv.Programs {
		progs = append(progs, Program{ComputerID: computerID, Name: p.Name, Version: p.Version,
			Publisher: p.Publisher, ProductCode: p.ProductCode, UpgradeCode: p.UpgradeCode,
			Source: p.Source})
	}
	// Insert in chunks: SQLite limits the number of bound parameters per statement.
	for start := 0; start < len(progs); start += 500 {
		end := min(start+500, len(progs))
		chunk := progs[start:end]
		if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return false, fmt.Errorf("store software list: %w", err)
		}
	}
	return true, nil
}

// Delete removes a computer with its inventory, sessions and runs, and revokes its agents so
// they do not bring it back. A computer that should come back later is retired instead (by a
// wipe decision); deleting is for machines that are gone.
func (s *Service) Delete(ctx context.Context, id string) error {
	p, err := access.Require(ctx, access.MSPAdmin, access.TenantAdmin)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.Load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.SeesTenant(c.TenantID) {
			return fmt.Errorf("computer %s: %w", id, errs.ErrNotFound)
		}
		if _, err := tx.NewUpdate().Table("agents").Set("revoked_at = ?", s.now()).
			Where("computer_id = ?", id).Where("revoked_at IS NULL").Exec(ctx); err != nil {
			return fmt.Errorf("revoke agents of computer %s: %w", id, err)
		}
		if _, err := tx.NewDelete().Model((*Computer)(nil)).Where("id = ?", id).
			Exec(ctx); err != nil {
			return fmt.Errorf("delete computer %s: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete", ObjectType: "computer",
			ObjectID: id, TenantID: c.TenantID, Before: c})
	})
}

// SetTags replaces a computer's tags.
func (s *Service) SetTags(ctx context.Context, id string, tags []string) (Computer, error) {
	p, err := access.Require(ctx, access.MSPAdmin, access.MSPUser, access.TenantAdmin)
	if err != nil {
		return Computer{}, err
	}
	if tags, err = tenant.CleanTags(tags); err != nil {
		return Computer{}, err
	}
	var out Computer
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.Load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.SeesTenant(c.TenantID) {
			return fmt.Errorf("computer %s: %w", id, errs.ErrNotFound)
		}
		before := c
		c.Tags, c.UpdatedAt = tags, s.now()
		if _, err := tx.NewUpdate().Model(&c).Column("tags", "updated_at").WherePK().
			Exec(ctx); err != nil {
			return fmt.Errorf("save tags of computer %s: %w", id, err)
		}
		out = c
		return audit.Record(ctx, tx, audit.Change{Action: "set_tags", ObjectType: "computer",
			ObjectID: id, TenantID: c.TenantID, Before: before.Tags, After: tags})
	})
	return out, err
}
