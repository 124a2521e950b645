package version

import (
	"cmp"
	"strings"
)

// Each function here is a lexicographic order over totally ordered elements, which is what
// keeps Compare transitive whatever mix of conventions it meets.

// compareNumber orders digit strings without leading zeros: a longer one is larger.
func compareNumber(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func comparePart(a, b part) int {
	if c := compareRelease(a.release, b.release); c != 0 {
		return c
	}
	return compareTail(a.tail, b.tail)
}

// compareRelease pads the shorter release with zeros (1.2 = 1.2.0).
func compareRelease(a, b []string) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := compareNumber(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// compareTail treats the end of a tail as a segment of rankEnd, which lets "~" and pre-release
// segments sort below the bare release and post-release ones above it.
func compareTail(a, b []segment) int {
	for i := 0; ; i++ {
		switch {
		case i == len(a) && i == len(b):
			return 0
		case i == len(a):
			return compareRank(rankEnd, b[i].rank)
		case i == len(b):
			return compareRank(a[i].rank, rankEnd)
		}
		if c := compareSegment(a[i], b[i]); c != 0 {
			return c
		}
	}
}

func compareSegment(a, b segment) int {
	if c := compareRank(a.rank, b.rank); c != 0 {
		return c
	}
	for i := 0; i < len(a.ids) && i < len(b.ids); i++ {
		if c := compareIdent(a.ids[i], b.ids[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.ids), len(b.ids))
}

// compareIdent puts numbers below words, as SemVer does for pre-release identifiers.
func compareIdent(a, b ident) int {
	switch {
	case a.num && b.num:
		return compareNumber(a.text, b.text)
	case a.num:
		return -1
	case b.num:
		return 1
	}
	return strings.Compare(a.text, b.text)
}

func compareRank(a, b rank) int { return cmp.Compare(a, b) }
