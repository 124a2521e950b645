package version

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzCompare checks that Compare is a total preorder over arbitrary strings and agrees with
// Parse, Version.Compare and Equal. Each input is also checked after mapping it onto the
// characters versions are made of, so the fuzzer spends its time on strings that parse.
func FuzzCompare(f *testing.F) {
	for i, tc := range compareCases {
		next := compareCases[(i+1)%len(compareCases)]
		f.Add(tc.a, tc.b, next.a)
	}
	f.Add("", " ", "x")
	f.Add("1.0~", "1.0-", "1.0+")
	f.Add("1:1.0 beta-1", "1.0.0+build-5", "1..2")

	f.Fuzz(func(t *testing.T, a, b, c string) {
		checkOrder(t, a, b, c)
		checkOrder(t, toVersionAlphabet(a), toVersionAlphabet(b), toVersionAlphabet(c))
	})
}

func checkOrder(t *testing.T, a, b, c string) {
	all := [3]string{a, b, c}
	var parsed [3]Version
	for i, x := range all {
		parsed[i] = checkParse(t, x)
	}

	// The string functions must agree with the parsed order; the properties are then checked
	// on the matrix, which keeps each fuzz input cheap.
	var cmp [3][3]int
	for i, x := range all {
		for j, y := range all {
			cmp[i][j] = parsed[i].Compare(parsed[j])
			require.Equal(t, cmp[i][j], Compare(x, y), "Compare(%q, %q)", x, y)
			require.Equal(t, cmp[i][j] == 0, Equal(x, y), "Equal(%q, %q)", x, y)
			require.Equal(t, cmp[i][j] >= 0, AtLeast(x, y), "AtLeast(%q, %q)", x, y)
		}
	}

	for i := range all {
		require.Zero(t, cmp[i][i], "Compare(%q, itself)", all[i])
		for j := range all {
			require.True(t, cmp[i][j] >= -1 && cmp[i][j] <= 1, "Compare(%q, %q)", all[i], all[j])
			require.Equal(t, -cmp[i][j], cmp[j][i], "antisymmetry of %q and %q", all[i], all[j])
			for k := range all {
				if cmp[i][j] <= 0 && cmp[j][k] <= 0 {
					require.LessOrEqual(t, cmp[i][k], 0, "%q <= %q <= %q", all[i], all[j], all[k])
				}
				if cmp[i][j] >= 0 && cmp[j][k] >= 0 {
					require.GreaterOrEqual(t, cmp[i][k], 0, "%q >= %q >= %q", all[i], all[j], all[k])
				}
			}
		}
	}
}

// checkParse returns the version Compare sees for s: the parsed one, or an invalid one that
// still carries s, which is how Compare orders text that does not parse.
func checkParse(t *testing.T, s string) Version {
	v, err := Parse(s)
	if err != nil {
		require.ErrorIs(t, err, ErrInvalid)
		require.Equal(t, Version{}, v)
		return Version{raw: s}
	}
	require.Equal(t, s, v.String())
	return v
}

// versionAlphabet repeats digits and separators so mapped strings often look like versions.
const versionAlphabet = "0123456789012.-.-_+~:  abprcvAB~.-+19"

func toVersionAlphabet(s string) string {
	out := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = versionAlphabet[int(s[i])%len(versionAlphabet)]
	}
	return string(out)
}
