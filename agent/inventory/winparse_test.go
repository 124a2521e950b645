package inventory

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

func TestUninstallEntryProgram(t *testing.T) {
	const sevenZip = "{23170F69-40C1-2702-2301-000001000000}"
	const sevenZipUpgrade = "{23170F69-40C1-2702-0000-000004000000}"
	upgrade := map[string]string{sevenZip: sevenZipUpgrade}

	tests := []struct {
		name   string
		entry  uninstallEntry
		want   sdk.Program
		wantOK bool
	}{
		{
			name: "msi product with upgrade code",
			entry: uninstallEntry{KeyName: "{23170f69-40c1-2702-2301-000001000000}",
				DisplayName: "7-Zip 23.01 (x64 edition)", DisplayVersion: "23.01.00.0",
				Publisher: "Igor Pavlov"},
			want: sdk.Program{Name: "7-Zip 23.01 (x64 edition)", Version: "23.01.00.0",
				Publisher: "Igor Pavlov", ProductCode: sevenZip, UpgradeCode: sevenZipUpgrade,
				Source: sourceRegistryMachine},
			wantOK: true,
		},
		{
			name: "non-msi installer",
			entry: uninstallEntry{KeyName: "Notepad++", DisplayName: " Notepad++ (64-bit x64) ",
				DisplayVersion: "8.6.5", Publisher: "Notepad++ Team"},
			want: sdk.Program{Name: "Notepad++ (64-bit x64)", Version: "8.6.5",
				Publisher: "Notepad++ Team", Source: sourceRegistryMachine},
			wantOK: true,
		},
		{
			name:  "system component",
			entry: uninstallEntry{KeyName: "X", DisplayName: "Runtime part", SystemComponent: 1},
		},
		{
			name:  "no display name",
			entry: uninstallEntry{KeyName: "{23170F69-40C1-2702-2301-000001000000}"},
		},
		{
			name: "update of another entry",
			entry: uninstallEntry{KeyName: "KB5001", DisplayName: "Security Update",
				ParentKeyName: "Office16.PROPLUS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.entry.program(sourceRegistryMachine, upgrade)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestWindowsOSNameVersion(t *testing.T) {
	tests := []struct {
		name        string
		product     string
		build       string
		display     string
		release     string
		current     string
		wantName    string
		wantVersion string
	}{
		{"windows 11 reporting 10", "Windows 10 Pro", "22631", "23H2", "2009", "6.3",
			"Windows 11 Pro", "23H2"},
		{"windows 10", "Windows 10 Enterprise", "19045", "22H2", "2009", "6.3",
			"Windows 10 Enterprise", "22H2"},
		{"server 2019", "Windows Server 2019 Standard", "17763", "", "1809", "6.3",
			"Windows Server 2019 Standard", "1809"},
		{"server 2025", "Windows Server 2025 Datacenter", "26100", "24H2", "2009", "6.3",
			"Windows Server 2025 Datacenter", "24H2"},
		{"server 2012 r2", "Windows Server 2012 R2 Standard", "9600", "", "", "6.3",
			"Windows Server 2012 R2 Standard", "6.3"},
		{"no build number", "Windows 10 Pro", "", "", "", "", "Windows 10 Pro", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.wantName, windowsOSName(tt.product, tt.build))
			require.Equal(t, tt.wantVersion, windowsOSVersion(tt.display, tt.release, tt.current))
		})
	}
}

func TestWindowsInstallDate(t *testing.T) {
	want := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	// FILETIME of want: 100 ns ticks since 1601-01-01.
	fileTime := uint64(want.Unix()+11644473600) * 10_000_000

	tests := []struct {
		name        string
		installTime uint64
		installDate uint64
		want        *time.Time
	}{
		{name: "install time", installTime: fileTime + 5, installDate: 1, want: &want},
		{name: "install date only", installDate: uint64(want.Unix()), want: &want},
		{name: "neither"},
		{name: "epoch", installDate: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := windowsInstallDate(tt.installTime, tt.installDate)
			if tt.want == nil {
				require.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			require.Equal(t, tt.want.Unix(), got.Unix())
		})
	}
}

func TestWindowsUserName(t *testing.T) {
	tests := []struct {
		name                        string
		domain, user, computer, upn string
		want                        string
	}{
		{"domain user with upn", "CORP", "alice", "PC01", "alice@corp.example.com",
			"alice@corp.example.com"},
		{"domain user unresolved", "CORP", "alice", "PC01", "", `CORP\alice`},
		{"local account", "pc01", "admin", "PC01", "", "admin"},
		{"no domain", "", "admin", "PC01", "", "admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, windowsUserName(tt.domain, tt.user, tt.computer, tt.upn))
		})
	}
}

func TestIsUserHive(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"S-1-5-21-3623811015-3361044348-30300820-1013", true},
		{"S-1-5-21-3623811015-3361044348-30300820-1013_Classes", false},
		{"S-1-12-1-1234567890-1234567890-1234567890-1234567890", true},
		{".DEFAULT", false},
		{"S-1-5-18", false},
		{"S-1-5-19", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, isUserHive(tt.name))
		})
	}
}
