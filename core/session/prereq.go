package session

import (
	"context"
	"fmt"
	"slices"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/prereq"
)

// rulesOf turns a software's prerequisites into the rules core/prereq orders.
func rulesOf(sw catalog.Software) []prereq.Rule {
	out := make([]prereq.Rule, 0, len(sw.Prerequisites))
	for _, p := range sw.Prerequisites {
		r := prereq.Rule{Software: sw.ID, Then: prereq.Action(p.Then), On: p.On,
			If: prereq.Condition{Mode: prereq.ModeAlways, Of: p.Of}}
		switch p.If {
		case catalog.IfAnyInstalled:
			r.If.Mode, r.If.Installed = prereq.ModeAny, true
		case catalog.IfAllInstalled:
			r.If.Mode, r.If.Installed = prereq.ModeAll, true
		case catalog.IfAnyMissing:
			r.If.Mode = prereq.ModeAny
		case catalog.IfAllMissing:
			r.If.Mode = prereq.ModeAll
		}
		out = append(out, r)
	}
	return out
}

// prerequisites installs or removes what the software needs first, dependencies first, each
// item once. A failing prerequisite fails the action that needed it.
func (r *run) prerequisites(ctx context.Context, a *Action, sw catalog.Software) error {
	if len(sw.Prerequisites) == 0 {
		return nil
	}
	// Load the software the rules reach, so the plan sees every rule on the way.
	items := map[string]catalog.Software{sw.ID: sw}
	rules := map[string][]prereq.Rule{}
	queue := []string{sw.ID}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		cur, ok := items[id]
		if !ok {
			var err error
			if cur, err = r.e.catalog.LoadSoftware(ctx, id); err != nil {
				return err
			}
			items[id] = cur
		}
		rules[id] = rulesOf(cur)
		for _, rule := range rules[id] {
			for _, next := range append(append([]string{}, rule.On...), rule.If.Of...) {
				if _, seen := rules[next]; !seen && !slices.Contains(queue, next) {
					queue = append(queue, next)
				}
			}
		}
	}

	installed := map[string]Detected{}
	for id, item := range items {
		d, err := r.detectVersion(ctx, a, item, "prereq-detect-"+id)
		if err != nil {
			return err
		}
		installed[id] = d
	}
	plan, err := prereq.Order(sw.ID, rules, func(id string) bool { return installed[id].Found })
	if err != nil {
		return err
	}
	for _, st := range plan.Steps {
		if st.Item == sw.ID {
			continue
		}
		item := items[st.Item]
		r.log(ctx, a, "info", "%s: prerequisite %s %s (%s)", a.ItemName, st.Action, item.Name,
			st.Because)
		target := ""
		if v, ok := catalog.Latest(item); ok && st.Action == prereq.ActionInstall {
			target = v.Version
		}
		_, err := r.change(ctx, a, item, string(st.Action), target,
			installed[st.Item].Version, "prereq-"+st.Item+"-")
		if err != nil {
			return fmt.Errorf("%s %s: %w", st.Action, item.Name, err)
		}
	}
	return nil
}
