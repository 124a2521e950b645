package identify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

// pathwayRow is a computer record behind a connector link.
type pathwayRow struct {
	bun.BaseModel `bun:"table:pathways"`

	ID          string     `bun:"id,pk"`
	LinkID      string     `bun:"link_id"`
	ExternalID  string     `bun:"external_id"`
	TenantID    string     `bun:"tenant_id"`
	ComputerID  *string    `bun:"computer_id"`
	Online      bool       `bun:"online"`
	Gone        bool       `bun:"gone"`
	FirstSeenAt time.Time  `bun:"first_seen_at"`
	LastSeenAt  *time.Time `bun:"last_seen_at"`
}

// linkPathway attaches the reporting pathway to a computer.
func linkPathway(ctx context.Context, tx bun.IDB, tenantID string, p Pathway,
	computerID string) error {
	if p.LinkID == NativeLink {
		_, err := tx.NewUpdate().Table("agents").Set("computer_id = ?", computerID).
			Where("id = ?", p.ExternalID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("link agent %s to computer %s: %w", p.ExternalID, computerID, err)
		}
		return nil
	}
	// A link deleted while its sync went on must not get its records back. On PostgreSQL
	// the link's row is held until this transaction ends, so a delete waits for it and then
	// marks the records gone; SQLite runs one writing transaction at a time anyway.
	q := tx.NewSelect().Table("links").Column("id").Where("id = ?", p.LinkID)
	if tx.Dialect().Name() == dialect.PG {
		q = q.For("SHARE")
	}
	var ids []string
	err := q.Scan(ctx, &ids)
	n := len(ids)
	if err != nil {
		return fmt.Errorf("find link %s: %w", p.LinkID, err)
	}
	if n == 0 {
		return fmt.Errorf("link %s was deleted: %w", p.LinkID, errs.ErrNotFound)
	}
	last := p.LastSeen
	row := pathwayRow{ID: uuid.Must(uuid.NewV7()).String(), LinkID: p.LinkID,
		ExternalID: p.ExternalID, TenantID: tenantID, ComputerID: &computerID,
		Online: p.Online, FirstSeenAt: p.FirstSeen, LastSeenAt: &last}
	_, err = tx.NewInsert().Model(&row).On("CONFLICT (link_id, external_id) DO UPDATE").
		Set("computer_id = EXCLUDED.computer_id").Set("online = EXCLUDED.online").
		Set("gone = false").Set("last_seen_at = EXCLUDED.last_seen_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("link pathway %s/%s: %w", p.LinkID, p.ExternalID, err)
	}
	return nil
}

type distrustRow struct {
	bun.BaseModel `bun:"table:distrusted_values"`

	Kind      string    `bun:"kind,pk"`
	Value     string    `bun:"value,pk"`
	Reason    string    `bun:"reason"`
	CreatedAt time.Time `bun:"created_at"`
}

func loadDistrust(ctx context.Context, tx bun.IDB) (DistrustSet, error) {
	var rows []distrustRow
	if err := tx.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return DistrustSet{}, fmt.Errorf("load distrusted values: %w", err)
	}
	vals := make([]DistrustedValue, len(rows))
	for i, r := range rows {
		vals[i] = DistrustedValue{Kind: ValueKind(r.Kind), Value: r.Value, Reason: r.Reason}
	}
	return NewDistrustSet(vals...), nil
}

func saveDistrust(ctx context.Context, tx bun.IDB, vals []DistrustedValue,
	now time.Time) error {
	for _, v := range vals {
		row := distrustRow{Kind: string(v.Kind), Value: v.Value, Reason: v.Reason, CreatedAt: now}
		if _, err := tx.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("store distrusted %s: %w", v.Kind, err)
		}
	}
	return nil
}

// applyFacts copies reported facts onto the computer; an empty fact keeps what was known.
// With onlyGaps, facts fill only what the computer lacks: a link's record does not rename a
// computer whose own agent reports, nor does it move its last contact. seen is when the
// pathway last heard from the computer; zero leaves the last contact as it was.
func applyFacts(c *computer.Computer, inv sdk.Inventory, now, seen time.Time, onlyGaps bool) {
	f := inv.Facts
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" && (!onlyGaps || *dst == "") {
			*dst = v
		}
	}
	if u, ok := NormalizeUUID(f.SMBIOSUUID); ok && (!onlyGaps || c.SMBIOSUUID == "") {
		c.SMBIOSUUID = u
		c.UUIDKey = ""
		if !IsPlaceholderUUID(u) {
			c.UUIDKey = UUIDKey(u)
		}
	}
	if strings.TrimSpace(f.Serial) != "" && (!onlyGaps || c.Serial == "") {
		c.Serial = strings.TrimSpace(f.Serial)
		c.SerialKey = LookupKeys(f).Serial
	}
	set(&c.Name, f.Hostname)
	set(&c.Manufacturer, f.Manufacturer)
	set(&c.Model, f.Model)
	set(&c.OSName, f.OSName)
	set(&c.OSVersion, f.OSVersion)
	set(&c.OSInstallID, f.OSInstallID)
	set(&c.ComputerType, inv.ComputerType)
	if f.OSInstallDate != nil && (!onlyGaps || c.OSInstallDate == nil) {
		c.OSInstallDate = f.OSInstallDate
	}
	if c.Name == "" {
		c.Name = "unnamed"
	}
	if c.RecentUsers == nil {
		c.RecentUsers = []string{}
	}
	c.UpdatedAt = now
	if !seen.IsZero() && (c.LastSeenAt == nil || seen.After(*c.LastSeenAt)) {
		c.LastSeenAt = &seen
	}
}

// agentReports reports whether an unrevoked Steward agent of the computer reports its facts.
func agentReports(ctx context.Context, tx bun.IDB, computerID string) (bool, error) {
	n, err := tx.NewSelect().Table("agents").Where("computer_id = ?", computerID).
		Where("revoked_at IS NULL").Count(ctx)
	if err != nil {
		return false, fmt.Errorf("find agents of computer %s: %w", computerID, err)
	}
	return n > 0, nil
}

// noteUsers adds the signed-in users to the computer's history and recomputes its primary
// person.
func (s *Service) noteUsers(ctx context.Context, tx bun.IDB, computerID string,
	users []string) error {
	c, err := loadComputer(ctx, tx, computerID)
	if err != nil {
		return err
	}
	history := c.RecentUsers
	for _, u := range users {
		history = PushUPN(history, u)
	}
	c.RecentUsers = history
	return s.setPrimary(ctx, tx, &c)
}

// setPrimary recomputes the primary person from the history and the override, and saves.
func (s *Service) setPrimary(ctx context.Context, tx bun.IDB, c *computer.Computer) error {
	persons := map[string]string{}
	if len(c.RecentUsers) > 0 {
		lower := make([]string, len(c.RecentUsers))
		for i, u := range c.RecentUsers {
			lower[i] = strings.ToLower(u)
		}
		var rows []struct {
			ID  string `bun:"id"`
			UPN string `bun:"upn"`
		}
		err := tx.NewSelect().Table("persons").Column("id", "upn").
			Where("tenant_id = ?", c.TenantID).Where("lower(upn) IN (?)", bun.In(lower)).
			Scan(ctx, &rows)
		if err != nil {
			return fmt.Errorf("find persons of computer %s: %w", c.ID, err)
		}
		for _, r := range rows {
			persons[strings.ToLower(r.UPN)] = r.ID
		}
	}
	override := ""
	if c.PrimaryPersonOverride != nil {
		override = *c.PrimaryPersonOverride
	}
	c.PrimaryPersonID = nil
	if id := PrimaryPerson(c.RecentUsers, persons, override); id != "" {
		c.PrimaryPersonID = &id
	}
	_, err := tx.NewUpdate().Model(c).Column("upn_history", "primary_person_id").WherePK().
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save users of computer %s: %w", c.ID, err)
	}
	return nil
}
