package inventory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

const (
	loginctlList = "loginctl list-sessions --no-legend --no-pager"
	loginctlShow = "loginctl show-session --no-pager -p Name -p Class -p State"
	rpmQuery     = "rpm -qa --queryformat " + rpmQueryFormat
)

// linuxRunner answers like a desktop with logind, two people signed in and a greeter.
func linuxRunner() *fakeRunner {
	return &fakeRunner{results: map[string]fakeResult{
		loginctlList: {out: "      3 1000 alice seat0 tty2\n" +
			"     12 1001 bob@CORP.EXAMPLE.COM         pts/1\n" +
			"     c1  120 gdm   seat0 tty1\n"},
		loginctlShow + " 3 12 c1": {out: "Name=alice\nClass=user\nState=active\n\n" +
			"Name=bob@CORP.EXAMPLE.COM\nClass=user\nState=online\n\n" +
			"Name=gdm\nClass=greeter\nState=online\n"},
	}}
}

func TestCollectLinuxTree(t *testing.T) {
	birth := time.Date(2023, 6, 10, 9, 30, 0, 0, time.UTC)
	c := testCollector(filepath.Join("testdata", "linux"), linuxRunner(), birth)

	inv, err := c.collectLinux(context.Background())
	require.NoError(t, err)

	requireGolden(t, "linux.golden.json", normalize(inv))
}

func TestCollectLinuxFallbacks(t *testing.T) {
	// A container: no firmware files, os-release only where the vendor puts it, the machine
	// id only in D-Bus's copy, no logind, and rpm as the only package manager.
	root := writeTree(t, map[string]string{
		"usr/lib/os-release":      "NAME=Fedora Linux\nVERSION_ID=40\n",
		"etc/machine-id":          "uninitialized\n",
		"var/lib/dbus/machine-id": "0123456789ABCDEF0123456789ABCDEF\n",
	})
	r := &fakeRunner{results: map[string]fakeResult{
		loginctlList: {err: errors.New("System has not been booted with systemd")},
		"who": {out: "carol    pts/0        2024-05-01 10:00 (10.0.0.5)\n" +
			"carol    pts/1        2024-05-01 10:05 (10.0.0.5)\n"},
		rpmQuery: {out: "bash\t5.2.26-3.fc40\tFedora Project\n" +
			"gpg-pubkey\te99d6ad1-64d2612c\t(none)\n"},
	}}
	c := testCollector(root, r, time.Time{})

	inv, err := c.Collect(context.Background())
	require.NoError(t, err)

	require.Equal(t, sdk.IdentityFacts{
		Hostname:    "web01",
		OSName:      "Fedora Linux",
		OSVersion:   "40",
		OSInstallID: "0123456789abcdef0123456789abcdef",
	}, withoutDate(inv.Facts))
	require.NotNil(t, inv.Facts.OSInstallDate, "the machine id file's time stands in")
	require.Empty(t, inv.ComputerType)
	require.Equal(t, []string{"carol"}, inv.Users)
	require.Equal(t, []sdk.Program{
		{Name: "bash", Version: "5.2.26-3.fc40", Publisher: "Fedora Project", Source: "rpm"},
	}, inv.Programs)
}

func TestCollectIncomplete(t *testing.T) {
	r := linuxRunner()
	r.results[rpmQuery] = fakeResult{err: errors.New("rpmdb: lock table is out of space")}
	c := testCollector(filepath.Join("testdata", "linux"), r, time.Time{})

	inv, err := c.Collect(context.Background())

	require.ErrorIs(t, err, ErrIncomplete)
	require.ErrorContains(t, err, "run rpm")
	require.Equal(t, "B5HVD43", inv.Facts.Serial)
	require.NotEmpty(t, inv.Programs, "dpkg programs are kept when rpm fails")
}

func TestCollectUnreadableFile(t *testing.T) {
	// A directory where a value file should be cannot be read, which is not the same as an
	// absent file and is reported.
	root := writeTree(t, map[string]string{"sys/class/dmi/id/product_uuid/": ""})
	c := testCollector(root, &fakeRunner{}, time.Time{})

	_, err := c.Collect(context.Background())

	require.ErrorIs(t, err, ErrIncomplete)
	require.ErrorContains(t, err, "product_uuid")
}

func TestCollectPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode")
	}
	root := writeTree(t, map[string]string{"sys/class/dmi/id/product_serial": "B5HVD43"})
	serial := filepath.Join(root, "sys/class/dmi/id/product_serial")
	require.NoError(t, os.Chmod(serial, 0))

	inv, err := testCollector(root, &fakeRunner{}, time.Time{}).Collect(context.Background())

	require.NoError(t, err)
	require.Empty(t, inv.Facts.Serial)
}

func TestCollectCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := testCollector(filepath.Join("testdata", "linux"), linuxRunner(), time.Time{})

	inv, err := c.Collect(ctx)

	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, sdk.Inventory{}, inv)
}

func TestCollectOverride(t *testing.T) {
	tree := filepath.Join("testdata", "linux")
	tests := []struct {
		name       string
		override   string // file content; "" means no file
		wantErr    error
		wantSerial string
		wantUUID   string
	}{
		{
			name:       "no file",
			wantSerial: "B5HVD43",
			wantUUID:   "4c4c4544-0042-3510-8048-b4c04f564433",
		},
		{
			name:       "placeholder uuid",
			override:   `{"smbiosUuid": "03000200-0400-0500-0006-000700080009"}`,
			wantSerial: "B5HVD43",
			wantUUID:   "03000200-0400-0500-0006-000700080009",
		},
		{
			name:       "wiped serial",
			override:   `{"serial": ""}`,
			wantSerial: "",
			wantUUID:   "4c4c4544-0042-3510-8048-b4c04f564433",
		},
		{
			name:       "misspelt field",
			override:   `{"serialNumber": "X"}`,
			wantErr:    ErrIncomplete,
			wantSerial: "B5HVD43",
			wantUUID:   "4c4c4544-0042-3510-8048-b4c04f564433",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "override.json")
			if tt.override != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.override), 0o644))
			}
			c := testCollector(tree, linuxRunner(), time.Time{})
			c.overridePath = path

			inv, err := c.Collect(context.Background())

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tt.wantSerial, inv.Facts.Serial)
			require.Equal(t, tt.wantUUID, inv.Facts.SMBIOSUUID)
		})
	}
}

func TestProgramsSorted(t *testing.T) {
	inv := normalize(sdk.Inventory{Programs: []sdk.Program{
		{Name: "zsh", Source: "dpkg"},
		{Name: "curl", Source: "rpm"},
		{Name: "curl", Source: "dpkg", Version: "8"},
		{Name: "curl", Source: "dpkg", Version: "8"},
	}, Users: []string{"bob", "alice", "bob"}})

	require.Equal(t, []sdk.Program{
		{Name: "curl", Source: "dpkg", Version: "8"},
		{Name: "curl", Source: "rpm"},
		{Name: "zsh", Source: "dpkg"},
	}, inv.Programs)
	require.Equal(t, []string{"alice", "bob"}, inv.Users)
}

func TestFingerprint(t *testing.T) {
	date := time.Date(2023, 6, 10, 9, 30, 0, 0, time.UTC)
	base := sdk.Inventory{
		Facts:    sdk.IdentityFacts{Hostname: "web01", OSInstallDate: &date},
		Users:    []string{"alice", "bob"},
		Programs: []sdk.Program{{Name: "a"}, {Name: "b"}},
	}
	local := date.In(time.FixedZone("CEST", 2*60*60))

	tests := []struct {
		name   string
		other  sdk.Inventory
		wantEq bool
	}{
		{name: "same", other: base, wantEq: true},
		{
			name: "reordered",
			other: sdk.Inventory{
				Facts:    base.Facts,
				Users:    []string{"bob", "alice"},
				Programs: []sdk.Program{{Name: "b"}, {Name: "a"}},
			},
			wantEq: true,
		},
		{
			name: "other zone",
			other: sdk.Inventory{
				Facts:    sdk.IdentityFacts{Hostname: "web01", OSInstallDate: &local},
				Users:    base.Users,
				Programs: base.Programs,
			},
			wantEq: true,
		},
		{
			name: "user signed out",
			other: sdk.Inventory{
				Facts: base.Facts, Users: []string{"alice"}, Programs: base.Programs,
			},
		},
		{
			name: "program updated",
			other: sdk.Inventory{
				Facts: base.Facts, Users: base.Users,
				Programs: []sdk.Program{{Name: "a", Version: "2"}, {Name: "b"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Fingerprint(base), Fingerprint(tt.other)
			require.Len(t, a, 64)
			if tt.wantEq {
				require.Equal(t, a, b)
			} else {
				require.NotEqual(t, a, b)
			}
		})
	}

	users := []string{"bob", "alice"}
	Fingerprint(sdk.Inventory{Users: users})
	require.Equal(t, []string{"bob", "alice"}, users, "input left untouched")
}

func withoutDate(f sdk.IdentityFacts) sdk.IdentityFacts {
	f.OSInstallDate = nil
	return f
}
