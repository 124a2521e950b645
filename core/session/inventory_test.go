package session

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

func TestParsePrograms(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []sdk.Program
	}{
		{"dpkg with maintainer address",
			[]string{"dpkg\tvim\t2:9.0.1378-2\tDebian Vim Maintainers <team+vim@tracker.debian.org>"},
			[]sdk.Program{{Name: "vim", Version: "2:9.0.1378-2",
				Publisher: "Debian Vim Maintainers", Source: "dpkg"}}},
		{"rpm without vendor",
			[]string{"rpm\tbash\t5.1.8-6.el9\t(none)"},
			[]sdk.Program{{Name: "bash", Version: "5.1.8-6.el9", Source: "rpm"}}},
		{"noise and short lines are ignored",
			[]string{"", "warning: something", "dpkg\t\t1.0\tx", "rpm\tonly-name"},
			[]sdk.Program{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, parsePrograms(tt.lines))
		})
	}
}
