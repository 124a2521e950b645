package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"sort"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

// The global catalog is a folder of JSON files: scripts/*.json, tasks/*.json and
// software/*.json. Each file is one item in the form the API takes to create it, plus a
// stable "id" (a UUID) and, for software, its "versions".

type globalScript struct {
	ID string `json:"id"`
	ScriptInput
}

type globalTask struct {
	ID string `json:"id"`
	TaskInput
}

type globalSoftware struct {
	ID string `json:"id"`
	SoftwareInput
	Versions []VersionInput `json:"versions,omitempty"`
}

// SyncGlobal loads the global catalog from fsys into the database: new items are added,
// items whose file changed are updated, unchanged ones are left alone. It returns how many
// items it added or changed. Everything happens in one transaction, so a broken file changes
// nothing.
//
// TODO(catalog): items and versions removed from the files stay in the database; retiring
// them needs to know whether deployments still use them.
func (s *Service) SyncGlobal(ctx context.Context, fsys fs.FS) (int, error) {
	var scripts []globalScript
	var tasks []globalTask
	var software []globalSoftware
	for _, load := range []struct {
		dir  string
		into func(dec *json.Decoder) (string, error)
	}{
		{"scripts", func(dec *json.Decoder) (string, error) {
			var g globalScript
			err := dec.Decode(&g)
			scripts = append(scripts, g)
			return g.ID, err
		}},
		{"tasks", func(dec *json.Decoder) (string, error) {
			var g globalTask
			err := dec.Decode(&g)
			tasks = append(tasks, g)
			return g.ID, err
		}},
		{"software", func(dec *json.Decoder) (string, error) {
			var g globalSoftware
			err := dec.Decode(&g)
			software = append(software, g)
			return g.ID, err
		}},
	} {
		if err := readGlobal(fsys, load.dir, load.into); err != nil {
			return 0, err
		}
	}

	ctx = access.WithPrincipal(ctx, access.System())
	var changed int
	var err error
	// Instances starting together may add the same new items at once: the loser of that race
	// gets a conflict and, trying again, finds the items the winner stored.
	for try := 0; try < 3; try++ {
		changed, err = s.syncGlobal(ctx, scripts, tasks, software)
		if !errors.Is(err, errs.ErrConflict) {
			break
		}
	}
	return changed, err
}

func (s *Service) syncGlobal(ctx context.Context, scripts []globalScript, tasks []globalTask,
	software []globalSoftware) (int, error) {
	g := &globalSync{s: s}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		g = &globalSync{s: s, tx: tx}
		for _, sc := range scripts {
			if err := g.script(ctx, sc); err != nil {
				return fmt.Errorf("global script %s: %w", sc.ID, err)
			}
		}
		for _, t := range tasks {
			if err := g.task(ctx, t); err != nil {
				return fmt.Errorf("global task %s: %w", t.ID, err)
			}
		}
		for _, sw := range dependencyOrder(software) {
			if err := g.software(ctx, sw); err != nil {
				return fmt.Errorf("global software %s: %w", sw.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return g.changed, nil
}

// readGlobal decodes every .json file of dir, strictly, checking each has a UUID id.
func readGlobal(fsys fs.FS, dir string,
	into func(dec *json.Decoder) (string, error)) error {
	names, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return fmt.Errorf("list global catalog %s: %w", dir, err)
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read global catalog file %s: %w", name, err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		id, err := into(dec)
		if err != nil {
			return fmt.Errorf("global catalog file %s: %w", name, err)
		}
		if _, err := uuid.Parse(id); err != nil {
			return fmt.Errorf("global catalog file %s: id %q must be a UUID", name, id)
		}
	}
	return nil
}

// dependencyOrder puts software after the software its prerequisites name, so each
// prerequisite exists when it is checked. A cycle keeps file order and fails the check.
func dependencyOrder(in []globalSoftware) []globalSoftware {
	byID := map[string]globalSoftware{}
	for _, g := range in {
		byID[g.ID] = g
	}
	var out []globalSoftware
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(g globalSoftware)
	visit = func(g globalSoftware) {
		if state[g.ID] != 0 {
			return
		}
		state[g.ID] = 1
		for _, id := range prerequisiteIDs(g.Prerequisites) {
			if dep, ok := byID[id]; ok {
				visit(dep)
			}
		}
		state[g.ID] = 2
		out = append(out, g)
	}
	for _, g := range in {
		visit(g)
	}
	return out
}

type globalSync struct {
	s       *Service
	tx      bun.Tx
	changed int
}

func (g *globalSync) saving(itemID string) *saving {
	return &saving{s: g.s, tx: g.tx, p: access.System(), owner: owner{global: true},
		itemID: itemID, stable: true}
}

func (g *globalSync) script(ctx context.Context, in globalScript) error {
	if in.TenantID != "" {
		return fmt.Errorf("global items have no tenantId")
	}
	now := g.s.now()
	sc := Script{ID: in.ID, Global: true, Context: sdk.ContextSystem,
		TimeoutSeconds: DefaultTimeoutSeconds, CreatedAt: now, UpdatedAt: now}
	if err := applyScript(&sc, in.ScriptInput); err != nil {
		return err
	}
	before, err := loadScript(ctx, g.tx, in.ID)
	if err != nil {
		g.changed++
		return g.s.insertScript(ctx, g.tx, sc, "")
	}
	if err := isGlobal(before.Global); err != nil {
		return err
	}
	old := before.script()
	if sameItem(old, sc) {
		return nil
	}
	g.changed++
	sc.CreatedAt = old.CreatedAt
	row := scriptRowOf(sc, "")
	if _, err := g.tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
		return writeErr(err, "script", sc.Name, owner{global: true})
	}
	return audit.Record(ctx, g.tx, audit.Change{Action: "update", ObjectType: "catalog_script",
		ObjectID: sc.ID, Before: old, After: sc})
}

func (g *globalSync) task(ctx context.Context, in globalTask) error {
	if in.TenantID != "" {
		return fmt.Errorf("global items have no tenantId")
	}
	now := g.s.now()
	t := Task{ID: in.ID, Global: true, Parameters: []Parameter{}, CreatedAt: now,
		UpdatedAt: now}
	if err := g.saving(in.ID).task(ctx, &t, in.TaskInput, true); err != nil {
		return err
	}
	before, err := loadTaskRow(ctx, g.tx, in.ID)
	if err != nil {
		g.changed++
		return g.s.insertTask(ctx, g.tx, t)
	}
	if err := isGlobal(before.Global); err != nil {
		return err
	}
	if sameItem(before.task(), t) {
		return dropUnusedInline(ctx, g.tx, in.ID)
	}
	g.changed++
	t.CreatedAt = before.CreatedAt
	return g.s.updateTask(ctx, g.tx, before.task(), t)
}

func (g *globalSync) software(ctx context.Context, in globalSoftware) error {
	if in.TenantID != "" {
		return fmt.Errorf("global items have no tenantId")
	}
	now := g.s.now()
	sw := Software{ID: in.ID, Global: true, Prerequisites: []Prerequisite{},
		Versions: []Version{}, CreatedAt: now, UpdatedAt: now}
	c := g.saving(in.ID)
	if err := c.software(ctx, &sw, in.SoftwareInput, true); err != nil {
		return err
	}

	row, err := loadSoftwareRow(ctx, g.tx, in.ID)
	if err != nil {
		g.changed++
		if err := g.s.insertSoftware(ctx, g.tx, sw); err != nil {
			return err
		}
	} else {
		if err := isGlobal(row.Global); err != nil {
			return err
		}
		list, err := withVersions(ctx, g.tx, []softwareRow{row})
		if err != nil {
			return err
		}
		before := list[0]
		sw.CreatedAt, sw.Versions = before.CreatedAt, before.Versions
		if !sameItem(before, sw) {
			g.changed++
			if err := g.s.updateSoftware(ctx, g.tx, before, sw); err != nil {
				return err
			}
		}
	}

	for _, vi := range in.Versions {
		if err := g.version(ctx, c, &sw, vi); err != nil {
			return fmt.Errorf("version %s: %w", vi.Version, err)
		}
	}
	return dropUnusedInline(ctx, g.tx, in.ID)
}

func (g *globalSync) version(ctx context.Context, c *saving, sw *Software,
	in VersionInput) error {
	id := uuid.NewSHA1(uuid.NameSpaceOID, []byte("steward/"+sw.ID+"/version/"+in.Version))
	v, err := c.version(ctx, *sw, in, id.String())
	if err != nil {
		return err
	}
	i := slices.IndexFunc(sw.Versions, func(have Version) bool { return have.ID == v.ID })
	if i < 0 {
		g.changed++
		sw.Versions = append(sw.Versions, v)
		return g.s.insertVersion(ctx, g.tx, *sw, v)
	}
	before := sw.Versions[i]
	v.CreatedAt = before.CreatedAt
	if sameItem(before, v) {
		return nil
	}
	g.changed++
	row := versionRowOf(sw.ID, v)
	if _, err := g.tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update version %s: %w", v.Version, err)
	}
	sw.Versions[i] = v
	return audit.Record(ctx, g.tx, audit.Change{Action: "update",
		ObjectType: "software_version", ObjectID: v.ID, Before: before, After: v})
}

func isGlobal(global bool) error {
	if !global {
		return fmt.Errorf("the id belongs to an item that is not global")
	}
	return nil
}

// sameItem compares two items leaving out when they were created and changed.
func sameItem[T any](a, b T) bool {
	for _, p := range []*T{&a, &b} {
		v := reflect.ValueOf(p).Elem()
		for _, f := range []string{"CreatedAt", "UpdatedAt"} {
			if fv := v.FieldByName(f); fv.IsValid() {
				fv.Set(reflect.Zero(fv.Type()))
			}
		}
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
