package prereq

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/core/errs"
)

// Action is what a rule does with its items when its condition holds.
type Action string

// Actions.
const (
	// ActionInstall installs the items, and their own prerequisites, before the software.
	ActionInstall Action = "install"
	// ActionUninstall removes the items before the software is installed.
	ActionUninstall Action = "uninstall"
	// ActionFail refuses to install the software; the items say what it fails on.
	ActionFail Action = "fail"
)

// Condition modes.
const (
	// ModeAlways holds whatever is installed.
	ModeAlways = "always"
	// ModeAny holds when at least one item of Of is in the wanted state.
	ModeAny = "any"
	// ModeAll holds when every item of Of is in the wanted state.
	ModeAll = "all"
)

// Rule is one prerequisite of a software.
type Rule struct {
	// Software is the item that has the rule; when set it must be the key the rule is stored
	// under.
	Software string    `json:"software,omitempty"`
	If       Condition `json:"if"`
	Then     Action    `json:"then"`
	On       []string  `json:"on"`
}

// Condition says when a rule applies: always, or when any or all of the items Of are
// installed (Installed true) or not installed (Installed false).
type Condition struct {
	Mode      string   `json:"mode"`
	Installed bool     `json:"installed"`
	Of        []string `json:"of,omitempty"`
}

// Validate reports whether r is a rule of software. Errors wrap errs.ErrInvalid.
func Validate(software string, r Rule) error {
	if err := validate(software, r); err != nil {
		return fmt.Errorf("prerequisite of %s: %s: %w", software, err, errs.ErrInvalid)
	}
	return nil
}

func validate(software string, r Rule) error {
	switch {
	case r.Software != "" && r.Software != software:
		return fmt.Errorf("rule of %s stored under %s", r.Software, software)
	case r.If.Mode != ModeAlways && r.If.Mode != ModeAny && r.If.Mode != ModeAll:
		return fmt.Errorf("unknown condition mode %q", r.If.Mode)
	case r.If.Mode != ModeAlways && len(r.If.Of) == 0:
		return fmt.Errorf("condition %q names no items", r.If.Mode)
	case r.Then != ActionInstall && r.Then != ActionUninstall && r.Then != ActionFail:
		return fmt.Errorf("unknown action %q", r.Then)
	case r.Then != ActionFail && len(r.On) == 0:
		return fmt.Errorf("action %q names no items", r.Then)
	}
	for _, item := range r.On {
		if item == "" {
			return errors.New("empty item id")
		}
	}
	return nil
}

// holds evaluates c against installed and returns the items that made it true; nil for
// ModeAlways and for a condition that does not hold.
func (c Condition) holds(installed func(string) bool) (bool, []string) {
	if c.Mode == ModeAlways {
		return true, nil
	}
	var met []string
	for _, item := range c.Of {
		if installed(item) == c.Installed {
			met = append(met, item)
		}
	}
	if c.Mode == ModeAll && len(met) < len(c.Of) {
		return false, nil
	}
	return len(met) > 0, met
}

// String renders the condition as it reads in a rule: "if any of B, C is installed".
func (c Condition) String() string {
	if c.Mode == ModeAlways {
		return "always"
	}
	list := strings.Join(c.Of, ", ")
	switch {
	case len(c.Of) == 1:
		return "if " + list + " is " + installedWord(c.Installed)
	case c.Mode == ModeAll && !c.Installed:
		return "if none of " + list + " is installed"
	case c.Mode == ModeAll:
		return "if all of " + list + " are installed"
	}
	return "if any of " + list + " is " + installedWord(c.Installed)
}

func installedWord(installed bool) string {
	if installed {
		return "installed"
	}
	return "not installed"
}

// ruleRef names rule i (0-based) of software for people: "rule 2 of A (if B is installed)".
func ruleRef(software string, i int, r Rule) string {
	return "rule " + strconv.Itoa(i+1) + " of " + software + " (" + r.If.String() + ")"
}

// andList joins items as a sentence does: "A", "A and B", "A, B and C".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
