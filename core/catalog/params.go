package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/core/errs"
)

// paramName is what every script language accepts as a variable name.
var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// reservedParams are variables the hub sets itself: Method for combined task scripts, and the
// built-ins every script run receives.
var reservedParams = []string{"method", "computername", "tenantname", "stewardrunid"}

var paramTypes = []string{ParamText, ParamNumber, ParamBoolean, ParamSelect, ParamPassword}

// checkParameters validates a task's parameters and returns them cleaned: trimmed, with
// options of non-select types dropped.
func checkParameters(in []Parameter) ([]Parameter, error) {
	out := make([]Parameter, 0, len(in))
	seen := map[string]bool{}
	for i, p := range in {
		p.Name = strings.TrimSpace(p.Name)
		p.Type = strings.TrimSpace(p.Type)
		label := fmt.Sprintf("parameter %d (%s)", i+1, p.Name)
		switch {
		case !paramName.MatchString(p.Name):
			return nil, fmt.Errorf("%s: a name starts with a letter or _ and holds only "+
				"letters, digits and _ (at most 64): %w", label, errs.ErrInvalid)
		case slices.Contains(reservedParams, strings.ToLower(p.Name)):
			return nil, fmt.Errorf("%s: the name is reserved for a variable the hub sets: %w",
				label, errs.ErrInvalid)
		case seen[strings.ToLower(p.Name)]:
			// PowerShell variables ignore case, so names differing only in case would clash.
			return nil, fmt.Errorf("%s: the name is used twice: %w", label, errs.ErrInvalid)
		case p.Type == "":
			p.Type = ParamText
		case !slices.Contains(paramTypes, p.Type):
			return nil, fmt.Errorf("%s: type %q must be one of %s: %w", label, p.Type,
				strings.Join(paramTypes, ", "), errs.ErrInvalid)
		}
		seen[strings.ToLower(p.Name)] = true
		if err := checkParamValue(&p, label); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func checkParamValue(p *Parameter, label string) error {
	if p.Type != ParamSelect {
		p.Options = nil
	}
	switch p.Type {
	case ParamSelect:
		if len(p.Options) == 0 {
			return fmt.Errorf("%s: a select parameter needs options: %w", label, errs.ErrInvalid)
		}
		for i, o := range p.Options {
			if strings.TrimSpace(o) == "" || slices.Contains(p.Options[:i], o) {
				return fmt.Errorf("%s: options must be non-empty and distinct: %w", label,
					errs.ErrInvalid)
			}
		}
		if p.Default != "" && !slices.Contains(p.Options, p.Default) {
			return fmt.Errorf("%s: default %q is not one of the options: %w", label,
				p.Default, errs.ErrInvalid)
		}
	case ParamNumber:
		if p.Default != "" {
			if _, err := strconv.ParseFloat(strings.TrimSpace(p.Default), 64); err != nil {
				return fmt.Errorf("%s: default %q is not a number: %w", label, p.Default,
					errs.ErrInvalid)
			}
		}
	case ParamBoolean:
		if p.Default != "" && p.Default != "true" && p.Default != "false" {
			return fmt.Errorf("%s: default %q must be true or false: %w", label, p.Default,
				errs.ErrInvalid)
		}
	case ParamPassword:
		// A default would be readable by everyone who reads the task.
		if p.Default != "" {
			return fmt.Errorf("%s: a password parameter cannot have a default: %w", label,
				errs.ErrInvalid)
		}
	}
	return nil
}

// CheckValue reports whether v is a valid value of the parameter: a number for number,
// true or false for boolean, one of the options for select. Empty is valid unless Required.
func (p Parameter) CheckValue(v string) error {
	if v == "" {
		if p.Required {
			return fmt.Errorf("parameter %s is required: %w", p.Name, errs.ErrInvalid)
		}
		return nil
	}
	q := p
	q.Default = v
	if p.Type == ParamPassword {
		return nil
	}
	return checkParamValue(&q, "parameter "+p.Name)
}
