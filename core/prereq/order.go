package prereq

import (
	"fmt"
	"slices"

	"github.com/stewardhq/steward/core/errs"
)

// Plan is what to do on one computer, in order.
type Plan struct {
	// Steps lists each item once, every item after its prerequisites, the requested software
	// last.
	Steps []Step `json:"steps"`
}

// Step is one action on one item.
type Step struct {
	Item   string `json:"item"`
	Action Action `json:"action"`
	// Because names the rule that asked for the step ("rule 2 of A (if B is installed)"), or
	// "requested" for the software the plan is for.
	Because string `json:"because"`
}

// Requested is the Because of the last step of a plan.
const Requested = "requested"

// Order plans the installation of root given the rules of every software, keyed by the
// software they belong to, and what the computer has installed now.
//
// Rules apply in the order they are listed, each seeing the computer as the steps planned
// before it leave it: once a rule uninstalls B, a later "if B is installed" no longer holds.
// An item to install that is installed already gets no step and its own prerequisites are not
// visited; an item to uninstall that is not installed gets no step. The requested software
// always gets its step, so an installed one is updated or repaired.
//
// Errors: *CycleError when prerequisites lead back to an item being installed, *FailError
// when a rule with the action fail applies, *ConflictError when one item would be both
// installed and removed, and an error wrapping errs.ErrInvalid for a malformed rule.
func Order(root string, rules map[string][]Rule, installed func(item string) bool) (Plan, error) {
	p := &planner{
		rules:     rules,
		installed: installed,
		after:     make(map[string]bool),
		planned:   make(map[string]Step),
	}
	if err := p.install(Step{Item: root, Action: ActionInstall, Because: Requested}); err != nil {
		return Plan{}, err
	}
	return Plan{Steps: p.steps}, nil
}

type planner struct {
	rules     map[string][]Rule
	installed func(string) bool
	// after is the installed state of the items with a step, once the steps have run.
	after map[string]bool
	// planned holds the step of every item that has one or is being planned now.
	planned map[string]Step
	// stack holds the items whose prerequisites are being planned, outermost first.
	stack []string
	steps []Step
}

func (p *planner) isInstalled(item string) bool {
	if v, ok := p.after[item]; ok {
		return v
	}
	return p.installed(item)
}

func (p *planner) install(s Step) error {
	if i := slices.Index(p.stack, s.Item); i >= 0 {
		return &CycleError{Path: append(slices.Clone(p.stack[i:]), s.Item)}
	}
	if first, ok := p.planned[s.Item]; ok {
		if first.Action == ActionInstall {
			return nil
		}
		return &ConflictError{Item: s.Item, First: first, Then: s}
	}

	p.planned[s.Item] = s
	p.stack = append(p.stack, s.Item)
	for i, r := range p.rules[s.Item] {
		if err := p.apply(s.Item, i, r); err != nil {
			return err
		}
	}
	p.stack = p.stack[:len(p.stack)-1]

	p.steps = append(p.steps, s)
	p.after[s.Item] = true
	return nil
}

// apply carries out rule i of software.
func (p *planner) apply(software string, i int, r Rule) error {
	if err := validate(software, r); err != nil {
		return fmt.Errorf("prerequisite rule %d of %s: %s: %w", i+1, software, err,
			errs.ErrInvalid)
	}
	ok, met := r.If.holds(p.isInstalled)
	if !ok {
		return nil
	}

	because := ruleRef(software, i, r)
	switch r.Then {
	case ActionFail:
		return &FailError{Software: software, Rule: i + 1, Condition: r.If, Met: met, On: r.On}

	case ActionInstall:
		for _, item := range r.On {
			// An item being planned right now is not skipped even when installed: needing it
			// again is a cycle.
			if !slices.Contains(p.stack, item) && p.isInstalled(item) {
				continue
			}
			err := p.install(Step{Item: item, Action: ActionInstall, Because: because})
			if err != nil {
				return err
			}
		}

	case ActionUninstall:
		for _, item := range r.On {
			err := p.uninstall(Step{Item: item, Action: ActionUninstall, Because: because})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *planner) uninstall(s Step) error {
	if first, ok := p.planned[s.Item]; ok {
		if first.Action == ActionUninstall {
			return nil
		}
		return &ConflictError{Item: s.Item, First: first, Then: s}
	}
	if !p.isInstalled(s.Item) {
		return nil
	}

	p.planned[s.Item] = s
	p.steps = append(p.steps, s)
	p.after[s.Item] = false
	return nil
}
