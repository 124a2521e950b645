package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
)

var strategies = []string{UpgradeInstallOver, UpgradeUninstallInstall, UpgradeScript}

// ListSoftware returns a page of the software the caller may read, by name, each with its
// versions.
func (s *Service) ListSoftware(ctx context.Context, f Filter, pr paging.Request) (
	paging.Page[Software], error) {
	rows, pr, total, err := listRows[softwareRow](ctx, s.db, f, pr, "sw", "software")
	if err != nil {
		return paging.Page[Software]{}, err
	}
	items, err := withVersions(ctx, s.db, rows)
	if err != nil {
		return paging.Page[Software]{}, err
	}
	return paging.New(pr, items, total), nil
}

// GetSoftware returns one software the caller may read, with its versions.
func (s *Service) GetSoftware(ctx context.Context, id string) (Software, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Software{}, err
	}
	row, err := s.visibleSoftware(ctx, s.db, p, id)
	if err != nil {
		return Software{}, err
	}
	out, err := withVersions(ctx, s.db, []softwareRow{row})
	if err != nil {
		return Software{}, err
	}
	return out[0], nil
}

func (s *Service) visibleSoftware(ctx context.Context, db bun.IDB, p access.Principal,
	id string) (softwareRow, error) {
	r, err := loadSoftwareRow(ctx, db, id)
	if err == nil && !sees(p, owner{r.Global, r.TenantID}) {
		err = fmt.Errorf("software %s: %w", id, errs.ErrNotFound)
	}
	return r, err
}

func loadSoftwareRow(ctx context.Context, db bun.IDB, id string) (softwareRow, error) {
	var r softwareRow
	err := db.NewSelect().Model(&r).Where("sw.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return softwareRow{}, fmt.Errorf("software %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return softwareRow{}, fmt.Errorf("load software %s: %w", id, err)
	}
	return r, nil
}

// withVersions turns rows into software with their versions, newest first.
func withVersions(ctx context.Context, db bun.IDB, rows []softwareRow) ([]Software, error) {
	out := make([]Software, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	var vs []versionRow
	if err := db.NewSelect().Model(&vs).Where("sv.software_id IN (?)", bun.In(ids)).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("load versions: %w", err)
	}
	byID := map[string][]Version{}
	for _, v := range vs {
		byID[v.SoftwareID] = append(byID[v.SoftwareID], v.version())
	}
	for _, r := range rows {
		sw := r.software()
		if v := byID[r.ID]; v != nil {
			sw.Versions = v
		}
		sortVersions(sw.Versions)
		out = append(out, sw)
	}
	return out, nil
}

// CreateSoftware adds a software. Scripts may be given inline; they are stored as scripts
// named after the software.
func (s *Service) CreateSoftware(ctx context.Context, in SoftwareInput) (Software, error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Software{}, err
	}
	o, err := ownerFor(p, in.TenantID)
	if err != nil {
		return Software{}, err
	}
	now := s.now()
	out := Software{ID: uuid.Must(uuid.NewV7()).String(), TenantID: o.tenantID,
		Prerequisites: []Prerequisite{}, Versions: []Version{}, CreatedAt: now, UpdatedAt: now}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkTenant(ctx, tx, o); err != nil {
			return err
		}
		c := &saving{s: s, tx: tx, p: p, owner: o, itemID: out.ID}
		if err := c.software(ctx, &out, in, true); err != nil {
			return err
		}
		return s.insertSoftware(ctx, tx, out)
	})
	return out, err
}

func (s *Service) insertSoftware(ctx context.Context, tx bun.Tx, sw Software) error {
	row := softwareRowOf(sw)
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		return writeErr(err, "software", sw.Name, owner{sw.Global, sw.TenantID})
	}
	return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "software",
		ObjectID: sw.ID, TenantID: sw.TenantID, After: sw})
}

// UpdateSoftware changes a software; fields left out stay as they are.
func (s *Service) UpdateSoftware(ctx context.Context, id string, in SoftwareInput) (Software,
	error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Software{}, err
	}
	if in.TenantID != "" {
		return Software{}, fmt.Errorf("software cannot move to another owner: %w",
			errs.ErrInvalid)
	}
	var out Software
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.visibleSoftware(ctx, tx, p, id)
		if err != nil {
			return err
		}
		o := owner{row.Global, row.TenantID}
		if err := mayChange(p, o, "software "+row.Name); err != nil {
			return err
		}
		list, err := withVersions(ctx, tx, []softwareRow{row})
		if err != nil {
			return err
		}
		before := list[0]
		out = before
		out.Prerequisites = slices.Clone(before.Prerequisites)
		c := &saving{s: s, tx: tx, p: p, owner: o, itemID: id}
		if err := c.software(ctx, &out, in, false); err != nil {
			return err
		}
		out.UpdatedAt = s.now()
		return s.updateSoftware(ctx, tx, before, out)
	})
	return out, err
}

func (s *Service) updateSoftware(ctx context.Context, tx bun.Tx, before, after Software) error {
	row := softwareRowOf(after)
	if _, err := tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
		return writeErr(err, "software", after.Name, owner{after.Global, after.TenantID})
	}
	if err := dropUnusedInline(ctx, tx, after.ID, before.scriptIDs()...); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "update", ObjectType: "software",
		ObjectID: after.ID, TenantID: after.TenantID, Before: before, After: after})
}

// DeleteSoftware removes a software with its versions and inline scripts. Software that is
// another's prerequisite stays.
func (s *Service) DeleteSoftware(ctx context.Context, id string) error {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.visibleSoftware(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := mayChange(p, owner{row.Global, row.TenantID}, "software "+row.Name); err != nil {
			return err
		}
		if err := notDeployed(ctx, tx, id, "software "+row.Name); err != nil {
			return err
		}
		if users, err := prerequisiteOf(ctx, tx, id); err != nil {
			return err
		} else if len(users) > 0 {
			return fmt.Errorf("software %q is a prerequisite of %s: %w", row.Name,
				strings.Join(users, ", "), errs.ErrConflict)
		}
		list, err := withVersions(ctx, tx, []softwareRow{row})
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(&row).WherePK().Exec(ctx); err != nil {
			return deleteErr(err, "software", row.Name)
		}
		if err := dropUnusedInline(ctx, tx, id, list[0].scriptIDs()...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete", ObjectType: "software",
			ObjectID: id, TenantID: row.TenantID, Before: list[0]})
	})
}

// prerequisiteOf names the other software whose prerequisites name id.
func prerequisiteOf(ctx context.Context, db bun.IDB, id string) ([]string, error) {
	var rows []softwareRow
	// The LIKE narrows the rows cheaply; the decoded rules decide.
	if err := db.NewSelect().Model(&rows).Column("id", "name", "prerequisites").
		Where("sw.prerequisites LIKE ?", "%"+id+"%").Where("sw.id <> ?", id).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("find software depending on %s: %w", id, err)
	}
	var names []string
	for _, r := range rows {
		if slices.Contains(prerequisiteIDs(r.Prerequisites), id) {
			names = append(names, r.Name)
		}
	}
	return names, nil
}

// software folds in into sw, resolving and checking what it refers to. create says the input
// must be complete.
func (c *saving) software(ctx context.Context, sw *Software, in SoftwareInput,
	create bool) error {
	if in.Name != nil || create {
		name, err := cleanName("software", trimmed(in.Name))
		if err != nil {
			return err
		}
		sw.Name = name
	}
	if in.Publisher != nil {
		sw.Publisher = strings.TrimSpace(*in.Publisher)
	}
	if in.Description != nil {
		sw.Description = strings.TrimSpace(*in.Description)
	}
	if in.RebootNeeded != nil {
		sw.RebootNeeded = *in.RebootNeeded
	}
	if err := c.detection(ctx, sw, in.Detection, create); err != nil {
		return err
	}
	if in.Scripts != nil {
		if err := c.scripts(ctx, &sw.Scripts, *in.Scripts, sw.Name, ""); err != nil {
			return err
		}
	}

	if in.UpgradeStrategy != nil {
		sw.UpgradeStrategy = strings.TrimSpace(*in.UpgradeStrategy)
	}
	if sw.UpgradeStrategy == "" {
		sw.UpgradeStrategy = UpgradeInstallOver
	}
	if !slices.Contains(strategies, sw.UpgradeStrategy) {
		return fmt.Errorf("upgradeStrategy %q must be one of %s: %w", sw.UpgradeStrategy,
			strings.Join(strategies, ", "), errs.ErrInvalid)
	}
	if sw.UpgradeStrategy == UpgradeScript && sw.Scripts.Upgrade == "" {
		return fmt.Errorf("upgradeStrategy %s needs an upgrade script: %w", UpgradeScript,
			errs.ErrInvalid)
	}
	for _, v := range sw.Versions {
		if sw.Scripts.Merge(v.Scripts).Install == "" {
			return fmt.Errorf("version %s would have no install script: %w", v.Version,
				errs.ErrInvalid)
		}
	}

	if in.ConfigTaskID != nil {
		if err := c.configTask(ctx, sw, strings.TrimSpace(*in.ConfigTaskID)); err != nil {
			return err
		}
	}
	if in.Prerequisites != nil {
		pre, err := cleanPrerequisites(in.Prerequisites)
		if err != nil {
			return err
		}
		sw.Prerequisites = pre
		return c.prerequisites(ctx, *sw)
	}
	return nil
}

func (c *saving) detection(ctx context.Context, sw *Software, in *DetectionInput,
	create bool) error {
	if in == nil {
		if create {
			return fmt.Errorf("detection is required: say how to find the software "+
				"(display_name, upgrade_code or script): %w", errs.ErrInvalid)
		}
		return nil
	}
	d := Detection{Method: in.Method, Match: in.Match, Pattern: in.Pattern}.normalized()
	if in.ScriptID != nil && d.Method == DetectScript {
		id, err := c.script(ctx, in.ScriptID, "detect", sw.Name+": detect",
			sw.Detection.ScriptID)
		if err != nil {
			return err
		}
		d.ScriptID = id
	} else if in.ScriptID != nil && (in.ScriptID.ID != "" || in.ScriptID.Inline != nil) {
		return fmt.Errorf("detection by %s takes no scriptId: %w", d.Method, errs.ErrInvalid)
	}
	if err := d.Check(); err != nil {
		return err
	}
	sw.Detection = d
	return nil
}

func (c *saving) configTask(ctx context.Context, sw *Software, id string) error {
	if id == "" {
		sw.ConfigTaskID = ""
		return nil
	}
	t, err := loadTaskRow(ctx, c.tx, id)
	if err != nil || !sees(c.p, owner{t.Global, t.TenantID}) {
		return fmt.Errorf("config task %s does not exist: %w", id, errs.ErrInvalid)
	}
	if !usable(owner{t.Global, t.TenantID}, c.owner) {
		return fmt.Errorf("config task %q belongs to %s; %s: %w", t.Name,
			owner{t.Global, t.TenantID}, refRule(c.owner), errs.ErrInvalid)
	}
	sw.ConfigTaskID = id
	return nil
}
