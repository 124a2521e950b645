package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

// saving is what saving one software or task needs to check and resolve what it refers to.
type saving struct {
	s      *Service
	tx     bun.Tx
	p      access.Principal
	owner  owner
	itemID string
	// stable derives the ids of inline scripts from the item id and their role, so that
	// loading the global catalog again updates its scripts in place instead of adding new
	// ones.
	stable bool
}

// refRule says which items an item of o may refer to.
func refRule(o owner) string {
	switch {
	case o.global:
		return "items of the global catalog may refer only to global items"
	case o.tenantID == "":
		return "the MSP's items may refer only to global and MSP items"
	default:
		return "a tenant's items may refer only to global, MSP and that tenant's items"
	}
}

// script resolves a script reference: an id must name a script the item may use; an inline
// script is stored as a script of the item's owner, named name. current is the script the
// reference replaces; role keys stable ids.
func (c *saving) script(ctx context.Context, ref *ScriptRef, role, name, current string) (
	string, error) {
	if ref == nil {
		return current, nil
	}
	if ref.Inline != nil {
		return c.inline(ctx, *ref.Inline, role, name, current)
	}
	id := strings.TrimSpace(ref.ID)
	if id == "" {
		return "", nil
	}
	row, err := loadScript(ctx, c.tx, id)
	if err != nil || !sees(c.p, row.owner()) {
		return "", fmt.Errorf("%s script %s does not exist: %w", role, id, errs.ErrInvalid)
	}
	if !usable(row.owner(), c.owner) {
		return "", fmt.Errorf("%s script %q belongs to %s; %s: %w", role, row.Name,
			row.owner(), refRule(c.owner), errs.ErrInvalid)
	}
	return id, nil
}

func (c *saving) inline(ctx context.Context, in InlineScript, role, name, current string) (
	string, error) {
	now := c.s.now()
	sc := Script{Global: c.owner.global, TenantID: c.owner.tenantID, Name: name,
		Language: strings.TrimSpace(in.Language), Context: strings.TrimSpace(in.Context),
		TimeoutSeconds: in.TimeoutSeconds, Body: in.Body, CreatedAt: now, UpdatedAt: now}
	if sc.Context == "" {
		sc.Context = sdk.ContextSystem
	}
	if sc.TimeoutSeconds == 0 {
		sc.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if err := checkScript(sc); err != nil {
		return "", err
	}

	if c.stable {
		sc.ID = uuid.NewSHA1(uuid.NameSpaceOID, []byte("steward/"+c.itemID+"/"+role)).String()
		before, err := loadScript(ctx, c.tx, sc.ID)
		if err == nil {
			return sc.ID, c.refresh(ctx, before, sc)
		}
	} else if current != "" {
		// The item's own inline script, used nowhere else, is changed in place rather than
		// replaced, so its id and name stay.
		before, err := loadScript(ctx, c.tx, current)
		if err == nil && before.ItemID == c.itemID {
			n, err := scriptRefCount(ctx, c.tx, current)
			if err != nil {
				return "", err
			}
			if n == 1 {
				sc.ID = current
				return sc.ID, c.refresh(ctx, before, sc)
			}
		}
	}
	if sc.ID == "" {
		sc.ID = uuid.Must(uuid.NewV7()).String()
	}
	var err error
	if sc.Name, err = c.freeName(ctx, name); err != nil {
		return "", err
	}
	return sc.ID, c.s.insertScript(ctx, c.tx, sc, c.itemID)
}

// refresh updates a stable inline script when its text or settings changed.
func (c *saving) refresh(ctx context.Context, before scriptRow, sc Script) error {
	old := before.script()
	if old.Language == sc.Language && old.Context == sc.Context &&
		old.TimeoutSeconds == sc.TimeoutSeconds && old.Body == sc.Body {
		return nil
	}
	sc.Name, sc.CreatedAt = old.Name, old.CreatedAt
	row := scriptRowOf(sc, c.itemID)
	if _, err := c.tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
		return writeErr(err, "script", sc.Name, c.owner)
	}
	return audit.Record(ctx, c.tx, audit.Change{Action: "update", ObjectType: "catalog_script",
		ObjectID: sc.ID, TenantID: sc.TenantID, Before: old, After: sc})
}

// freeName returns name, or name with a number added, so that it is unique for the owner.
func (c *saving) freeName(ctx context.Context, name string) (string, error) {
	for i := 1; i < 1000; i++ {
		candidate := name
		if i > 1 {
			candidate = fmt.Sprintf("%s (%d)", name, i)
		}
		q := c.tx.NewSelect().Table("catalog_scripts").
			Where("is_global = ?", c.owner.global).
			Where("lower(name) = ?", strings.ToLower(candidate))
		if c.owner.tenantID == "" {
			q = q.Where("tenant_id IS NULL")
		} else {
			q = q.Where("tenant_id = ?", c.owner.tenantID)
		}
		n, err := q.Count(ctx)
		if err != nil {
			return "", fmt.Errorf("check script name: %w", err)
		}
		if n == 0 {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("no free script name for %q: %w", name, errs.ErrConflict)
}

// scripts folds lifecycle script references into sc; name prefixes inline script names.
func (c *saving) scripts(ctx context.Context, sc *Scripts, in ScriptRefs, name,
	rolePrefix string) error {
	for _, f := range []struct {
		role string
		ref  *ScriptRef
		dst  *string
	}{
		{"install", in.Install, &sc.Install}, {"uninstall", in.Uninstall, &sc.Uninstall},
		{"upgrade", in.Upgrade, &sc.Upgrade}, {"repair", in.Repair, &sc.Repair},
		{"test", in.Test, &sc.Test},
	} {
		if f.ref == nil {
			continue
		}
		id, err := c.script(ctx, f.ref, rolePrefix+f.role, name+": "+f.role, *f.dst)
		if err != nil {
			return err
		}
		*f.dst = id
	}
	return nil
}

// dropUnusedInline deletes inline scripts that nothing uses any more: those given with the
// item, and those among previous (the scripts the item used before a change) that were given
// inline with any item. Scripts created on their own always stay.
func dropUnusedInline(ctx context.Context, tx bun.Tx, itemID string, previous ...string) error {
	var rows []scriptRow
	q := tx.NewSelect().Model(&rows).Where("cs.item_id = ?", itemID)
	if previous = cleanIDs(previous); len(previous) > 0 {
		q = q.WhereOr("cs.item_id IS NOT NULL AND cs.id IN (?)", bun.In(previous))
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("list inline scripts of %s: %w", itemID, err)
	}
	for _, r := range rows {
		users, err := scriptUsers(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			continue
		}
		if _, err := tx.NewDelete().Model(&r).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("delete inline script %s: %w", r.ID, err)
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "delete",
			ObjectType: "catalog_script", ObjectID: r.ID, TenantID: r.TenantID,
			Before: r.script()}); err != nil {
			return err
		}
	}
	return nil
}

// scriptIDs lists every script a software and its versions use.
func (sw Software) scriptIDs() []string {
	ids := []string{sw.Detection.ScriptID}
	for _, sc := range append([]Scripts{sw.Scripts}, versionScripts(sw.Versions)...) {
		ids = append(ids, sc.ids()...)
	}
	return ids
}

func versionScripts(vs []Version) []Scripts {
	out := make([]Scripts, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Scripts)
	}
	return out
}

// scriptIDs lists every script a task uses.
func (t Task) scriptIDs() []string {
	return []string{t.GetScript, t.SetScript, t.TestScript, t.Combined}
}

func (s Scripts) ids() []string {
	return []string{s.Install, s.Uninstall, s.Upgrade, s.Repair, s.Test}
}
