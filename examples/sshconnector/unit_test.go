package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
)

// The prologue is run by a real sh: each value must arrive byte for byte.
func TestPrologueQuotesEveryValue(t *testing.T) {
	values := map[string]string{
		"plain":     "hello",
		"quote":     "it's",
		"quotes":    `'''`,
		"dollar":    "$HOME ${PATH} $(id)",
		"backtick":  "`id`",
		"newline":   "one\ntwo\n",
		"backslash": `a\b\\c\'`,
		"empty":     "",
		"glob":      "* ? [a]",
		"unicode":   "grüße 🎉",
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			pro, err := prologue("__m", map[string]string{"P": v})
			require.NoError(t, err)
			out, err := exec.Command("sh", "-c", pro+`printf '%s' "$P"`).Output()
			require.NoError(t, err)
			require.Equal(t, v, string(out))
		})
	}

	_, err := prologue("__m", map[string]string{"1x": "v"})
	require.Equal(t, sdk.KindInvalid, sdk.KindOf(err))
	_, err = prologue("__m", map[string]string{"X": "a\x00b"})
	require.Equal(t, sdk.KindInvalid, sdk.KindOf(err))
}

func TestLoadHosts(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		text string
		want []host
		err  string
	}{
		{name: "yaml with defaults", text: "- name: web1\n  client: acme\n" +
			"- name: db1\n  address: 10.0.0.5\n  port: 2222\n  user: admin\n",
			want: []host{{Name: "web1", Address: "web1", Port: 22, User: "ops", Client: "acme"},
				{Name: "db1", Address: "10.0.0.5", Port: 2222, User: "admin"}}},
		{name: "json", text: `[{"name": "web1", "address": "192.0.2.1", "client": "acme"}]`,
			want: []host{{Name: "web1", Address: "192.0.2.1", Port: 22, User: "ops",
				Client: "acme"}}},
		{name: "empty list", text: "[]", want: []host{}},
		{name: "hardware facts", text: "- name: pc7\n  uuid: 4c4c4544-0042\n" +
			"  serial: CZC1234\n  manufacturer: HP\n  model: EliteDesk 800\n",
			want: []host{{Name: "pc7", Address: "pc7", Port: 22, User: "ops",
				UUID: "4c4c4544-0042", Serial: "CZC1234", Manufacturer: "HP",
				Model: "EliteDesk 800"}}},
		{name: "no name", text: "- address: x\n", err: "entry 1 has no name"},
		{name: "duplicate", text: "- name: a\n- name: a\n", err: `name "a" appears twice`},
		{name: "bad port", text: "- name: a\n  port: 70000\n", err: "port 70000 out of range"},
		{name: "not a list", text: "name: a\n", err: "parse hosts file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o600))
			got, err := loadHosts(path, "ops")
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}

	_, err := loadHosts(filepath.Join(dir, "absent"), "ops")
	require.ErrorContains(t, err, "read hosts file")
	path := filepath.Join(dir, "nouser")
	require.NoError(t, os.WriteFile(path, []byte("- name: a\n"), 0o600))
	_, err = loadHosts(path, "")
	require.ErrorContains(t, err, "no user and no defaultUser")
}

func TestParseIdentity(t *testing.T) {
	got := parseIdentity([]string{
		"uuid=4C4C4544-0042-3510-8051-B4C04F565931",
		"serial=",
		"vendor=Dell Inc.",
		"model=OptiPlex 7090",
		"machineid=3d1219c7c4c5404aaa1f6d2a48adfda4",
		"hostname=web1.example.net",
		`os.NAME="Debian GNU/Linux"`,
		`os.VERSION_ID="12"`,
		`os.PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"`,
		"garbage",
	})
	require.Equal(t, sdk.IdentityFacts{SMBIOSUUID: "4C4C4544-0042-3510-8051-B4C04F565931",
		Manufacturer: "Dell Inc.", Model: "OptiPlex 7090",
		OSInstallID: "3d1219c7c4c5404aaa1f6d2a48adfda4", Hostname: "web1",
		OSName: "Debian GNU/Linux", OSVersion: "12"}, got)

	require.Equal(t, `say "hi"`, unquoteOSRelease(`"say \"hi\""`))
	require.Equal(t, "Alpine", unquoteOSRelease("'Alpine'"))
	require.Equal(t, "arch", unquoteOSRelease("arch"))
}

func TestWithKnownFillsOnlyWhatTheHostLeftEmpty(t *testing.T) {
	file := host{Name: "pc7", UUID: "file-uuid", Serial: "file-serial",
		Manufacturer: "file-vendor", Model: "file-model"}
	cases := []struct {
		name string
		read sdk.IdentityFacts
		h    host
		want sdk.IdentityFacts
	}{
		{name: "host read nothing", read: sdk.IdentityFacts{Hostname: "pc7"}, h: file,
			want: sdk.IdentityFacts{Hostname: "pc7", SMBIOSUUID: "file-uuid",
				Serial: "file-serial", Manufacturer: "file-vendor", Model: "file-model"}},
		{name: "host wins where it reported", read: sdk.IdentityFacts{SMBIOSUUID: "dmi-uuid",
			Model: "dmi-model"}, h: file,
			want: sdk.IdentityFacts{SMBIOSUUID: "dmi-uuid", Serial: "file-serial",
				Manufacturer: "file-vendor", Model: "dmi-model"}},
		{name: "file without facts", read: sdk.IdentityFacts{Serial: "dmi-serial"},
			h: host{Name: "pc7"}, want: sdk.IdentityFacts{Serial: "dmi-serial"}},
		{name: "nothing anywhere", h: host{Name: "pc7"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, withKnown(tc.read, tc.h))
		})
	}
}

func TestReadLines(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	var got []string
	readLines(strings.NewReader("a\r\nb\n\nbad \xff byte\n"+long+"\nlast"), func(l string) {
		got = append(got, l)
	})
	require.Equal(t, []string{"a", "b", "", "bad \uFFFD byte", long[:maxLine], long[maxLine:],
		"last"}, got)
}

// A third-party connector can only use the public SDK; this one proves that is enough. Its
// test server package counts as part of the example and must obey the same rule.
func TestBuiltOnThePublicSDKAlone(t *testing.T) {
	out, err := exec.Command("go", "list", "-f",
		`{{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`,
		"./...").Output()
	require.NoError(t, err)
	const module = "github.com/stewardhq/steward/"
	imports := strings.Fields(string(out))
	require.Contains(t, imports, module+"sdk")
	for _, dep := range imports {
		if !strings.HasPrefix(dep, module) || dep == module+"examples/sshconnector/sshtest" {
			continue
		}
		rest := strings.TrimPrefix(dep, module)
		require.True(t, rest == "sdk" || strings.HasPrefix(rest, "sdk/"),
			"imports %s, which is not the public SDK", dep)
		require.NotContains(t, rest, "internal", "imports the SDK's internals: %s", dep)
	}
}
