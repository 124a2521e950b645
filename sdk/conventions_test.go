package sdk

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInstallOutcome(t *testing.T) {
	tests := []struct {
		name       string
		code       int
		ok, reboot bool
	}{
		{"success", 0, true, false},
		{"reboot required", 3010, true, true},
		{"reboot initiated", 1641, true, true},
		{"generic failure", 1, false, false},
		{"msi fatal error", 1603, false, false},
		{"negative", -1, false, false},
		{"another install running", 1618, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reboot := InstallOutcome(tt.code)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.reboot, reboot)
		})
	}
}

func TestTestOutcome(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		code  int
		want  bool
	}{
		{"true line", []string{"checking", "true"}, 0, true},
		{"false line wins over exit 0", []string{"false"}, 0, false},
		{"true line wins over exit 1", []string{"True"}, 1, true},
		{"case and space", []string{"  FALSE \t"}, 0, false},
		{"trailing blank lines", []string{"true", "", "   "}, 1, true},
		{"no answer exit 0", []string{"done"}, 0, true},
		{"no answer exit 1", []string{"done"}, 1, false},
		{"no output exit 0", nil, 0, true},
		{"no output exit 2", nil, 2, false},
		{"answer not last", []string{"true", "more"}, 3, false},
		{"word containing true", []string{"untrue"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, TestOutcome(tt.lines, tt.code))
		})
	}
}

func TestDetectedVersion(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		want    string
		present bool
	}{
		{"single version", []string{"1.2.3"}, "1.2.3", true},
		{"last line wins", []string{"probing", "24.08.1 "}, "24.08.1", true},
		{"blank lines after", []string{"5.0", "", " "}, "5.0", true},
		{"no output", nil, "", false},
		{"only blank lines", []string{"", "  "}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DetectedVersion(tt.lines)
			require.Equal(t, tt.present, ok)
			require.Equal(t, tt.want, got)
		})
	}
}
