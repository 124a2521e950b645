package inventory

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantName    string
		wantVersion string
	}{
		{
			name:        "double quoted",
			in:          "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n",
			wantName:    "Debian GNU/Linux",
			wantVersion: "12",
		},
		{
			name:        "unquoted and single quoted",
			in:          "NAME=Fedora\nVERSION_ID='40'\n",
			wantName:    "Fedora",
			wantVersion: "40",
		},
		{
			name:        "escapes and comments",
			in:          "# comment\nNAME=\"Say \\\"hi\\\" \\$HOME\"\n\nbroken line\n",
			wantName:    `Say "hi" $HOME`,
			wantVersion: "",
		},
		{
			name:     "rolling release falls back to pretty name",
			in:       "PRETTY_NAME=\"Arch Linux\"\nBUILD_ID=rolling\n",
			wantName: "Arch Linux",
		},
		{
			name:     "empty file gives the documented default",
			in:       "",
			wantName: "Linux",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, err := parseOSRelease(bufio.NewScanner(strings.NewReader(tt.in)))
			require.NoError(t, err)

			name, version := osNameVersion(vals)
			require.Equal(t, tt.wantName, name)
			require.Equal(t, tt.wantVersion, version)
		})
	}
}

func TestParseDpkgStatus(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []sdk.Program
	}{
		{
			name: "installed without trailing blank line",
			in: "Package: vim\nStatus: install ok installed\n" +
				"Maintainer: Debian Vim Maintainers <team+vim@tracker.debian.org>\n" +
				"Version: 2:9.0.1378-2\n",
			want: []sdk.Program{{Name: "vim", Version: "2:9.0.1378-2",
				Publisher: "Debian Vim Maintainers", Source: "dpkg"}},
		},
		{
			name: "config files only",
			in:   "Package: nginx\nStatus: deinstall ok config-files\nVersion: 1.22\n\n",
		},
		{
			name: "unpacked but not configured",
			in:   "Package: apache2\nStatus: install ok unpacked\nVersion: 2.4\n\n",
		},
		{
			name: "held",
			in:   "Package: linux-image-amd64\nStatus: hold ok installed\nVersion: 6.1\n\n",
			want: []sdk.Program{{Name: "linux-image-amd64", Version: "6.1", Source: "dpkg"}},
		},
		{
			name: "maintainer without address",
			in: "Package: local-tool\nStatus: install ok installed\n" +
				"Maintainer: Ops Team\nVersion: 1.0\n",
			want: []sdk.Program{{Name: "local-tool", Version: "1.0", Publisher: "Ops Team",
				Source: "dpkg"}},
		},
		{
			name: "continuation lines are not fields",
			in: "Package: a\nStatus: install ok installed\nDescription: x\n" +
				" Version: 9\nVersion: 1\n\n\n\nPackage: b\nStatus: purge ok not-installed\n",
			want: []sdk.Program{{Name: "a", Version: "1", Source: "dpkg"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDpkgStatus(strings.NewReader(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseRPM(t *testing.T) {
	out := "kernel-core\t6.8.5-301.fc40\tFedora Project\n" +
		"java-17-openjdk\t1:17.0.11.0.9-1.fc40\tFedora Project\n" +
		"local-build\t1.0-1\t(none)\n" +
		"gpg-pubkey\ta15b79cc-63d04c2c\t(none)\n" +
		"garbage line\n"

	require.Equal(t, []sdk.Program{
		{Name: "kernel-core", Version: "6.8.5-301.fc40", Publisher: "Fedora Project",
			Source: "rpm"},
		{Name: "java-17-openjdk", Version: "1:17.0.11.0.9-1.fc40",
			Publisher: "Fedora Project", Source: "rpm"},
		{Name: "local-build", Version: "1.0-1", Source: "rpm"},
	}, parseRPM([]byte(out)))
}

func TestParseSessions(t *testing.T) {
	t.Run("ids from both column layouts", func(t *testing.T) {
		out := "      3 1000 alice seat0 tty2\n" +
			"4 1001 bob - pts/0 active no -\n" +
			"\nSESSION  UID USER SEAT TTY\n"
		require.Equal(t, []string{"3", "4"}, parseSessionIDs([]byte(out)))
	})

	tests := []struct {
		name string
		out  string
		want []string
	}{
		{
			name: "people only",
			out: "Name=alice\nClass=user\nState=active\n\n" +
				"Name=gdm\nClass=greeter\nState=online\n\n" +
				"Name=alice\nClass=manager\nState=active\n\n" +
				"Name=root\nClass=background\nState=active\n",
			want: []string{"alice"},
		},
		{
			name: "systemd 256 early session and closing session",
			out: "Class=user-early\nName=dave\nState=online\n\n" +
				"Name=erin\nClass=user\nState=closing\n",
			want: []string{"dave"},
		},
		{
			name: "same user twice",
			out: "Name=alice\nClass=user\nState=active\n\n" +
				"Name=alice\nClass=user\nState=online\n",
			want: []string{"alice"},
		},
		{
			name: "nobody",
			out:  "",
			want: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, parseSessionProps([]byte(tt.out)))
		})
	}
}

func TestParseWho(t *testing.T) {
	out := "alice    tty2         2024-05-01 09:58 (tty2)\n" +
		"bob      pts/0        2024-05-01 10:00 (10.0.0.5)\n" +
		"alice    pts/1        2024-05-01 10:02 (10.0.0.9)\n\n"
	require.Equal(t, []string{"alice", "bob"}, parseWho([]byte(out)))
}

func TestLinuxInstallDate(t *testing.T) {
	birth := time.Date(2022, 3, 1, 8, 0, 0, 0, time.UTC)
	lostFound := time.Date(2022, 3, 1, 8, 1, 0, 0, time.UTC)
	machineID := time.Date(2022, 3, 1, 8, 20, 0, 0, time.UTC)
	epoch := time.Unix(0, 0)

	tests := []struct {
		name      string
		birth     time.Time
		lostFound time.Time // zero: no lost+found
		machineID time.Time
		want      *time.Time
	}{
		{name: "birth time of root", birth: birth, lostFound: lostFound,
			machineID: machineID, want: &birth},
		{name: "no birth time", lostFound: lostFound, machineID: machineID, want: &lostFound},
		{name: "birth time at epoch", birth: epoch, lostFound: lostFound,
			machineID: machineID, want: &lostFound},
		{name: "lost+found stamped with epoch", lostFound: epoch, machineID: machineID,
			want: &machineID},
		{name: "machine id only", machineID: machineID, want: &machineID},
		{name: "nothing plausible", machineID: epoch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"etc/machine-id": "ab\n"})
			idPath := filepath.Join(root, "etc", "machine-id")
			require.NoError(t, os.Chtimes(idPath, tt.machineID, tt.machineID))
			if !tt.lostFound.IsZero() {
				lf := filepath.Join(root, "lost+found")
				require.NoError(t, os.Mkdir(lf, 0o700))
				require.NoError(t, os.Chtimes(lf, tt.lostFound, tt.lostFound))
			}
			c := testCollector(root, &fakeRunner{}, tt.birth)

			got := c.linuxInstallDate("/etc/machine-id")

			if tt.want == nil {
				require.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			require.True(t, tt.want.Equal(*got), "want %v, got %v", tt.want, got)
		})
	}
}
