package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/version"
)

// The methods in this file serve the hub's own work, such as sessions that install software
// on a computer the hub already decided about. They check no principal: callers must not pass
// them ids taken from a request without checking access first.

// LoadSoftware returns a software with its versions, newest first.
func (s *Service) LoadSoftware(ctx context.Context, id string) (Software, error) {
	row, err := loadSoftwareRow(ctx, s.db, id)
	if err != nil {
		return Software{}, err
	}
	out, err := withVersions(ctx, s.db, []softwareRow{row})
	if err != nil {
		return Software{}, err
	}
	return out[0], nil
}

// LoadVersion returns the version with the id and its software.
func (s *Service) LoadVersion(ctx context.Context, id string) (Software, Version, error) {
	var row versionRow
	err := s.db.NewSelect().Model(&row).Where("sv.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Software{}, Version{}, fmt.Errorf("version %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return Software{}, Version{}, fmt.Errorf("load version %s: %w", id, err)
	}
	sw, err := s.LoadSoftware(ctx, row.SoftwareID)
	return sw, row.version(), err
}

// LoadTask returns a task.
func (s *Service) LoadTask(ctx context.Context, id string) (Task, error) {
	row, err := loadTaskRow(ctx, s.db, id)
	return row.task(), err
}

// LoadScript returns a script.
func (s *Service) LoadScript(ctx context.Context, id string) (Script, error) {
	row, err := loadScript(ctx, s.db, id)
	return row.script(), err
}

// ListSoftwareAll returns every software of every owner with its versions, by name.
func (s *Service) ListSoftwareAll(ctx context.Context) ([]Software, error) {
	var rows []softwareRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("lower(sw.name), sw.id").
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("list all software: %w", err)
	}
	return withVersions(ctx, s.db, rows)
}

// Latest returns the highest version of sw in version order, and false when it has none.
func Latest(sw Software) (Version, bool) {
	var best Version
	found := false
	for _, v := range sw.Versions {
		if !found || version.Compare(v.Version, best.Version) > 0 {
			best, found = v, true
		}
	}
	return best, found
}

// FindVersion returns the version of sw equal to v in version order (1.0 finds 1.0.0).
func (sw Software) FindVersion(v string) (Version, bool) {
	for _, have := range sw.Versions {
		if version.Equal(have.Version, v) {
			return have, true
		}
	}
	return Version{}, false
}

// ScriptsFor returns the scripts that apply to version v: the version's own, and the
// software's where the version has none.
func (sw Software) ScriptsFor(v Version) Scripts { return sw.Scripts.Merge(v.Scripts) }

// Has reports whether the task can perform method (get, set or test): enforcing a setting
// needs set and test, monitoring needs get, auditing needs test.
func (t Task) Has(method string) bool {
	if method != "get" && method != "set" && method != "test" {
		return false
	}
	id, _ := t.ScriptFor(method)
	return id != ""
}
