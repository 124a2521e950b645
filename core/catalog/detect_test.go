package catalog_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

// programs is a realistic slice of a Windows inventory.
var programs = []sdk.Program{
	{Name: "7-Zip 23.01 (x64)", Version: "23.01", Publisher: "Igor Pavlov"},
	{Name: "7-Zip 19.00", Version: "19.00", Publisher: "Igor Pavlov"},
	{Name: "Mozilla Firefox (x64 en-US)", Version: "128.0.3", Publisher: "Mozilla"},
	{Name: "Mozilla Maintenance Service", Version: "128.0.3", Publisher: "Mozilla"},
	{Name: "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135",
		Version: "14.38.33135.0", Publisher: "Microsoft Corporation",
		UpgradeCode: "{36F68A90-239C-34DF-B58C-64B30153CE35}"},
	{Name: "Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.36.32532",
		Version: "14.36.32532.0", Publisher: "Microsoft Corporation",
		UpgradeCode: "{65E5BD06-6392-3027-8C26-853107D3CF1A}"},
	{Name: "Microsoft Visual C++ 2013 Redistributable (x64) - 12.0.40664",
		Version: "12.0.40664.0", Publisher: "Microsoft Corporation"},
	{Name: "Google Chrome", Version: "127.0.6533.73"},
	{Name: "Google Chrome", Version: "127.0.6533.100"},
	{Name: "hello-steward", Version: "1.1-1", Source: "dpkg"},
}

func TestDetectionFind(t *testing.T) {
	tests := []struct {
		name      string
		d         catalog.Detection
		version   string
		found     bool
		wantError error
	}{
		{"exact ignores case and space",
			catalog.Detection{Method: "display_name", Match: "exact",
				Pattern: " mozilla firefox (X64 EN-US) "}, "128.0.3", true, nil},
		{"exact defaults when match is empty",
			catalog.Detection{Method: "display_name", Pattern: "hello-steward"}, "1.1-1", true,
			nil},
		{"exact does not match a part",
			catalog.Detection{Method: "display_name", Match: "exact", Pattern: "Firefox"}, "",
			false, nil},
		{"contains finds the highest of two 7-Zips",
			catalog.Detection{Method: "display_name", Match: "contains", Pattern: "7-zip"},
			"23.01", true, nil},
		{"wildcard with star and question mark",
			catalog.Detection{Method: "display_name", Match: "wildcard",
				Pattern: "Microsoft Visual C++ 2015-20?? Redistributable (x64) - *"},
			"14.38.33135.0", true, nil},
		{"wildcard treats regex characters literally",
			catalog.Detection{Method: "display_name", Match: "wildcard",
				Pattern: "Microsoft Visual C.. 2015*"}, "", false, nil},
		{"wildcard is anchored",
			catalog.Detection{Method: "display_name", Match: "wildcard", Pattern: "Firefox*"},
			"", false, nil},
		{"regex over both architectures picks the highest",
			catalog.Detection{Method: "display_name", Match: "regex",
				Pattern: `^Microsoft Visual C\+\+ 2015-2022 Redistributable \(x(64|86)\)`},
			"14.38.33135.0", true, nil},
		{"regex is case-sensitive unless asked",
			catalog.Detection{Method: "display_name", Match: "regex", Pattern: `^google chrome$`},
			"", false, nil},
		{"regex with (?i) and numeric version order",
			catalog.Detection{Method: "display_name", Match: "regex",
				Pattern: `(?i)^google chrome$`},
			"127.0.6533.100", true, nil},
		{"upgrade code without braces, lower case",
			catalog.Detection{Method: "upgrade_code",
				Pattern: "36f68a90-239c-34df-b58c-64b30153ce35"}, "14.38.33135.0", true, nil},
		{"upgrade code with braces",
			catalog.Detection{Method: "upgrade_code",
				Pattern: "{65E5BD06-6392-3027-8C26-853107D3CF1A}"}, "14.36.32532.0", true, nil},
		{"unknown upgrade code",
			catalog.Detection{Method: "upgrade_code",
				Pattern: "{00000000-0000-0000-0000-000000000000}"}, "", false, nil},
		{"script detection needs a run",
			catalog.Detection{Method: "script", ScriptID: "x"}, "", false,
			catalog.ErrNeedsScript},
		{"broken regex",
			catalog.Detection{Method: "display_name", Match: "regex", Pattern: "(unclosed"}, "",
			false, errs.ErrInvalid},
		{"unknown method",
			catalog.Detection{Method: "registry"}, "", false, errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, found, err := tt.d.Find(programs)
			if tt.wantError != nil {
				require.ErrorIs(t, err, tt.wantError)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.found, found)
			require.Equal(t, tt.version, v)
		})
	}
}

func TestDetectionFindWithoutVersion(t *testing.T) {
	d := catalog.Detection{Method: "display_name", Pattern: "Tool"}
	v, found, err := d.Find([]sdk.Program{{Name: "Tool"}})
	require.NoError(t, err)
	require.True(t, found, "a program without a version is still installed")
	require.Empty(t, v)
}

func TestDetectionCheck(t *testing.T) {
	tests := []struct {
		name string
		d    catalog.Detection
		msg  string
	}{
		{"no method", catalog.Detection{}, "detection method is required"},
		{"display name without pattern", catalog.Detection{Method: "display_name"},
			"needs a pattern"},
		{"unknown match", catalog.Detection{Method: "display_name", Match: "fuzzy",
			Pattern: "x"}, `match "fuzzy"`},
		{"regex that does not compile", catalog.Detection{Method: "display_name",
			Match: "regex", Pattern: "a(b"}, "not a valid regular expression: missing closing )"},
		{"upgrade code that is no GUID", catalog.Detection{Method: "upgrade_code",
			Pattern: "7-Zip"}, "needs an MSI upgrade code"},
		{"script without script", catalog.Detection{Method: "script"}, "needs a scriptId"},
		{"script with pattern", catalog.Detection{Method: "script", ScriptID: "s",
			Pattern: "x"}, "takes no match or pattern"},
		{"name with script", catalog.Detection{Method: "display_name", Pattern: "x",
			ScriptID: "s"}, "takes no scriptId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.d.Check()
			require.ErrorIs(t, err, errs.ErrInvalid)
			require.Contains(t, err.Error(), tt.msg)
		})
	}
	require.NoError(t, catalog.Detection{Method: "display_name", Match: "wildcard",
		Pattern: "7-Zip * (x64)"}.Check())
}
