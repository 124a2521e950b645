package version

import (
	"errors"
	"strings"
)

// ErrInvalid is wrapped by every error [Parse] returns for text that is not a version.
var ErrInvalid = errors.New("invalid version")

// Version is a parsed version string. The zero value is not a valid version; it sorts below
// every valid one, like any string [Parse] rejects.
type Version struct {
	raw      string
	valid    bool
	epoch    string // digits without leading zeros; "" is epoch 0
	upstream part
	revision part
}

// Parse reads s as a version following the rules in the package documentation.
func Parse(s string) (Version, error) {
	v, err := parse(s)
	if err != nil {
		return Version{}, err
	}
	return v, nil
}

// MustParse is Parse for constants and tests; it panics when s is not a version.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns the text the version was parsed from, unchanged.
func (v Version) String() string { return v.raw }

// Prerelease reports whether the upstream version has a pre-release or "~" segment
// (1.2.0-beta.66, 1.0~rc1, 128.0b3). A Debian revision such as "1~deb12u1" does not count: it
// marks a backport, not an unfinished release.
func (v Version) Prerelease() bool {
	for _, s := range v.upstream.tail {
		if s.rank < rankEnd {
			return true
		}
	}
	return false
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after o. Invalid or zero versions
// sort below valid ones and compare among themselves by their text.
func (v Version) Compare(o Version) int {
	switch {
	case !v.valid && !o.valid:
		return strings.Compare(v.raw, o.raw)
	case !v.valid:
		return -1
	case !o.valid:
		return 1
	}

	if c := compareNumber(v.epoch, o.epoch); c != 0 {
		return c
	}
	if c := comparePart(v.upstream, o.upstream); c != 0 {
		return c
	}
	return comparePart(v.revision, o.revision)
}

// Compare orders any two strings as versions: -1 when a is older than b, 0 when they denote
// the same version, +1 when a is newer. It is a total order over all strings; text that does
// not parse sorts below every version and compares by plain byte order.
func Compare(a, b string) int {
	va, _ := parse(a)
	vb, _ := parse(b)
	return va.Compare(vb)
}

// Equal reports whether a and b denote the same version (17.2 and 17.2.0.0 do).
func Equal(a, b string) bool { return Compare(a, b) == 0 }

// AtLeast reports whether version v is min or newer.
func AtLeast(v, min string) bool { return Compare(v, min) >= 0 }
