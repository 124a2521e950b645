package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/google/uuid"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/version"
	"github.com/stewardhq/steward/sdk"
)

// ErrNeedsScript is returned by Detection.Find for script detection: the answer needs a run
// of the detection script on the computer, not its inventory.
var ErrNeedsScript = errors.New("detection runs a script")

// Check validates the detection method and its match and pattern. It does not look up the
// detection script; the service does.
func (d Detection) Check() error {
	switch d.Method {
	case DetectDisplayName:
		if strings.TrimSpace(d.Pattern) == "" {
			return fmt.Errorf("detection by display_name needs a pattern: %w", errs.ErrInvalid)
		}
		switch d.Match {
		case "", MatchExact, MatchContains, MatchWildcard:
		case MatchRegex:
			if _, err := regexp.Compile(d.Pattern); err != nil {
				return fmt.Errorf("detection pattern %q is not a valid regular expression: "+
					"%s: %w", d.Pattern, regexErr(err), errs.ErrInvalid)
			}
		default:
			return fmt.Errorf("detection match %q must be exact, contains, wildcard or "+
				"regex: %w", d.Match, errs.ErrInvalid)
		}
	case DetectUpgradeCode:
		if _, err := uuid.Parse(trimBraces(d.Pattern)); err != nil || d.Pattern == "" {
			return fmt.Errorf("detection by upgrade_code needs an MSI upgrade code like "+
				"{12345678-1234-1234-1234-123456789ABC} as pattern, got %q: %w", d.Pattern,
				errs.ErrInvalid)
		}
		if d.Match != "" {
			return fmt.Errorf("detection by upgrade_code takes no match: %w", errs.ErrInvalid)
		}
	case DetectScript:
		if d.ScriptID == "" {
			return fmt.Errorf("detection by script needs a scriptId: %w", errs.ErrInvalid)
		}
		if d.Match != "" || d.Pattern != "" {
			return fmt.Errorf("detection by script takes no match or pattern: %w",
				errs.ErrInvalid)
		}
	case "":
		return fmt.Errorf("detection method is required: display_name, upgrade_code or "+
			"script: %w", errs.ErrInvalid)
	default:
		return fmt.Errorf("detection method %q must be display_name, upgrade_code or "+
			"script: %w", d.Method, errs.ErrInvalid)
	}
	if d.Method != DetectScript && d.ScriptID != "" {
		return fmt.Errorf("detection by %s takes no scriptId: %w", d.Method, errs.ErrInvalid)
	}
	return nil
}

func regexErr(err error) string {
	var re *syntax.Error
	if errors.As(err, &re) {
		return string(re.Code)
	}
	return err.Error()
}

// normalized fills in the default match (exact) and writes upgrade codes in the inventory's
// form: braces, upper case.
func (d Detection) normalized() Detection {
	d.Method = strings.TrimSpace(d.Method)
	d.Match = strings.TrimSpace(d.Match)
	d.ScriptID = strings.TrimSpace(d.ScriptID)
	if d.Method != DetectDisplayName {
		d.Pattern = strings.TrimSpace(d.Pattern)
	}
	switch d.Method {
	case DetectDisplayName:
		if d.Match == "" {
			d.Match = MatchExact
		}
	case DetectUpgradeCode:
		if d.Pattern != "" {
			d.Pattern = "{" + strings.ToUpper(trimBraces(d.Pattern)) + "}"
		}
	}
	return d
}

func trimBraces(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "{"), "}")
}

// Find looks for the software among a computer's installed programs and returns the version
// found. When several programs match (two architectures, a leftover entry), it reports the
// highest version. Display names match case-insensitively for exact, contains and wildcard
// (* any text, ? one character); a regex matches as written, so add (?i) for case-insensitive.
// Upgrade codes match ignoring braces and case. Script detection returns ErrNeedsScript.
func (d Detection) Find(programs []sdk.Program) (string, bool, error) {
	match, err := d.matcher()
	if err != nil {
		return "", false, err
	}
	var best string
	found := false
	for _, p := range programs {
		if !match(p) {
			continue
		}
		if !found || version.Compare(p.Version, best) > 0 {
			best = p.Version
		}
		found = true
	}
	return best, found, nil
}

func (d Detection) matcher() (func(sdk.Program) bool, error) {
	d = d.normalized()
	switch d.Method {
	case DetectScript:
		return nil, ErrNeedsScript
	case DetectUpgradeCode:
		want := trimBraces(d.Pattern)
		return func(p sdk.Program) bool {
			return p.UpgradeCode != "" && strings.EqualFold(trimBraces(p.UpgradeCode), want)
		}, nil
	case DetectDisplayName:
	default:
		return nil, d.Check()
	}

	pattern := strings.TrimSpace(d.Pattern)
	switch d.Match {
	case MatchExact:
		return func(p sdk.Program) bool {
			return strings.EqualFold(strings.TrimSpace(p.Name), pattern)
		}, nil
	case MatchContains:
		lower := strings.ToLower(pattern)
		return func(p sdk.Program) bool {
			return strings.Contains(strings.ToLower(p.Name), lower)
		}, nil
	case MatchWildcard:
		re := regexp.MustCompile(wildcardRegexp(pattern))
		return func(p sdk.Program) bool { return re.MatchString(strings.TrimSpace(p.Name)) },
			nil
	case MatchRegex:
		re, err := regexp.Compile(d.Pattern)
		if err != nil {
			return nil, d.Check()
		}
		return func(p sdk.Program) bool { return re.MatchString(p.Name) }, nil
	default:
		return nil, d.Check()
	}
}

// wildcardRegexp turns a pattern with * and ? into an anchored, case-insensitive regular
// expression; every other character stands for itself.
func wildcardRegexp(pattern string) string {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return b.String()
}
