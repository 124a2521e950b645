package runner

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

func procArgs(argc uint32, parts ...string) []byte {
	buf := binary.LittleEndian.AppendUint32(nil, argc)
	for _, p := range parts {
		buf = append(append(buf, p...), 0)
	}
	return buf
}

func TestProcArgsEnv(t *testing.T) {
	tests := []struct {
		name string
		buf  []byte
		want []string
	}{
		{
			name: "path padding args env",
			buf: procArgs(2, "/bin/sleep", "", "", "sleep", "300",
				"HOME=/Users/a", markerVar+"=abc", "", "ptr_munge="),
			want: []string{"HOME=/Users/a", markerVar + "=abc"},
		},
		{
			name: "no environment",
			buf:  procArgs(1, "/bin/sh", "sh"),
			want: nil,
		},
		{name: "truncated", buf: []byte{1, 0}, want: nil},
		{name: "no path end", buf: append(procArgs(1), "/bin/sh"...), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, procArgsEnv(tt.buf))
		})
	}
}
