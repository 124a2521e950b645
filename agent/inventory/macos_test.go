package inventory

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func TestParseIoreg(t *testing.T) {
	tests := []struct {
		file string
		want map[string]string
	}{
		{
			file: "ioreg-arm64.txt",
			want: map[string]string{
				"IOPlatformUUID":         "6C0E4A4F-1A9B-5D2E-9F3A-1B2C3D4E5F60",
				"IOPlatformSerialNumber": "K9PXLQF32Y",
				"manufacturer":           "Apple Inc.",
				"model":                  "MacBookPro18,3",
			},
		},
		{
			file: "ioreg-intel.txt",
			want: map[string]string{
				"IOPlatformUUID":         "1E2D3C4B-5A69-4788-97A6-B5C4D3E2F100",
				"IOPlatformSerialNumber": "C02XK1ABJG5J",
				"manufacturer":           "Apple Inc.",
				"model":                  "MacBookPro15,1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			props := parseIoreg([]byte(readTestdata(t, tt.file)))
			for k, v := range tt.want {
				require.Equal(t, v, props[k], k)
			}
		})
	}

	t.Run("several strings keep the first", func(t *testing.T) {
		props := parseIoreg([]byte(readTestdata(t, "ioreg-arm64.txt")))
		require.Equal(t, "J314sAP", props["compatible"])
		require.NotContains(t, props, "#address-cells", "numbers in hex stay out")
	})
}

func TestParsePlistStrings(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr error
	}{
		{
			name: "top-level strings only",
			in: `<plist version="1.0"><dict>` +
				`<key>A</key><dict><key>B</key><string>nested</string></dict>` +
				`<key>C</key><string>c &amp; d</string>` +
				`<key>D</key><integer>4</integer>` +
				`<key>E</key><string></string>` +
				`</dict></plist>`,
			want: map[string]string{"C": "c & d", "E": ""},
		},
		{
			name:    "array at top level",
			in:      `<plist version="1.0"><array><string>x</string></array></plist>`,
			wantErr: errNotPlist,
		},
		{
			name:    "empty",
			in:      "",
			wantErr: errNotPlist,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePlistStrings([]byte(tt.in))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}

	t.Run("truncated", func(t *testing.T) {
		_, err := parsePlistStrings([]byte(`<plist><dict><key>A</key><string>x`))
		require.Error(t, err)
	})
}

func TestParseColonPairs(t *testing.T) {
	vals := parseColonPairs([]byte(readTestdata(t, "sw_vers.txt")))
	require.Equal(t, map[string]string{
		"ProductName":    "macOS",
		"ProductVersion": "14.4.1",
		"BuildVersion":   "23E224",
	}, vals)
}

func TestCollectDarwinTree(t *testing.T) {
	root := filepath.Join("testdata", "darwin")
	zoomPlist := filepath.Join(root, "Applications", "zoom.us.app", "Contents", "Info.plist")
	r := &fakeRunner{results: map[string]fakeResult{
		"ioreg -rd1 -c IOPlatformExpertDevice": {out: readTestdata(t, "ioreg-arm64.txt")},
		"ioreg -rd1 -c AppleSmartBattery": {out: "+-o AppleSmartBattery  <class " +
			"AppleSmartBattery>\n    {\n      \"CycleCount\" = 112\n    }\n"},
		"sw_vers": {out: readTestdata(t, "sw_vers.txt")},
		"who": {out: "alice    console      May  1 09:58\n" +
			"alice    ttys000      May  1 10:00\n"},
		"plutil -convert xml1 -o - " + zoomPlist: {out: `<?xml version="1.0"?>` +
			`<plist version="1.0"><dict><key>CFBundleName</key><string>zoom.us</string>` +
			`<key>CFBundleShortVersionString</key><string>6.0.2 (33403)</string>` +
			`</dict></plist>`},
		"pkgutil --pkgs": {out: "com.apple.pkg.MobileAssets\nus.zoom.pkg.videomeeting\n"},
		"pkgutil --pkg-info us.zoom.pkg.videomeeting": {out: "package-id: " +
			"us.zoom.pkg.videomeeting\nversion: 6.0.2.33403\nvolume: /\n" +
			"location: Applications\ninstall-time: 1714550000\n"},
	}}
	c := testCollector(root, r, time.Date(2023, 1, 5, 12, 0, 0, 0, time.UTC))

	inv, err := c.collectDarwin(context.Background())
	require.NoError(t, err)

	requireGolden(t, "darwin.golden.json", normalize(inv))
}
