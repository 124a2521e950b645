package prereq

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/errs"
)

func TestCheckCycles(t *testing.T) {
	conditional := Rule{If: when(ModeAny, true, "Z"), Then: ActionInstall, On: []string{"A"}}
	tests := []struct {
		name  string
		rules map[string][]Rule
		want  string
	}{
		{name: "no rules"},
		{
			name: "chain",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {always(ActionInstall, "C")},
			},
		},
		{
			name: "diamond",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B", "C")},
				"B": {always(ActionInstall, "D")},
				"C": {always(ActionInstall, "D")},
			},
		},
		{
			name: "two items",
			rules: map[string][]Rule{
				"B": {always(ActionInstall, "A")},
				"A": {always(ActionInstall, "B")},
			},
			want: "prerequisite cycle: A → B → A",
		},
		{
			name: "three items",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {always(ActionInstall, "C")},
				"C": {always(ActionInstall, "A")},
			},
			want: "prerequisite cycle: A → B → C → A",
		},
		{
			name:  "self",
			rules: map[string][]Rule{"A": {always(ActionInstall, "A")}},
			want:  "prerequisite cycle: A → A",
		},
		{
			name: "cycle reached from outside it",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "M")},
				"M": {always(ActionInstall, "N")},
				"N": {always(ActionInstall, "M")},
			},
			want: "prerequisite cycle: M → N → M",
		},
		{
			name: "conditions do not matter",
			rules: map[string][]Rule{
				"A": {{If: when(ModeAll, false, "X"), Then: ActionInstall, On: []string{"B"}}},
				"B": {conditional},
			},
			want: "prerequisite cycle: A → B → A",
		},
		{
			name: "products that remove each other",
			rules: map[string][]Rule{
				"AV1": {always(ActionUninstall, "AV2")},
				"AV2": {always(ActionUninstall, "AV1")},
			},
		},
		{
			name: "fail rules are not edges",
			rules: map[string][]Rule{
				"A": {always(ActionInstall, "B")},
				"B": {always(ActionFail, "A")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckCycles(tt.rules)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.want)
			require.ErrorIs(t, err, errs.ErrInvalid)
			var cycle *CycleError
			require.ErrorAs(t, err, &cycle)
			require.Equal(t, cycle.Path[0], cycle.Path[len(cycle.Path)-1])
		})
	}
}
