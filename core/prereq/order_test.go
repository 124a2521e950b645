package prereq

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/errs"
)

func always(then Action, on ...string) Rule {
	return Rule{If: Condition{Mode: ModeAlways}, Then: then, On: on}
}

func when(mode string, installed bool, of ...string) Condition {
	return Condition{Mode: mode, Installed: installed, Of: of}
}

func installedSet(items ...string) func(string) bool {
	set := make(map[string]bool)
	for _, item := range items {
		set[item] = true
	}
	return func(item string) bool { return set[item] }
}

func step(item string, action Action, because string) Step {
	return Step{Item: item, Action: action, Because: because}
}

func TestOrder(t *testing.T) {
	avSwitch := map[string][]Rule{"NewAV": {
		{If: when(ModeAny, true, "OldAV", "OtherAV"), Then: ActionUninstall,
			On: []string{"OldAV", "OtherAV"}},
		{If: when(ModeAll, false, "OldAV", "OtherAV"), Then: ActionInstall, On: []string{"Agent"}},
	}}
	tests := []struct {
		name      string
		root      string
		rules     map[string][]Rule
		installed []string
		want      []Step
	}{
		{
			name: "no prerequisites", root: "A",
			want: []Step{step("A", ActionInstall, Requested)},
		},
		{
			name: "chain", root: "A",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {always(ActionInstall, "C")},
			},
			want: []Step{
				step("C", ActionInstall, "rule 1 of B (always)"),
				step("B", ActionInstall, "rule 1 of A (always)"),
				step("A", ActionInstall, Requested),
			},
		},
		{
			name: "installed prerequisite is neither repeated nor visited", root: "A",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {always(ActionInstall, "C")},
			},
			installed: []string{"B"},
			want:      []Step{step("A", ActionInstall, Requested)},
		},
		{
			name: "installed root is still installed", root: "A", installed: []string{"A"},
			want: []Step{step("A", ActionInstall, Requested)},
		},
		{
			name: "diamond lists the shared item once", root: "A",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B", "C")},
				"B": {always(ActionInstall, "D")},
				"C": {always(ActionInstall, "D")},
			},
			want: []Step{
				step("D", ActionInstall, "rule 1 of B (always)"),
				step("B", ActionInstall, "rule 1 of A (always)"),
				step("C", ActionInstall, "rule 1 of A (always)"),
				step("A", ActionInstall, Requested),
			},
		},
		{
			name: "any installed: uninstall only what is there", root: "NewAV",
			rules: avSwitch, installed: []string{"OldAV"},
			want: []Step{
				step("OldAV", ActionUninstall,
					"rule 1 of NewAV (if any of OldAV, OtherAV is installed)"),
				// Rule 2 sees OldAV gone, so the agent comes too.
				step("Agent", ActionInstall,
					"rule 2 of NewAV (if none of OldAV, OtherAV is installed)"),
				step("NewAV", ActionInstall, Requested),
			},
		},
		{
			name: "any installed does not hold", root: "NewAV", rules: avSwitch,
			installed: []string{"Agent"},
			want:      []Step{step("NewAV", ActionInstall, Requested)},
		},
		{
			name: "all installed holds", root: "A",
			rules: map[string][]Rule{"A": {
				{If: when(ModeAll, true, "X", "Y"), Then: ActionInstall, On: []string{"Z"}},
			}},
			installed: []string{"X", "Y"},
			want: []Step{
				step("Z", ActionInstall, "rule 1 of A (if all of X, Y are installed)"),
				step("A", ActionInstall, Requested),
			},
		},
		{
			name: "all installed does not hold with one missing", root: "A",
			rules: map[string][]Rule{"A": {
				{If: when(ModeAll, true, "X", "Y"), Then: ActionInstall, On: []string{"Z"}},
			}},
			installed: []string{"X"},
			want:      []Step{step("A", ActionInstall, Requested)},
		},
		{
			name: "any not installed holds", root: "App",
			rules: map[string][]Rule{"App": {
				{If: when(ModeAny, false, "VC2015", "VC2017"), Then: ActionInstall,
					On: []string{"VCRedist"}},
			}},
			installed: []string{"VC2015"},
			want: []Step{
				step("VCRedist", ActionInstall,
					"rule 1 of App (if any of VC2015, VC2017 is not installed)"),
				step("App", ActionInstall, Requested),
			},
		},
		{
			name: "all not installed does not hold with one present", root: "App",
			rules: map[string][]Rule{"App": {
				{If: when(ModeAll, false, "Java8", "Java11"), Then: ActionInstall,
					On: []string{"Java17"}},
			}},
			installed: []string{"Java11"},
			want:      []Step{step("App", ActionInstall, Requested)},
		},
		{
			name: "single item condition", root: "A",
			rules: map[string][]Rule{"A": {
				{If: when(ModeAny, false, "B"), Then: ActionInstall, On: []string{"B"}},
			}},
			want: []Step{
				step("B", ActionInstall, "rule 1 of A (if B is not installed)"),
				step("A", ActionInstall, Requested),
			},
		},
		{
			name: "uninstall prerequisite of a dependency", root: "A",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {{If: when(ModeAny, true, "Legacy"), Then: ActionUninstall,
					On: []string{"Legacy"}}},
			},
			installed: []string{"Legacy"},
			want: []Step{
				step("Legacy", ActionUninstall, "rule 1 of B (if Legacy is installed)"),
				step("B", ActionInstall, "rule 1 of A (always)"),
				step("A", ActionInstall, Requested),
			},
		},
		{
			name: "uninstall of something absent plans nothing", root: "A",
			rules: map[string][]Rule{"A": {always(ActionUninstall, "Legacy")}},
			want:  []Step{step("A", ActionInstall, Requested)},
		},
		{
			name: "uninstall is not repeated", root: "A",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B"), always(ActionUninstall, "Legacy")},
				"B": {always(ActionUninstall, "Legacy")},
			},
			installed: []string{"Legacy"},
			want: []Step{
				step("Legacy", ActionUninstall, "rule 1 of B (always)"),
				step("B", ActionInstall, "rule 1 of A (always)"),
				step("A", ActionInstall, Requested),
			},
		},
		{
			name: "uninstalling a dependency's prerequisite is not a cycle", root: "A",
			rules: map[string][]Rule{
				"A": {always(ActionUninstall, "B")},
				"B": {always(ActionInstall, "A")},
			},
			installed: []string{"B"},
			want: []Step{
				step("B", ActionUninstall, "rule 1 of A (always)"),
				step("A", ActionInstall, Requested),
			},
		},
		{
			name: "a fail rule that does not hold", root: "A",
			rules: map[string][]Rule{"A": {
				{If: when(ModeAny, true, "X"), Then: ActionFail, On: []string{"X"}},
			}},
			want: []Step{step("A", ActionInstall, Requested)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := Order(tt.root, tt.rules, installedSet(tt.installed...))
			require.NoError(t, err)
			require.Equal(t, tt.want, plan.Steps)
		})
	}
}

func TestOrderFails(t *testing.T) {
	tests := []struct {
		name      string
		rules     map[string][]Rule
		installed []string
		want      *FailError
		wantMsg   string
	}{
		{
			name: "any installed",
			rules: map[string][]Rule{"A": {
				always(ActionInstall, "B"),
				{If: when(ModeAny, true, "X", "Y", "Z"), Then: ActionFail, On: []string{"X"}},
			}},
			installed: []string{"X", "Z"},
			want: &FailError{Software: "A", Rule: 2, Condition: when(ModeAny, true, "X", "Y", "Z"),
				Met: []string{"X", "Z"}, On: []string{"X"}},
			wantMsg: "prerequisite rule 2 of A fails on X: X and Z are installed",
		},
		{
			name: "all not installed",
			rules: map[string][]Rule{"A": {
				{If: when(ModeAll, false, "NET48"), Then: ActionFail},
			}},
			want: &FailError{Software: "A", Rule: 1, Condition: when(ModeAll, false, "NET48"),
				Met: []string{"NET48"}},
			wantMsg: "prerequisite rule 1 of A fails: NET48 is not installed",
		},
		{
			name: "in a dependency",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {always(ActionFail, "Win7")},
			},
			want: &FailError{Software: "B", Rule: 1, Condition: Condition{Mode: ModeAlways},
				On: []string{"Win7"}},
			wantMsg: "prerequisite rule 1 of B fails on Win7: always",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Order("A", tt.rules, installedSet(tt.installed...))
			var fail *FailError
			require.ErrorAs(t, err, &fail)
			require.Equal(t, tt.want, fail)
			require.EqualError(t, err, tt.wantMsg)
		})
	}
}

func TestOrderCycles(t *testing.T) {
	tests := []struct {
		name      string
		rules     map[string][]Rule
		installed []string
		want      []string
	}{
		{
			name: "two items",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {always(ActionInstall, "A")},
			},
			want: []string{"A", "B", "A"},
		},
		{
			name: "three items below the root",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {always(ActionInstall, "C")},
				"C": {always(ActionInstall, "D")},
				"D": {always(ActionInstall, "B")},
			},
			want: []string{"B", "C", "D", "B"},
		},
		{
			name:  "self",
			rules: map[string][]Rule{"A": {always(ActionInstall, "A")}},
			want:  []string{"A", "A"},
		},
		{
			name: "back to an installed root",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {{If: when(ModeAny, false, "A"), Then: ActionInstall, On: []string{"C"}},
					always(ActionInstall, "A")},
			},
			installed: []string{"A"},
			want:      []string{"A", "B", "A"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Order("A", tt.rules, installedSet(tt.installed...))
			var cycle *CycleError
			require.ErrorAs(t, err, &cycle)
			require.Equal(t, tt.want, cycle.Path)
			require.ErrorIs(t, err, errs.ErrInvalid)
		})
	}

	_, err := Order("A", map[string][]Rule{
		"A": {always(ActionInstall, "B")},
		"B": {always(ActionInstall, "A")},
	}, installedSet())
	require.EqualError(t, err, "prerequisite cycle: A → B → A")
}

func TestOrderConflict(t *testing.T) {
	rules := map[string][]Rule{
		"A": {always(ActionInstall, "B", "C")},
		"C": {always(ActionUninstall, "B")},
	}
	_, err := Order("A", rules, installedSet())

	var conflict *ConflictError
	require.ErrorAs(t, err, &conflict)
	require.Equal(t, "B", conflict.Item)
	require.ErrorIs(t, err, errs.ErrConflict)
	require.EqualError(t, err, "prerequisites conflict on B: install for rule 1 of A (always), "+
		"uninstall for rule 1 of C (always)")

	// Removing the software being installed is a conflict too.
	_, err = Order("A", map[string][]Rule{"A": {always(ActionInstall, "B")},
		"B": {always(ActionUninstall, "A")}}, installedSet("A"))
	require.ErrorAs(t, err, &conflict)
	require.Equal(t, "A", conflict.Item)
}

func TestOrderRejectsMalformedRules(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{name: "unknown mode", rule: Rule{If: Condition{Mode: "some"}, Then: ActionInstall,
			On: []string{"B"}}, want: `unknown condition mode "some"`},
		{name: "condition without items", rule: Rule{If: when(ModeAny, true),
			Then: ActionInstall, On: []string{"B"}}, want: `condition "any" names no items`},
		{name: "unknown action", rule: always("upgrade", "B"), want: `unknown action "upgrade"`},
		{name: "install nothing", rule: always(ActionInstall),
			want: `action "install" names no items`},
		{name: "empty item", rule: always(ActionUninstall, ""), want: "empty item id"},
		{name: "rule of another software", rule: Rule{Software: "Z",
			If: Condition{Mode: ModeAlways}, Then: ActionInstall, On: []string{"B"}},
			want: "rule of Z stored under A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Order("A", map[string][]Rule{"A": {tt.rule}}, installedSet())
			require.ErrorIs(t, err, errs.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "prerequisite rule 1 of A")

			err = Validate("A", tt.rule)
			require.ErrorIs(t, err, errs.ErrInvalid)
			require.ErrorContains(t, err, tt.want)
		})
	}

	require.NoError(t, Validate("A", Rule{Software: "A", If: when(ModeAll, true, "X"),
		Then: ActionFail}))
	require.NoError(t, Validate("A", always(ActionFail)), "fail needs no items")
}
