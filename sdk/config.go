package sdk

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is a link's configuration: field name to value, every value a string. The getters
// parse a value by its field type and return configuration errors naming the field.
type Config map[string]string

// String returns the value of name, or "" when it is absent.
func (c Config) String(name string) string { return c[name] }

// Bool parses the value of name; absent or empty is false.
func (c Config) Bool(name string) (bool, error) {
	v := strings.TrimSpace(c[name])
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, ConfigError(name, fmt.Errorf("not true or false: %q", v))
	}
	return b, nil
}

// Int parses the value of name; absent or empty is 0.
func (c Config) Int(name string) (int, error) {
	v := strings.TrimSpace(c[name])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, ConfigError(name, fmt.Errorf("not a whole number: %q", v))
	}
	return n, nil
}

// Duration parses the value of name, such as "30s"; absent or empty is 0.
func (c Config) Duration(name string) (time.Duration, error) {
	v := strings.TrimSpace(c[name])
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, ConfigError(name, fmt.Errorf("not a duration such as 30s or 5m: %q", v))
	}
	return d, nil
}

// WithDefaults returns a copy of c in which every absent field that has a default holds it.
func (c Config) WithDefaults(fields []ConfigField) Config {
	out := make(Config, len(c))
	for k, v := range c {
		out[k] = v
	}
	for _, f := range fields {
		if _, ok := out[f.Name]; !ok && f.Default != "" {
			out[f.Name] = f.Default
		}
	}
	return out
}

// fieldName is what the console and the hub's storage accept as a field name.
var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// ValidFieldName reports whether name may name a configuration field.
func ValidFieldName(name string) bool { return fieldName.MatchString(name) }

// ValidateConfig checks c against the declared fields: every required field present and not
// blank, every value parsing as its type, no unknown keys. The error names every field at
// fault; the first is its Field. Serve runs it before Configure.
func ValidateConfig(fields []ConfigField, c Config) error {
	known := make(map[string]ConfigField, len(fields))
	var problems []string
	var first string
	add := func(field string, err error) {
		if first == "" {
			first = field
		}
		problems = append(problems, field+": "+err.Error())
	}

	for _, f := range fields {
		known[f.Name] = f
		v, ok := c[f.Name]
		if !ok || strings.TrimSpace(v) == "" {
			if f.Required {
				add(f.Name, errors.New("required but missing"))
			}
			continue
		}
		if err := checkValue(f.Type, v); err != nil {
			add(f.Name, err)
		}
	}

	var unknown []string
	for k := range c {
		if _, ok := known[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		add(k, errors.New("not a field of this connector"))
	}

	if len(problems) == 0 {
		return nil
	}
	return ConfigError(first, errors.New(strings.Join(problems, "; ")))
}

func checkValue(t FieldType, v string) error {
	v = strings.TrimSpace(v)
	switch t {
	case FieldInt:
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Errorf("not a whole number: %q", v)
		}
	case FieldBool:
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("not true or false: %q", v)
		}
	case FieldDuration:
		if _, err := time.ParseDuration(v); err != nil {
			return fmt.Errorf("not a duration such as 30s: %q", v)
		}
	case FieldURL:
		u, err := url.Parse(v)
		if err != nil || !u.IsAbs() || u.Host == "" {
			return fmt.Errorf("not an absolute URL: %q", v)
		}
	}
	return nil
}
