package inventory

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

func TestOverrideApply(t *testing.T) {
	o, err := LoadOverride(filepath.Join("testdata", "override-example.json"))
	require.NoError(t, err)

	collected := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	in := sdk.Inventory{
		Facts: sdk.IdentityFacts{
			SMBIOSUUID: "4c4c4544-0042-3510-8048-b4c04f564433", Serial: "B5HVD43",
			Manufacturer: "Dell Inc.", Hostname: "web01", OSInstallID: "8f3c",
			OSInstallDate: &collected,
		},
		ComputerType: sdk.ComputerTypeServer,
		Users:        []string{"alice"},
		Programs:     []sdk.Program{{Name: "dpkg", Source: "dpkg"}},
	}

	got := o.Apply(in)

	installed := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	require.Equal(t, sdk.Inventory{
		Facts: sdk.IdentityFacts{
			SMBIOSUUID: "03000200-0400-0500-0006-000700080009", Serial: "",
			Manufacturer: "Dell Inc.", Hostname: "web01",
			OSInstallID:   "00000000000000000000000000000001",
			OSInstallDate: &installed,
		},
		ComputerType: sdk.ComputerTypePortable,
		Users:        []string{},
		Programs: []sdk.Program{
			{Name: "dpkg", Source: "dpkg"},
			{Name: "Contoso Agent", Version: "1.2.3", Source: "test"},
		},
	}, got)
	require.Equal(t, collected, *in.Facts.OSInstallDate, "input left untouched")
	require.Len(t, in.Programs, 1, "input left untouched")
}

func TestOverrideEmptyKeepsEverything(t *testing.T) {
	date := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	in := sdk.Inventory{
		Facts:        sdk.IdentityFacts{Serial: "B5HVD43", OSInstallDate: &date},
		ComputerType: sdk.ComputerTypeServer,
		Users:        []string{"alice"},
	}
	require.Equal(t, in, Override{}.Apply(in))
}

func TestLoadOverrideErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string // "" means no file
		wantErr error
		wantMsg string
	}{
		{name: "missing file", wantErr: fs.ErrNotExist},
		{name: "unknown field", content: `{"serialNumber": "X"}`, wantMsg: "serialNumber"},
		{name: "wrong type", content: `{"users": "alice"}`, wantMsg: "users"},
		{name: "bad date", content: `{"osInstallDate": "yesterday"}`, wantMsg: "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			if tt.content != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o644))
			}

			_, err := LoadOverride(path)

			require.Error(t, err)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			require.ErrorContains(t, err, tt.wantMsg)
		})
	}
}

func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "```json\n")
	require.True(t, ok, "README has a JSON example")
	example, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)

	path := filepath.Join(t.TempDir(), "override.json")
	require.NoError(t, os.WriteFile(path, []byte(example), 0o644))
	fromReadme, err := LoadOverride(path)
	require.NoError(t, err)

	fromTestdata, err := LoadOverride(filepath.Join("testdata", "override-example.json"))
	require.NoError(t, err)
	require.Equal(t, fromTestdata, fromReadme, "README and testdata show the same example")
}
