package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
)

// ListTasks returns a page of the tasks the caller may read, by name.
func (s *Service) ListTasks(ctx context.Context, f Filter, pr paging.Request) (
	paging.Page[Task], error) {
	rows, pr, total, err := listRows[taskRow](ctx, s.db, f, pr, "tk", "tasks")
	if err != nil {
		return paging.Page[Task]{}, err
	}
	items := make([]Task, 0, len(rows))
	for _, r := range rows {
		items = append(items, r.task())
	}
	return paging.New(pr, items, total), nil
}

// GetTask returns one task the caller may read.
func (s *Service) GetTask(ctx context.Context, id string) (Task, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Task{}, err
	}
	r, err := s.visibleTask(ctx, s.db, p, id)
	return r.task(), err
}

func (s *Service) visibleTask(ctx context.Context, db bun.IDB, p access.Principal,
	id string) (taskRow, error) {
	r, err := loadTaskRow(ctx, db, id)
	if err == nil && !sees(p, owner{r.Global, r.TenantID}) {
		err = fmt.Errorf("task %s: %w", id, errs.ErrNotFound)
	}
	return r, err
}

func loadTaskRow(ctx context.Context, db bun.IDB, id string) (taskRow, error) {
	var r taskRow
	err := db.NewSelect().Model(&r).Where("tk.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return taskRow{}, fmt.Errorf("task %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return taskRow{}, fmt.Errorf("load task %s: %w", id, err)
	}
	return r, nil
}

// CreateTask adds a task. It needs a combined script, or separate scripts with at least a
// test script; scripts may be given inline.
func (s *Service) CreateTask(ctx context.Context, in TaskInput) (Task, error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Task{}, err
	}
	o, err := ownerFor(p, in.TenantID)
	if err != nil {
		return Task{}, err
	}
	now := s.now()
	out := Task{ID: uuid.Must(uuid.NewV7()).String(), TenantID: o.tenantID,
		Parameters: []Parameter{}, CreatedAt: now, UpdatedAt: now}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkTenant(ctx, tx, o); err != nil {
			return err
		}
		c := &saving{s: s, tx: tx, p: p, owner: o, itemID: out.ID}
		if err := c.task(ctx, &out, in, true); err != nil {
			return err
		}
		return s.insertTask(ctx, tx, out)
	})
	return out, err
}

func (s *Service) insertTask(ctx context.Context, tx bun.Tx, t Task) error {
	row := taskRowOf(t)
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		return writeErr(err, "task", t.Name, owner{t.Global, t.TenantID})
	}
	return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "task",
		ObjectID: t.ID, TenantID: t.TenantID, After: t})
}

// UpdateTask changes a task; fields left out stay as they are.
func (s *Service) UpdateTask(ctx context.Context, id string, in TaskInput) (Task, error) {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return Task{}, err
	}
	if in.TenantID != "" {
		return Task{}, fmt.Errorf("a task cannot move to another owner: %w", errs.ErrInvalid)
	}
	var out Task
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.visibleTask(ctx, tx, p, id)
		if err != nil {
			return err
		}
		o := owner{row.Global, row.TenantID}
		if err := mayChange(p, o, "task "+row.Name); err != nil {
			return err
		}
		before := row.task()
		out = before
		c := &saving{s: s, tx: tx, p: p, owner: o, itemID: id}
		if err := c.task(ctx, &out, in, false); err != nil {
			return err
		}
		out.UpdatedAt = s.now()
		return s.updateTask(ctx, tx, before, out)
	})
	return out, err
}

func (s *Service) updateTask(ctx context.Context, tx bun.Tx, before, after Task) error {
	row := taskRowOf(after)
	if _, err := tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
		return writeErr(err, "task", after.Name, owner{after.Global, after.TenantID})
	}
	if err := dropUnusedInline(ctx, tx, after.ID, before.scriptIDs()...); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "update", ObjectType: "task",
		ObjectID: after.ID, TenantID: after.TenantID, Before: before, After: after})
}

// DeleteTask removes a task and its inline scripts; a task that configures a software stays.
func (s *Service) DeleteTask(ctx context.Context, id string) error {
	p, err := access.Require(ctx, writers...)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.visibleTask(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := mayChange(p, owner{row.Global, row.TenantID}, "task "+row.Name); err != nil {
			return err
		}
		if err := notDeployed(ctx, tx, id, "task "+row.Name); err != nil {
			return err
		}
		var users []string
		if err := tx.NewSelect().Table("software").Column("name").
			Where("config_task_id = ?", id).Scan(ctx, &users); err != nil {
			return fmt.Errorf("find software configured by task %s: %w", id, err)
		}
		if len(users) > 0 {
			return fmt.Errorf("task %q configures software %s: %w", row.Name,
				strings.Join(users, ", "), errs.ErrConflict)
		}
		if _, err := tx.NewDelete().Model(&row).WherePK().Exec(ctx); err != nil {
			return deleteErr(err, "task", row.Name)
		}
		if err := dropUnusedInline(ctx, tx, id, row.task().scriptIDs()...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete", ObjectType: "task",
			ObjectID: id, TenantID: row.TenantID, Before: row.task()})
	})
}

// task folds in into t, resolving and checking its scripts and parameters.
func (c *saving) task(ctx context.Context, t *Task, in TaskInput, create bool) error {
	if in.Name != nil || create {
		name, err := cleanName("task", trimmed(in.Name))
		if err != nil {
			return err
		}
		t.Name = name
	}
	if in.Description != nil {
		t.Description = strings.TrimSpace(*in.Description)
	}
	for _, f := range []struct {
		role string
		ref  *ScriptRef
		dst  *string
	}{
		{"get", in.GetScript, &t.GetScript}, {"set", in.SetScript, &t.SetScript},
		{"test", in.TestScript, &t.TestScript}, {"combined", in.Combined, &t.Combined},
	} {
		if f.ref == nil {
			continue
		}
		id, err := c.script(ctx, f.ref, f.role, t.Name+": "+f.role, *f.dst)
		if err != nil {
			return err
		}
		*f.dst = id
	}
	if err := checkTaskScripts(*t); err != nil {
		return err
	}
	if in.Parameters != nil {
		ps, err := checkParameters(in.Parameters)
		if err != nil {
			return err
		}
		t.Parameters = ps
	}
	return nil
}

// checkTaskScripts enforces the shape of a task's scripts. Enforcing also needs a set script
// and monitoring a get script; the deployment that asks for it checks that with Task.Has.
func checkTaskScripts(t Task) error {
	separate := t.GetScript != "" || t.SetScript != "" || t.TestScript != ""
	switch {
	case t.Combined != "" && separate:
		return fmt.Errorf("task %q: give one combined script or separate get, set and test "+
			"scripts, not both: %w", t.Name, errs.ErrInvalid)
	case t.Combined == "" && t.TestScript == "":
		return fmt.Errorf("task %q needs a combined script or at least a test script: %w",
			t.Name, errs.ErrInvalid)
	}
	return nil
}
