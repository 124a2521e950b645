package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/stewardhq/steward/core/errs"
)

// prerequisiteLock is the PostgreSQL advisory lock that orders prerequisite changes.
const prerequisiteLock = 0x5354574443415431 // "STWDCAT1"

var (
	conditions = []string{IfAlways, IfAnyInstalled, IfAllInstalled, IfAnyMissing, IfAllMissing}
	actions    = []string{ThenInstall, ThenUninstall, ThenFail}
)

// cleanPrerequisites checks the form of each rule and returns them with ids trimmed and
// repeated ids dropped. The software they name are checked by prerequisites.
func cleanPrerequisites(in []Prerequisite) ([]Prerequisite, error) {
	out := make([]Prerequisite, 0, len(in))
	for i, pr := range in {
		label := fmt.Sprintf("prerequisite %d", i+1)
		pr.If, pr.Then = strings.TrimSpace(pr.If), strings.TrimSpace(pr.Then)
		pr.Of, pr.On = cleanIDs(pr.Of), cleanIDs(pr.On)
		switch {
		case !slices.Contains(conditions, pr.If):
			return nil, fmt.Errorf("%s: if %q must be one of %s: %w", label, pr.If,
				strings.Join(conditions, ", "), errs.ErrInvalid)
		case pr.If != IfAlways && len(pr.Of) == 0:
			return nil, fmt.Errorf("%s: if %s needs the software it looks at in of: %w",
				label, pr.If, errs.ErrInvalid)
		case !slices.Contains(actions, pr.Then):
			return nil, fmt.Errorf("%s: then %q must be one of %s: %w", label, pr.Then,
				strings.Join(actions, ", "), errs.ErrInvalid)
		case pr.Then != ThenFail && len(pr.On) == 0:
			return nil, fmt.Errorf("%s: then %s needs the software to act on in on: %w",
				label, pr.Then, errs.ErrInvalid)
		}
		if pr.On == nil {
			pr.On = []string{}
		}
		out = append(out, pr)
	}
	return out, nil
}

func cleanIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// prerequisiteIDs lists the software a set of rules names, in order, once each.
func prerequisiteIDs(pre []Prerequisite) []string {
	var ids []string
	for _, pr := range pre {
		ids = append(ids, pr.Of...)
		ids = append(ids, pr.On...)
	}
	return cleanIDs(ids)
}

// prerequisites checks that every software the rules of sw name exists and may be used by
// sw's owner, and that no prerequisite cycle forms through sw.
func (c *saving) prerequisites(ctx context.Context, sw Software) error {
	var rows []softwareRow
	q := c.tx.NewSelect().Model(&rows).Column("id", "name", "is_global", "tenant_id",
		"prerequisites")
	if ids := prerequisiteIDs(sw.Prerequisites); len(ids) > 0 {
		if err := q.Where("sw.id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
			return fmt.Errorf("look up prerequisites: %w", err)
		}
	}
	known := map[string]softwareRow{}
	for _, r := range rows {
		known[r.ID] = r
	}
	for _, id := range prerequisiteIDs(sw.Prerequisites) {
		r, ok := known[id]
		if id == sw.ID {
			continue
		}
		if !ok || !sees(c.p, owner{r.Global, r.TenantID}) {
			return fmt.Errorf("prerequisite software %s does not exist: %w", id,
				errs.ErrInvalid)
		}
		if !usable(owner{r.Global, r.TenantID}, c.owner) {
			return fmt.Errorf("prerequisite %q belongs to %s; %s: %w", r.Name,
				owner{r.Global, r.TenantID}, refRule(c.owner), errs.ErrInvalid)
		}
	}
	return c.noCycle(ctx, sw)
}

// noCycle refuses sw's prerequisites when following them, and those of the software they
// name, leads back to sw. Only software sw's owner may use can take part: rules never name
// anything else.
func (c *saving) noCycle(ctx context.Context, sw Software) error {
	// Two changes checked at once could each pass and together close a cycle. SQLite runs
	// one writing transaction at a time; on PostgreSQL this lock, held until the transaction
	// ends, does the same for prerequisite changes.
	if c.tx.Dialect().Name() == dialect.PG {
		if _, err := c.tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)",
			prerequisiteLock); err != nil {
			return fmt.Errorf("lock prerequisites: %w", err)
		}
	}
	var rows []softwareRow
	q := c.tx.NewSelect().Model(&rows).Column("id", "name", "prerequisites")
	switch {
	case c.owner.global:
		q = q.Where("sw.is_global")
	case c.owner.tenantID == "":
		q = q.Where("sw.is_global OR sw.tenant_id IS NULL")
	default:
		q = q.Where("sw.is_global OR sw.tenant_id IS NULL OR sw.tenant_id = ?",
			c.owner.tenantID)
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("load prerequisites for the cycle check: %w", err)
	}
	edges := map[string][]string{}
	names := map[string]string{}
	for _, r := range rows {
		edges[r.ID] = prerequisiteIDs(r.Prerequisites)
		names[r.ID] = r.Name
	}
	edges[sw.ID] = prerequisiteIDs(sw.Prerequisites)
	names[sw.ID] = sw.Name

	path := findCycle(sw.ID, edges)
	if path == nil {
		return nil
	}
	named := make([]string, len(path))
	for i, id := range path {
		named[i] = names[id]
	}
	return fmt.Errorf("prerequisite cycle: %s: %w", strings.Join(named, " → "),
		errs.ErrInvalid)
}

// findCycle returns a path start → … → start along edges, or nil when there is none. It
// visits each node once, so it stays linear in the number of edges.
func findCycle(start string, edges map[string][]string) []string {
	visited := map[string]bool{}
	var walk func(node string, path []string) []string
	walk = func(node string, path []string) []string {
		for _, next := range edges[node] {
			if next == start {
				return append(slices.Clone(path), start)
			}
			if visited[next] {
				continue
			}
			visited[next] = true
			if found := walk(next, append(path, next)); found != nil {
				return found
			}
		}
		return nil
	}
	return walk(start, []string{start})
}
