package prereq

import (
	"slices"
)

// CheckCycles refuses rules in which installing a software could require, through install
// prerequisites, installing itself first, whatever is installed: every install rule counts
// as if its condition held. It returns a *CycleError naming the first cycle found, in the
// order of the sorted software ids.
//
// Uninstall and fail rules are not edges: Order never plans the prerequisites of an item it
// removes, so they cannot loop, and two products that each remove the other before installing
// (switching one antivirus for another) are a common, valid pair.
func CheckCycles(rules map[string][]Rule) error {
	const (
		unseen = iota
		open
		done
	)
	state := make(map[string]int)
	var stack []string

	var visit func(item string) error
	visit = func(item string) error {
		switch state[item] {
		case open:
			i := slices.Index(stack, item)
			return &CycleError{Path: append(slices.Clone(stack[i:]), item)}
		case done:
			return nil
		}
		state[item] = open
		stack = append(stack, item)
		for _, r := range rules[item] {
			if r.Then != ActionInstall {
				continue
			}
			for _, next := range r.On {
				if err := visit(next); err != nil {
					return err
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[item] = done
		return nil
	}

	items := make([]string, 0, len(rules))
	for item := range rules {
		items = append(items, item)
	}
	slices.Sort(items)
	for _, item := range items {
		if err := visit(item); err != nil {
			return err
		}
	}
	return nil
}
