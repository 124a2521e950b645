package version

import (
	"fmt"
	"strings"
)

// rank places a tail segment relative to the end of a version. Only segments carry rankTilde,
// rankPre and rankPost; rankEnd stands for "no more segments" during comparison.
type rank uint8

const (
	rankTilde rank = iota
	rankPre
	rankEnd
	rankPost
)

// ident is one identifier of a tail segment. Numbers keep their digits without leading zeros
// (zero is ""), so numbers of any length compare without overflow; words are lower-cased.
type ident struct {
	num  bool
	text string
}

type segment struct {
	rank rank
	ids  []ident
}

// part is an upstream version or a Debian revision.
type part struct {
	release []string // numbers without leading zeros; trailing zeros dropped
	tail    []segment
}

// skipWords may stand between two release numbers without changing the version
// ("5.1 build 2600", "8 Update 401").
var skipWords = []string{"build", "update", "version", "ver", "rev", "revision"}

// preWords open a pre-release segment when they follow a space or are attached to the release.
var preWords = []string{
	"alpha", "beta", "rc", "pre", "preview", "dev", "snapshot", "nightly", "canary", "insider",
}

// postWords may touch a space and open a post-release segment ("5.1 SP3", "115.12.0 ESR").
var postWords = []string{"sp", "esr", "lts", "patch", "hotfix", "r"}

func parse(raw string) (Version, error) {
	v := Version{raw: raw}
	s := strings.TrimSpace(raw)
	if s == "" {
		return v, invalid(raw, "empty")
	}
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		s = s[1:]
	}

	hasEpoch := false
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if i == 0 || !allDigits(s[:i]) {
			return v, invalid(raw, "epoch is not a number")
		}
		v.epoch = trimZeros(s[:i])
		hasEpoch = true
		s = s[i+1:]
	}
	if s == "" || !isDigit(s[0]) {
		return v, invalid(raw, "does not start with a digit")
	}
	if why := checkText(s); why != "" {
		return v, invalid(raw, why)
	}

	upstream, revision, debian := splitRevision(s, hasEpoch)
	// TODO(debian-native): a native Debian version has no revision, so its "+" suffix
	// (2023.3+deb12u1) is dropped as build metadata and its security updates compare equal.
	// Telling it from SemVer needs to know the package came from dpkg; a ParseDebian entry
	// point for inventory sources that know would close this.
	if !debian {
		if i := strings.IndexByte(upstream, '+'); i >= 0 {
			upstream = upstream[:i]
		}
	}
	v.upstream = parsePart(upstream)
	v.revision = parsePart(revision)
	v.valid = true
	return v, nil
}

func invalid(raw, why string) error {
	return fmt.Errorf("parse version %q: %s: %w", raw, why, ErrInvalid)
}

// checkText returns why s is not a version, or "" when its characters and words are
// acceptable.
func checkText(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c), c == '.', c == '-', c == '_', c == '+', c == '~', c == ' ':
		case isLetter(c):
			j := letterRunEnd(s, i)
			nearSpace := (i > 0 && s[i-1] == ' ') || (j < len(s) && s[j] == ' ')
			if nearSpace && !isKnownWord(s[i:j]) {
				return fmt.Sprintf("word %q is not part of a version", s[i:j])
			}
			i = j - 1
		default:
			return fmt.Sprintf("unexpected character %q", c)
		}
	}
	return ""
}

// splitRevision cuts a Debian revision off s when s looks like a Debian version; see the
// package documentation for the rule. With an epoch the upstream part may hold "-" and spaces.
func splitRevision(s string, hasEpoch bool) (upstream, revision string, debian bool) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 || i+1 == len(s) || !isDigit(s[i+1]) || !debianText(s[i+1:]) {
		return s, "", hasEpoch
	}
	if !hasEpoch && !debianText(s[:i]) {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

func debianText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !isLetter(c) && c != '.' && c != '+' && c != '~' {
			return false
		}
	}
	return true
}

// parsePart reads a release and its tail. s is empty or starts with a digit.
func parsePart(s string) part {
	if s == "" {
		return part{}
	}
	release, rest := readRelease(s)
	return part{release: release, tail: readTail(rest)}
}

func readRelease(s string) (release []string, rest string) {
	i := 0
	for {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		release = append(release, trimZeros(s[i:j]))

		next, ok := nextReleaseNumber(s, j)
		if !ok {
			rest = s[j:]
			break
		}
		i = next
	}

	for len(release) > 0 && release[len(release)-1] == "" {
		release = release[:len(release)-1]
	}
	return release, rest
}

// nextReleaseNumber reports where the release continues after the number ending at j: after a
// single separator, possibly with a skip word in between ("5.1 build 2600", "10.0 Build19045").
func nextReleaseNumber(s string, j int) (int, bool) {
	if j >= len(s) || !isReleaseSep(s[j]) {
		return 0, false
	}
	k := j + 1
	if k < len(s) && isDigit(s[k]) {
		return k, true
	}

	w := letterRunEnd(s, k)
	if w == k || !hasWord(skipWords, s[k:w]) {
		return 0, false
	}
	if w < len(s) && isReleaseSep(s[w]) {
		w++
	}
	if w < len(s) && isDigit(s[w]) {
		return w, true
	}
	return 0, false
}

// readTail cuts what follows the release into segments. "+" only reaches here in Debian
// versions; elsewhere it was cut off as build metadata.
func readTail(s string) []segment {
	var segs []segment
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '~':
			segs = append(segs, segment{rank: rankTilde})
			i++
		case c == '+':
			segs = append(segs, segment{rank: rankPost})
			i++
		case (c == '-' || c == ' ') && i+1 < len(s) && isLetter(s[i+1]):
			r := rankPre
			if c == ' ' && !hasWord(preWords, s[i+1:letterRunEnd(s, i+1)]) {
				r = rankPost
			}
			segs = append(segs, segment{rank: r})
			i++
		case isDigit(c) || isLetter(c):
			j := runEnd(s, i)
			if len(segs) == 0 {
				segs = append(segs, segment{rank: attachedRank(s, i, j)})
			}
			last := &segs[len(segs)-1]
			last.ids = append(last.ids, makeIdent(s[i:j]))
			i = j
		default:
			// Separators between identifiers of one segment.
			i++
		}
	}
	return segs
}

// attachedRank ranks a segment whose first identifier s[i:j] follows the release without a
// marker: pre-release words and "a"/"b" directly followed by a digit (Python's 3.13.0a1,
// Firefox's 128.0b3) sort below the release; anything else, like OpenSSH's "p1", above it.
func attachedRank(s string, i, j int) rank {
	w := s[i:j]
	if !isLetter(w[0]) {
		return rankPost
	}
	if hasWord(preWords, w) {
		return rankPre
	}
	if (strings.EqualFold(w, "a") || strings.EqualFold(w, "b")) && j < len(s) && isDigit(s[j]) {
		return rankPre
	}
	return rankPost
}

func makeIdent(s string) ident {
	if isDigit(s[0]) {
		return ident{num: true, text: trimZeros(s)}
	}
	return ident{text: strings.ToLower(s)}
}

// runEnd returns the end of the run of digits or of letters starting at i.
func runEnd(s string, i int) int {
	if isDigit(s[i]) {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return j
	}
	return letterRunEnd(s, i)
}

func letterRunEnd(s string, i int) int {
	for i < len(s) && isLetter(s[i]) {
		i++
	}
	return i
}

func isKnownWord(w string) bool {
	return hasWord(skipWords, w) || hasWord(preWords, w) || hasWord(postWords, w)
}

func hasWord(list []string, w string) bool {
	for _, known := range list {
		if strings.EqualFold(known, w) {
			return true
		}
	}
	return false
}

func trimZeros(digits string) string {
	return strings.TrimLeft(digits, "0")
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isReleaseSep(c byte) bool { return c == '.' || c == '_' || c == '-' || c == ' ' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
