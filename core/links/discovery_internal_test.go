package links

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
)

func TestDiscoveryNextToTheBinaryTriesOnlyConnectors(t *testing.T) {
	plugins, bin := t.TempDir(), t.TempDir()
	write := func(dir, name string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755))
		return p
	}
	self := write(bin, "steward")
	want := []string{write(plugins, "anything"), write(bin, "steward-acme")}
	for _, name := range []string{"steward-agent", "steward-agentsim", "steward-agent.exe",
		"unrelated-tool"} {
		write(bin, name)
	}

	d := &discovery{dirs: []string{plugins, bin}, self: self, log: hclog.NewNullLogger()}
	require.Equal(t, want, d.candidates(),
		"Steward's own programs and foreign tools next to the binary are never started")
}
