package inventory

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

// TestCollectRealMachine runs the collector on the system the tests run on, with real files
// and real commands, and checks what must hold on any Linux system.
func TestCollectRealMachine(t *testing.T) {
	inv, err := New(Config{}).Collect(context.Background())
	if err != nil {
		require.ErrorIs(t, err, ErrIncomplete, "only partial failures are acceptable")
		t.Logf("collected in part: %v", err)
	}

	host, err := os.Hostname()
	require.NoError(t, err)
	short, _, _ := strings.Cut(host, ".")
	require.Equal(t, short, inv.Facts.Hostname)
	require.NotEmpty(t, inv.Facts.OSName)

	if b, err := os.ReadFile("/etc/machine-id"); err == nil && len(b) > 0 {
		want := strings.ToLower(strings.TrimSpace(string(b)))
		if want != "uninitialized" {
			require.Equal(t, want, inv.Facts.OSInstallID)
		}
	}

	if _, err := os.Stat(dpkgStatusPath); err == nil {
		require.True(t, slices.ContainsFunc(inv.Programs, func(p sdk.Program) bool {
			return p.Name == "dpkg" && p.Source == sourceDpkg && p.Version != ""
		}), "dpkg lists itself")
	}

	if d := inv.Facts.OSInstallDate; d != nil {
		require.True(t, plausibleDate(*d), "install date %v", d)
		require.True(t, d.Before(time.Now()), "install date %v", d)
	}
	require.True(t, slices.IsSortedFunc(inv.Programs, compareProgram))
}
