package identify

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPushUPN(t *testing.T) {
	var ten []string
	for i := range 10 {
		ten = append(ten, fmt.Sprintf("user%02d@acme.example", i))
	}

	tests := []struct {
		name    string
		history []string
		upn     string
		want    []string
	}{
		{"first entry", nil, "anna.berg@acme.example", []string{"anna.berg@acme.example"}},
		{"newest last", []string{"anna.berg@acme.example"}, "ben.ortiz@acme.example",
			[]string{"anna.berg@acme.example", "ben.ortiz@acme.example"}},
		{"same user again is not repeated", []string{"ben.ortiz@acme.example",
			"anna.berg@acme.example"}, " Anna.Berg@ACME.example ",
			[]string{"ben.ortiz@acme.example", "anna.berg@acme.example"}},
		{"returning user after another is added",
			[]string{"anna.berg@acme.example", "ben.ortiz@acme.example"}, "anna.berg@acme.example",
			[]string{"anna.berg@acme.example", "ben.ortiz@acme.example",
				"anna.berg@acme.example"}},
		{"oldest dropped beyond ten", ten, "anna.berg@acme.example",
			append(append([]string{}, ten[1:]...), "anna.berg@acme.example")},
		{"empty name ignored", []string{"anna.berg@acme.example"}, "  ",
			[]string{"anna.berg@acme.example"}},
		{"local account kept", []string{"anna.berg@acme.example"}, "Administrator",
			[]string{"anna.berg@acme.example", "Administrator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]string(nil), tt.history...)
			got := PushUPN(tt.history, tt.upn)
			require.Equal(t, tt.want, got)
			require.LessOrEqual(t, len(got), HistorySize)
			require.Equal(t, before, tt.history, "input must not change")
		})
	}
}

func TestPushUPNDoesNotShareBacking(t *testing.T) {
	history := make([]string, 1, 4)
	history[0] = "anna.berg@acme.example"
	a := PushUPN(history, "ben.ortiz@acme.example")
	b := PushUPN(history, "carla.diaz@acme.example")
	require.Equal(t, "ben.ortiz@acme.example", a[1])
	require.Equal(t, "carla.diaz@acme.example", b[1])
}

func TestPrimaryPerson(t *testing.T) {
	persons := map[string]string{
		"anna.berg@acme.example":  "person-anna",
		"ben.ortiz@acme.example":  "person-ben",
		"a.berg@acme.example":     "person-anna", // an alias UPN of the same person
		"carla.diaz@acme.example": "person-carla",
	}

	tests := []struct {
		name     string
		history  []string
		override string
		want     string
	}{
		{"empty history", nil, "", ""},
		{"only unknown users", []string{"Administrator", "temp@other.example"}, "", ""},
		{"seen most often", []string{"anna.berg@acme.example", "ben.ortiz@acme.example",
			"anna.berg@acme.example", "carla.diaz@acme.example", "anna.berg@acme.example"},
			"", "person-anna"},
		{"case-insensitive upn", []string{"BEN.ORTIZ@ACME.EXAMPLE", "anna.berg@acme.example",
			"Ben.Ortiz@Acme.Example"}, "", "person-ben"},
		{"aliases count for one person", []string{"anna.berg@acme.example",
			"a.berg@acme.example", "ben.ortiz@acme.example", "anna.berg@acme.example",
			"carla.diaz@acme.example", "ben.ortiz@acme.example"}, "", "person-anna"},
		{"tie goes to the most recent", []string{"anna.berg@acme.example",
			"ben.ortiz@acme.example", "anna.berg@acme.example", "ben.ortiz@acme.example",
			"Administrator"}, "", "person-ben"},
		{"tie the other way", []string{"ben.ortiz@acme.example", "anna.berg@acme.example",
			"ben.ortiz@acme.example", "anna.berg@acme.example"}, "", "person-anna"},
		{"unknown users do not count", []string{"anna.berg@acme.example", "Administrator",
			"Administrator", "Administrator"}, "", "person-anna"},
		{"override wins", []string{"anna.berg@acme.example", "anna.berg@acme.example"},
			"person-dana", "person-dana"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, PrimaryPerson(tt.history, persons, tt.override))
		})
	}
}
