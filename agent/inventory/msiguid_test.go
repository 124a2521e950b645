package inventory

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnpackGUID(t *testing.T) {
	tests := []struct {
		name   string
		packed string
		want   string
	}{
		{
			// Office 2007's product code, whose packed form is widely documented.
			name:   "office product code",
			packed: "00002109030000000000000000F01FEC",
			want:   "{90120000-0030-0000-0000-0000000FF1CE}",
		},
		{
			name:   "lower case input",
			packed: "efcdab89674523011032547698badcfe",
			want:   "{98BADCFE-5476-1032-0123-456789ABCDEF}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unpackGUID(tt.packed)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)

			back, err := packGUID(got)
			require.NoError(t, err)
			require.Equal(t, strings.ToUpper(tt.packed), back)
		})
	}
}

func TestPackGUIDForms(t *testing.T) {
	for _, in := range []string{
		"{90120000-0030-0000-0000-0000000FF1CE}",
		"90120000-0030-0000-0000-0000000ff1ce",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := packGUID(in)
			require.NoError(t, err)
			require.Equal(t, "00002109030000000000000000F01FEC", got)
		})
	}
}

func TestBadGUIDs(t *testing.T) {
	for _, in := range []string{
		"",
		"00002109030000000000000000F01FE",   // 31 digits
		"00002109030000000000000000F01FEG",  // not hex
		"00002109030000000000000000F01FEC0", // 33 digits
	} {
		t.Run("unpack "+in, func(t *testing.T) {
			_, err := unpackGUID(in)
			require.ErrorIs(t, err, errBadGUID)
		})
	}
	for _, in := range []string{
		"{90120000-0030-0000-0000-0000000FF1C}",
		"{90120000-0030-0000-00000-000000FF1CE}",
		"{9012000000300000-0000-0000000FF1CE}",
		"{Z0120000-0030-0000-0000-0000000FF1CE}",
	} {
		t.Run("pack "+in, func(t *testing.T) {
			_, err := packGUID(in)
			require.ErrorIs(t, err, errBadGUID)
		})
	}
}

func TestProductCodeFromKey(t *testing.T) {
	tests := []struct {
		key  string
		want string
	}{
		{"{23170f69-40c1-2702-2301-000001000000}", "{23170F69-40C1-2702-2301-000001000000}"},
		{"{90120000-0030-0000-0000-0000000FF1CE}", "{90120000-0030-0000-0000-0000000FF1CE}"},
		{"{1D8E6291-B0D5-35EC-8441-6616F567A0F7}_is1", ""},
		{"Mozilla Firefox 125.0 (x64 en-US)", ""},
		{"23170F69-40C1-2702-2301-000001000000", ""},
		{"{}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			require.Equal(t, tt.want, productCodeFromKey(tt.key))
		})
	}
}

func TestUpgradeCodeIndex(t *testing.T) {
	packed := map[string][]string{
		// Upgrade code {00002109-0300-0000-0000-0000000FF1CE}, one product.
		"90120000003000000000000000F01FEC": {"00002109030000000000000000F01FEC"},
		// Two products of one family, one malformed value name.
		"EFCDAB89674523011032547698BADCFE": {
			"11111111222233334455667788990011",
			"not-a-packed-guid",
			"AAAAAAAABBBBCCCCDDEEFF0011223344",
		},
		"malformed upgrade key": {"00002109030000000000000000F01FEC"},
	}

	require.Equal(t, map[string]string{
		"{90120000-0030-0000-0000-0000000FF1CE}": "{00002109-0300-0000-0000-0000000FF1CE}",
		"{11111111-2222-3333-4455-667788990011}": "{98BADCFE-5476-1032-0123-456789ABCDEF}",
		"{AAAAAAAA-BBBB-CCCC-DDEE-FF0011223344}": "{98BADCFE-5476-1032-0123-456789ABCDEF}",
	}, upgradeCodeIndex(packed))
}
