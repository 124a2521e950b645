package prereq

import (
	"strconv"
	"strings"

	"github.com/stewardhq/steward/core/errs"
)

// CycleError says that prerequisites lead back to an item that needs them. It wraps
// errs.ErrInvalid: the rules, not the computer, are at fault.
type CycleError struct {
	// Path starts and ends with the same item: [A B A].
	Path []string
}

func (e *CycleError) Error() string {
	return "prerequisite cycle: " + strings.Join(e.Path, " → ")
}

func (e *CycleError) Unwrap() error { return errs.ErrInvalid }

// FailError says that a rule with the action fail applies to the computer, so the software
// must not be installed there.
type FailError struct {
	Software string
	// Rule is the number of the rule among the software's rules, from 1.
	Rule      int
	Condition Condition
	// Met are the items that made the condition true; empty for an unconditional rule.
	Met []string
	// On are the items the rule names as the reason to fail.
	On []string
}

func (e *FailError) Error() string {
	msg := "prerequisite rule " + strconv.Itoa(e.Rule) + " of " + e.Software + " fails"
	if len(e.On) > 0 {
		msg += " on " + andList(e.On)
	}
	switch {
	case e.Condition.Mode == ModeAlways:
		return msg + ": always"
	case len(e.Met) == 1:
		return msg + ": " + e.Met[0] + " is " + installedWord(e.Condition.Installed)
	}
	return msg + ": " + andList(e.Met) + " are " + installedWord(e.Condition.Installed)
}

// ConflictError says that the prerequisites ask for one item to be both installed and
// removed. It wraps errs.ErrConflict.
type ConflictError struct {
	Item string
	// First is the step planned earlier, Then the one that contradicts it.
	First, Then Step
}

func (e *ConflictError) Error() string {
	return "prerequisites conflict on " + e.Item + ": " + string(e.First.Action) + " for " +
		e.First.Because + ", " + string(e.Then.Action) + " for " + e.Then.Because
}

func (e *ConflictError) Unwrap() error { return errs.ErrConflict }
