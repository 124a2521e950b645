package version

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// compareCases are pairs taken from real inventories and package archives.
var compareCases = []struct {
	name string
	a, b string
	want int
}{
	// Plain numeric parts.
	{"numbers not text", "2.5.10", "2.5.9", 1},
	{"numbers not text again", "1.4.12", "1.4.9", 1},
	{"trailing zero", "17.2.0", "17.2", 0},
	{"two trailing zeros", "17.2.0.0", "17.2", 0},
	{"leading zeros", "4.6.00081", "4.6.81", 0},
	{"leading v", "v1.2.3", "1.2.3", 0},
	{"capital V and spaces", "  V1.2.3\t", "1.2.3", 0},
	{"zero and nothing more", "0", "0.0.0", 0},

	// Windows, browsers, office and desktop software.
	{"windows 10 cumulative update", "10.0.19045.3693", "10.0.19045.4046", -1},
	{"windows 11 above 10", "10.0.22631.3296", "10.0.19045.4291", 1},
	{"chrome", "124.0.6367.91", "124.0.6367.201", -1},
	{"chrome major", "125.0.6422.60", "124.0.6367.207", 1},
	{"edge", "124.0.2478.80", "124.0.2478.109", -1},
	{"firefox esr point release", "115.12.0", "115.9.1", 1},
	{"firefox esr suffix", "115.12.0esr", "115.12.0", 1},
	{"firefox esr suffix older", "115.11.0esr", "115.12.0", -1},
	{"firefox beta", "128.0b3", "128.0", -1},
	{"firefox betas", "128.0b3", "128.0b10", -1},
	{"7-zip", "23.01", "24.07", -1},
	{"7-zip old scheme", "9.20", "19.00", -1},
	{"7-zip leading zero", "23.01", "23.1", 0},
	{"notepad++", "8.6.4", "8.6.10", -1},
	{"notepad++ short", "8.6", "8.6.0", 0},
	{"office click-to-run", "16.0.17328.20282", "16.0.17531.20152", -1},
	{"zoom", "5.17.11.34827", "6.0.2.33403", -1},
	{"zoom same build", "5.17.34827", "5.17.34827.0", 0},
	{"vlc", "3.0.20", "3.0.9.2", 1},
	{"putty", "0.81.0.0", "0.80", 1},
	{"windows xp build words", "5.1 build 2600", "5.1.2600", 0},
	{"build word case", "10.0 Build 19045", "10.0.19045", 0},
	{"service pack", "5.1 SP3", "5.1", 1},
	{"service pack below next release", "5.1 SP3", "5.1.1", -1},
	{"date", "2024.03.15", "2024.3.9", 1},
	{"date with hyphens", "2024-03-15", "2024.03.15", 0},

	// Java and .NET.
	{"java installer version", "8.0.4010.9", "8.0.3810.9", 1},
	{"java underscore", "1.8.0_401", "1.8.0_91", 1},
	{"java underscore is a dot", "1.8.0_401", "1.8.0.401", 0},
	{"java update words", "8 Update 401", "8.401", 0},
	{"java schemes compare by numbers only", "8.0.4010.9", "1.8.0_401", 1},
	{"java 17", "17.0.10", "17.0.9", 1},
	{"java build metadata", "21.0.2+13", "21.0.2+12", 0},
	{"dotnet runtime", "8.0.11", "8.0.4", 1},
	{"dotnet preview below rc", "9.0.0-preview.7.24405.7", "9.0.0-rc.1.24431.7", -1},
	{"dotnet rc below release", "9.0.0-rc.2.24473.5", "9.0.0", -1},
	{"dotnet sdk", "8.0.404", "8.0.110", 1},

	// SemVer pre-releases and build metadata.
	{"beta numbers", "1.2.0-beta.66", "1.2.0-beta.376", -1},
	{"beta below release", "1.2.0-beta.376", "1.2.0", -1},
	{"alpha below beta", "1.0.0-alpha", "1.0.0-beta", -1},
	{"beta below rc", "1.0.0-beta.11", "1.0.0-rc.1", -1},
	{"shorter pre-release first", "1.0.0-alpha", "1.0.0-alpha.1", -1},
	{"numeric identifier below word", "1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
	{"pre-release case ignored", "1.0.0-RC.1", "1.0.0-rc.1", 0},
	{"rc10 above rc9", "2.0.0-rc10", "2.0.0-rc9", 1},
	{"pre-release of newer release", "1.0.1-alpha", "1.0.0", 1},
	{"build metadata ignored", "1.0.0+build.5", "1.0.0", 0},
	{"build metadata after pre-release", "1.0.0-rc.1+build.1", "1.0.0-rc.1+build.2", 0},
	{"python alpha", "3.13.0a1", "3.13.0", -1},
	{"python rc above beta", "3.13.0rc1", "3.13.0b4", 1},
	{"space beta", "23.01 beta", "23.01", -1},
	{"maven snapshot", "2.1.0-SNAPSHOT", "2.1.0", -1},

	// Debian and Ubuntu package versions.
	{"epoch wins", "1:2.3-1", "2.4-1", 1},
	{"missing epoch is zero", "0:2.3-1", "2.3-1", 0},
	{"revision", "2.3-1", "2.3-2", -1},
	{"upstream before revision", "2.3-9", "2.4-1", -1},
	{"missing revision is zero", "2.3", "2.3-0", 0},
	{"revision above none", "2.3-1", "2.3", 1},
	{"tilde below the end", "1.0~rc1", "1.0", -1},
	{"double tilde", "1.0~~", "1.0~", -1},
	{"tilde below pre-release", "1.0~rc1", "1.0-rc1", -1},
	{"openssh security update", "1:9.2p1-2+deb12u3", "1:9.2p1-2+deb12u2", 1},
	{"openssh newer upstream", "1:9.2p1-2+deb12u3", "1:9.6p1-3", -1},
	{"openssh p1 below next point", "1:9.2p1-2", "1:9.2.1-1", -1},
	{"glibc deb12u numbers", "2.36-9+deb12u4", "2.36-9+deb12u10", -1},
	{"glibc deb12u above plain", "2.36-9+deb12u4", "2.36-9", 1},
	{"bash binnmu", "5.2.15-2+b2", "5.2.15-2+b1", 1},
	{"bash binnmu above source", "5.2.15-2+b2", "5.2.15-2", 1},
	{"backport below release", "2.9.14+dfsg-1.3~deb12u1", "2.9.14+dfsg-1.3", -1},
	{"dfsg repack above upstream", "1.0+dfsg-1", "1.0-1", 1},
	{"dfsg repack below next release", "1.0+dfsg-1", "1.0.1-1", -1},
	{"curl", "7.88.1-10+deb12u8", "7.88.1-10+deb12u12", -1},
	{"ubuntu revision", "2:8.2.3995-1ubuntu2.21", "2:8.2.3995-1ubuntu2.3", 1},
	{"ubuntu above debian", "1.22.1-9ubuntu1", "1.22.1-9", 1},
	// TODO(debian-native): these two should differ; parse.go says why they do not yet.
	{"native package suffix is build metadata", "2023.3+deb12u1", "2023.3", 0},
	{"huge epoch", "99999999999999999999:1", "99999999999999999998:9", 1},
}

func TestCompare(t *testing.T) {
	for _, tc := range compareCases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Compare(tc.a, tc.b), "Compare(%q, %q)", tc.a, tc.b)
			require.Equal(t, -tc.want, Compare(tc.b, tc.a), "Compare(%q, %q)", tc.b, tc.a)
			require.Equal(t, tc.want == 0, Equal(tc.a, tc.b))
			require.Equal(t, tc.want >= 0, AtLeast(tc.a, tc.b))

			va, vb := MustParse(tc.a), MustParse(tc.b)
			require.Equal(t, tc.want, va.Compare(vb))
		})
	}
}

// TestCompareLadder checks a whole ascending list at once: every pair must compare by
// position, which also catches an order that holds pairwise above but not transitively.
func TestCompareLadder(t *testing.T) {
	// Each inner slice is one step; its members are equal to each other.
	ladder := [][]string{
		{"0.9", "0.9.0"},
		{"1.0~~"},
		{"1.0~"},
		{"1.0~rc1", "1.0.0~rc1"},
		{"1.0-alpha", "1.0.0-alpha"},
		{"1.0.0-alpha.1", "1.0.0-alpha1"},
		{"1.0.0-alpha.beta"},
		{"1.0.0-beta"},
		{"1.0.0-beta.2"},
		{"1.0.0-beta.11"},
		{"1.0.0-rc.1", "1.0.0rc1"},
		// Without a revision, "+dfsg" reads as build metadata.
		{"1.0", "1.0.0", "v1", "1.0.0+build.7", "1.0-0", "0:1.0", "1.0+dfsg"},
		{"1.0-1"},
		{"1.0-1+b1"},
		{"1.0a"},
		{"1.0+dfsg-1"},
		{"1.0.1-beta"},
		{"1.0.1"},
		{"2.0"},
		{"1:0.1"},
	}

	var flat []string
	var step []int
	for i, group := range ladder {
		for _, s := range group {
			flat = append(flat, s)
			step = append(step, i)
		}
	}
	for i := range flat {
		for j := range flat {
			want := 0
			switch {
			case step[i] < step[j]:
				want = -1
			case step[i] > step[j]:
				want = 1
			}
			require.Equal(t, want, Compare(flat[i], flat[j]), "Compare(%q, %q)", flat[i], flat[j])
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for _, s := range []string{
		"",
		"   ",
		"7-Zip 23.01",
		"Notepad++ 8.6.4",
		"R2024a",
		"Version 2402 (Build 17328.20282)",
		"5.17.11 (34827)",
		"1.0 x64",
		"beta",
		"v",
		":1.0",
		"a:1.0",
		"1:",
		"1:beta",
		"1.0:2",
		"1.0\t2",
		"1,0",
		"1.0/2",
		"٣.٤",
	} {
		t.Run(s, func(t *testing.T) {
			_, err := Parse(s)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrInvalid)
			require.Panics(t, func() { MustParse(s) })
		})
	}
}

func TestParseKeepsText(t *testing.T) {
	for _, s := range []string{" v1.2.3 ", "1:9.2p1-2+deb12u3", "5.1 build 2600", "1.0.0+build.5"} {
		t.Run(s, func(t *testing.T) {
			v, err := Parse(s)
			require.NoError(t, err)
			require.Equal(t, s, v.String())
		})
	}
}

func TestInvalidOrder(t *testing.T) {
	t.Run("below every version", func(t *testing.T) {
		require.Equal(t, -1, Compare("R2024a", "0"))
		require.Equal(t, -1, Compare("", "0.0.1-alpha"))
		require.Equal(t, 1, Compare("1.0~~", "7-Zip 23.01"))
		require.False(t, AtLeast("unknown", "1.0"))
	})
	t.Run("byte order among themselves", func(t *testing.T) {
		require.Equal(t, -1, Compare("R2023b", "R2024a"))
		require.Equal(t, 1, Compare("beta", "alpha"))
		require.Equal(t, 0, Compare("x y", "x y"))
		require.False(t, Equal("x", "X"))
		require.False(t, Equal("", " "))
	})
	t.Run("zero value", func(t *testing.T) {
		var zero Version
		require.Equal(t, -1, zero.Compare(MustParse("0")))
		require.Equal(t, 0, zero.Compare(Version{}))
		require.Empty(t, zero.String())
	})
}

func TestPrerelease(t *testing.T) {
	for s, want := range map[string]bool{
		"1.2.0-beta.66":           true,
		"1.0~rc1":                 true,
		"128.0b3":                 true,
		"23.01 beta":              true,
		"1.2.0":                   false,
		"9.2p1":                   false,
		"2.9.14+dfsg-1.3~deb12u1": false,
		"5.2.15-2+b2":             false,
	} {
		t.Run(s, func(t *testing.T) {
			require.Equal(t, want, MustParse(s).Prerelease())
		})
	}
}

func TestSortWithCompare(t *testing.T) {
	got := []string{"1.10", "1.2.0-rc.1", "junk", "1.2", "1:0.1", "1.9.9", "1.0~beta"}
	slices.SortStableFunc(got, Compare)
	want := []string{"junk", "1.0~beta", "1.2.0-rc.1", "1.2", "1.9.9", "1.10", "1:0.1"}
	require.Equal(t, want, got)
}

// TestErrorText keeps the reason readable for operators looking at a rejected desired state.
func TestErrorText(t *testing.T) {
	_, err := Parse("7-Zip 23.01")
	require.True(t, errors.Is(err, ErrInvalid))
	require.EqualError(t, err,
		`parse version "7-Zip 23.01": word "Zip" is not part of a version: invalid version`)
}
