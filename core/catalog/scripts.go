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
	"github.com/stewardhq/steward/sdk"
)

// Limits and defaults of scripts.
const (
	DefaultTimeoutSeconds = 300
	MaxTimeoutSeconds     = 24 * 60 * 60
	maxScriptBody         = 1 << 20
)

var languages = []string{sdk.LanguageSh, sdk.LanguageBash, sdk.LanguagePowerShell,
	sdk.LanguageCmd}

// ListScripts returns a page of the scripts the caller may read, by name.
func (s *Service) ListScripts(ctx context.Context, f Filter, pr paging.Request) (
	paging.Page[Script], error) {
	rows, pr, total, err := listRows[scriptRow](ctx, s.db, f, pr, "cs", "scripts")
	if err != nil {
		return paging.Page[Script]{}, err
	}
	items := make([]Script, 0, len(rows))
	for _, r := range rows {
		items = append(items, r.script())
	}
	return paging.New(pr, items, total), nil
}

// GetScript returns one script the caller may read.
func (s *Service) GetScript(ctx context.Context, id string) (Script, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Script{}, err
	}
	r, err := s.visibleScript(ctx, s.db, p, id)
	return r.script(), err
}

func (s *Service) visibleScript(ctx context.Context, db bun.IDB, p access.Principal,
	id string) (scriptRow, error) {
	r, err := loadScript(ctx, db, id)
	if err == nil && !sees(p, r.owner()) {
		err = fmt.Errorf("script %s: %w", id, errs.ErrNotFound)
	}
	return r, err
}

func loadScript(ctx context.Context, db bun.IDB, id string) (scriptRow, error) {
	var r scriptRow
	err := db.NewSelect().Model(&r).Where("cs.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return scriptRow{}, fmt.Errorf("script %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return scriptRow{}, fmt.Errorf("load script %s: %w", id, err)
	}
	return r, nil
}

// CreateScript adds a script to the caller's catalog, or to a tenant's for MSP roles.
func (s *Service) CreateScript(ctx context.Context, in ScriptInput) (Script, error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Script{}, err
	}
	o, err := ownerFor(p, in.TenantID)
	if err != nil {
		return Script{}, err
	}
	now := s.now()
	out := Script{ID: uuid.Must(uuid.NewV7()).String(), TenantID: o.tenantID,
		Context: sdk.ContextSystem, TimeoutSeconds: DefaultTimeoutSeconds,
		CreatedAt: now, UpdatedAt: now}
	if in.Name == nil {
		return Script{}, fmt.Errorf("script name is required: %w", errs.ErrInvalid)
	}
	if err := applyScript(&out, in); err != nil {
		return Script{}, err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkTenant(ctx, tx, o); err != nil {
			return err
		}
		return s.insertScript(ctx, tx, out, "")
	})
	return out, err
}

func (s *Service) insertScript(ctx context.Context, tx bun.Tx, sc Script, itemID string) error {
	row := scriptRowOf(sc, itemID)
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		return writeErr(err, "script", sc.Name, row.owner())
	}
	return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "catalog_script",
		ObjectID: sc.ID, TenantID: sc.TenantID, After: sc})
}

// UpdateScript changes a script; fields left out stay as they are.
func (s *Service) UpdateScript(ctx context.Context, id string, in ScriptInput) (Script, error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Script{}, err
	}
	if in.TenantID != "" {
		return Script{}, fmt.Errorf("a script cannot move to another owner: %w",
			errs.ErrInvalid)
	}
	var out Script
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.visibleScript(ctx, tx, p, id)
		if err != nil {
			return err
		}
		before := row.script()
		if err := mayChange(p, row.owner(), "script "+before.Name); err != nil {
			return err
		}
		out = before
		if err := applyScript(&out, in); err != nil {
			return err
		}
		out.UpdatedAt = s.now()
		upd := scriptRowOf(out, row.ItemID)
		if _, err := tx.NewUpdate().Model(&upd).WherePK().Exec(ctx); err != nil {
			return writeErr(err, "script", out.Name, row.owner())
		}
		return audit.Record(ctx, tx, audit.Change{Action: "update",
			ObjectType: "catalog_script", ObjectID: id, TenantID: out.TenantID,
			Before: before, After: out})
	})
	return out, err
}

// DeleteScript removes a script no software, version or task uses.
func (s *Service) DeleteScript(ctx context.Context, id string) error {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.visibleScript(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := mayChange(p, row.owner(), "script "+row.Name); err != nil {
			return err
		}
		// Checked first: on PostgreSQL a refused statement would end the transaction.
		used, err := scriptUsers(ctx, tx, id)
		if err != nil {
			return err
		}
		if len(used) > 0 {
			return fmt.Errorf("script %q is still used by %s: %w", row.Name,
				strings.Join(used, ", "), errs.ErrConflict)
		}
		if _, err := tx.NewDelete().Model(&row).WherePK().Exec(ctx); err != nil {
			return deleteErr(err, "script", row.Name)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete",
			ObjectType: "catalog_script", ObjectID: id, TenantID: row.TenantID,
			Before: row.script()})
	})
}

// scriptColumns are the columns that refer to catalog scripts, by table.
var scriptColumns = []struct {
	kind, table string
	cols        []string
}{
	{"software", "software", []string{"detect_script_id", "install_script_id",
		"uninstall_script_id", "upgrade_script_id", "repair_script_id", "test_script_id"}},
	{"version", "software_versions", []string{"install_script_id", "uninstall_script_id",
		"upgrade_script_id", "repair_script_id", "test_script_id"}},
	{"task", "tasks", []string{"get_script_id", "set_script_id", "test_script_id",
		"combined_script_id"}},
}

// referring limits a query to rows with any of cols equal to id.
func referring(q *bun.SelectQuery, cols []string, id, prefix string) *bun.SelectQuery {
	return q.WhereGroup(" AND ", func(sq *bun.SelectQuery) *bun.SelectQuery {
		for _, c := range cols {
			sq = sq.WhereOr(prefix+c+" = ?", id)
		}
		return sq
	})
}

// scriptUsers names the software, versions and tasks that refer to a script.
func scriptUsers(ctx context.Context, db bun.IDB, id string) ([]string, error) {
	var names []string
	for _, t := range scriptColumns {
		var found []string
		q := db.NewSelect().TableExpr(t.table + " AS t").ColumnExpr("t.name")
		if t.table == "software_versions" {
			q = db.NewSelect().TableExpr(t.table + " AS t").
				ColumnExpr("s.name || ' ' || t.version").
				Join("JOIN software AS s ON s.id = t.software_id")
		}
		if err := referring(q, t.cols, id, "t.").Scan(ctx, &found); err != nil {
			return nil, fmt.Errorf("find users of script %s: %w", id, err)
		}
		for _, n := range found {
			names = append(names, t.kind+" "+n)
		}
	}
	return names, nil
}

// scriptRefCount counts the references to a script, column by column.
func scriptRefCount(ctx context.Context, db bun.IDB, id string) (int, error) {
	total := 0
	for _, t := range scriptColumns {
		sum := make([]string, len(t.cols))
		args := make([]any, len(t.cols))
		for i, c := range t.cols {
			sum[i] = "CASE WHEN " + c + " = ? THEN 1 ELSE 0 END"
			args[i] = id
		}
		var n []int
		q := db.NewSelect().Table(t.table).ColumnExpr(strings.Join(sum, " + "), args...)
		if err := referring(q, t.cols, id, "").Scan(ctx, &n); err != nil {
			return 0, fmt.Errorf("count references to script %s: %w", id, err)
		}
		for _, k := range n {
			total += k
		}
	}
	return total, nil
}

// applyScript folds the input into sc and checks the result.
func applyScript(sc *Script, in ScriptInput) error {
	if in.Name != nil {
		name, err := cleanName("script", *in.Name)
		if err != nil {
			return err
		}
		sc.Name = name
	}
	if in.Language != nil {
		sc.Language = strings.TrimSpace(*in.Language)
	}
	if in.Context != nil {
		sc.Context = strings.TrimSpace(*in.Context)
	}
	if in.TimeoutSeconds != nil {
		sc.TimeoutSeconds = *in.TimeoutSeconds
	}
	if in.Body != nil {
		sc.Body = *in.Body
	}
	return checkScript(*sc)
}

func checkScript(sc Script) error {
	switch {
	case !slices.Contains(languages, sc.Language):
		return fmt.Errorf("script %q: language %q is not one of %s: %w", sc.Name, sc.Language,
			strings.Join(languages, ", "), errs.ErrInvalid)
	case sc.Context != sdk.ContextSystem && sc.Context != sdk.ContextUser:
		return fmt.Errorf("script %q: context %q must be system or user: %w", sc.Name,
			sc.Context, errs.ErrInvalid)
	case sc.TimeoutSeconds < 1 || sc.TimeoutSeconds > MaxTimeoutSeconds:
		return fmt.Errorf("script %q: timeoutSeconds must be between 1 and %d, got %d: %w",
			sc.Name, MaxTimeoutSeconds, sc.TimeoutSeconds, errs.ErrInvalid)
	case strings.TrimSpace(sc.Body) == "":
		return fmt.Errorf("script %q: body is empty: %w", sc.Name, errs.ErrInvalid)
	case len(sc.Body) > maxScriptBody:
		return fmt.Errorf("script %q: body is larger than %d bytes: %w", sc.Name,
			maxScriptBody, errs.ErrInvalid)
	}
	return nil
}

// checkTenant refuses an owner tenant that does not exist.
func checkTenant(ctx context.Context, db bun.IDB, o owner) error {
	if o.global || o.tenantID == "" {
		return nil
	}
	n, err := db.NewSelect().Table("tenants").Where("id = ?", o.tenantID).Count(ctx)
	if err != nil {
		return fmt.Errorf("look up tenant %s: %w", o.tenantID, err)
	}
	if n == 0 {
		return fmt.Errorf("tenant %s does not exist: %w", o.tenantID, errs.ErrInvalid)
	}
	return nil
}
