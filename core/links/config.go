package links

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/secrets"
	"github.com/stewardhq/steward/sdk"
)

// view is the link as the API and the audit log show it: secrets masked, never sealed or
// plain.
func (l Link) view() Link {
	out := l
	out.Config = make(map[string]string, len(l.Config)+len(l.Secrets))
	maps.Copy(out.Config, l.Config)
	for k := range l.Secrets {
		out.Config[k] = Masked
	}
	out.Secrets = nil
	if out.Fields == nil {
		out.Fields = []sdk.ConfigField{}
	}
	return out
}

// secretContext binds a sealed value to its link and field.
func secretContext(linkID, field string) string { return "link:" + linkID + ":" + field }

// setConfig validates in against the link's fields and stores it: plain fields in Config,
// secret fields sealed in Secrets. A secret sent as Masked keeps the stored value.
func (s *Service) setConfig(l *Link, in map[string]string) error {
	secret := map[string]sdk.ConfigField{}
	for _, f := range l.Fields {
		if f.Secret {
			secret[f.Name] = f
		}
	}

	plain := map[string]string{}
	newSecrets := map[string]string{}
	kept := map[string]string{}
	for k, v := range in {
		f, isSecret := secret[k]
		switch {
		case !isSecret:
			plain[k] = v
		case v == Masked:
			sealed, ok := l.Secrets[k]
			if !ok {
				return fmt.Errorf("config field %s has no stored value to keep; send the "+
					"value: %w", k, errs.ErrInvalid)
			}
			kept[k] = sealed
		case strings.TrimSpace(v) == "":
		default:
			// Checked apart so that the error message never quotes a secret.
			if sdk.ValidateConfig([]sdk.ConfigField{f}, sdk.Config{k: v}) != nil {
				return fmt.Errorf("config field %s is not a valid %s value: %w", k, f.Type,
					errs.ErrInvalid)
			}
			newSecrets[k] = v
		}
	}

	check := sdk.Config(maps.Clone(plain))
	for k := range kept {
		check[k] = placeholder(secret[k].Type)
	}
	for k := range newSecrets {
		check[k] = placeholder(secret[k].Type)
	}
	if err := sdk.ValidateConfig(l.Fields, check); err != nil {
		msg := err.Error()
		var se *sdk.Error
		if errors.As(err, &se) && se.Err != nil {
			msg = se.Err.Error()
		}
		return fmt.Errorf("config: %s: %w", msg, errs.ErrInvalid)
	}

	sealed := kept
	for k, v := range newSecrets {
		var err error
		if sealed[k], err = s.box.Seal(v, secretContext(l.ID, k)); err != nil {
			return err
		}
	}
	l.Config, l.Secrets = plain, sealed
	return nil
}

// placeholder is a valid value of type t, standing in for an already checked secret when the
// whole configuration is validated.
func placeholder(t sdk.FieldType) string {
	switch t {
	case sdk.FieldInt:
		return "0"
	case sdk.FieldBool:
		return "false"
	case sdk.FieldDuration:
		return "1s"
	case sdk.FieldURL:
		return "https://secret.invalid"
	}
	return "secret"
}

// plainConfig returns the link's configuration with its secrets opened, for Configure.
func plainConfig(box *secrets.Box, l Link) (sdk.Config, error) {
	cfg := sdk.Config(maps.Clone(l.Config))
	if cfg == nil {
		cfg = sdk.Config{}
	}
	for k, sealed := range l.Secrets {
		v, err := box.Open(sealed, secretContext(l.ID, k))
		if err != nil {
			return nil, fmt.Errorf("open secret %s of link %s: %w", k, l.Name, err)
		}
		cfg[k] = v
	}
	return cfg.WithDefaults(l.Fields), nil
}
