package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/resolve"
)

// sealer keeps password parameters sealed at rest.
type sealer interface {
	Seal(plain, context string) (string, error)
	Open(sealed, context string) (string, error)
}

// Masked stands for a password parameter wherever a deployment is shown. Sending it back in
// an update keeps the stored value.
const Masked = "********"

// sealedPrefix marks a stored parameter value as sealed.
const sealedPrefix = "sealed:"

func paramContext(deploymentID, name string) string {
	return "deployment:" + deploymentID + ":" + name
}

// masked returns the parameters with every sealed value replaced by Masked.
func masked(params map[string]string) map[string]string {
	if params == nil {
		return nil
	}
	out := make(map[string]string, len(params))
	for k, v := range params {
		if strings.HasPrefix(v, sealedPrefix) {
			v = Masked
		}
		out[k] = v
	}
	return out
}

// unmaskedFor puts back the stored value of every parameter sent as Masked, so checks see a
// value where one is kept.
func unmaskedFor(params, old map[string]string) map[string]string {
	out := make(map[string]string, len(params))
	for k, v := range params {
		if v == Masked && strings.HasPrefix(old[k], sealedPrefix) {
			v = "(kept)"
		}
		out[k] = v
	}
	return out
}

// sealParams seals the values of a task's password parameters; a value sent as Masked keeps
// the sealed value stored before.
func (s *Service) sealParams(ctx context.Context, d resolve.Deployment,
	params, old map[string]string) (map[string]string, error) {
	if d.ItemKind != resolve.ItemTask || len(params) == 0 {
		return params, nil
	}
	t, err := s.items.LoadTask(ctx, d.ItemID)
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", d.ItemID, errs.ErrInvalid)
	}
	out := make(map[string]string, len(params))
	for k, v := range params {
		out[k] = v
	}
	for _, p := range t.Parameters {
		v, ok := out[p.Name]
		if !ok || p.Type != catalog.ParamPassword {
			continue
		}
		if v == Masked {
			if !strings.HasPrefix(old[p.Name], sealedPrefix) {
				return nil, fmt.Errorf("parameter %s: send the password, not %s: %w", p.Name,
					Masked, errs.ErrInvalid)
			}
			out[p.Name] = old[p.Name]
			continue
		}
		sealed, err := s.box.Seal(v, paramContext(d.ID, p.Name))
		if err != nil {
			return nil, err
		}
		out[p.Name] = sealedPrefix + sealed
	}
	return out, nil
}

// Parameters returns a deployment's parameters for a script: the plain ones, and the
// password ones opened, apart. No access check: for the hub's own work.
func (s *Service) Parameters(ctx context.Context, id string) (plain, secret map[string]string,
	err error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, nil, err
	}
	plain, secret = map[string]string{}, map[string]string{}
	for k, v := range r.Parameters {
		sealed, ok := strings.CutPrefix(v, sealedPrefix)
		if !ok {
			plain[k] = v
			continue
		}
		if secret[k], err = s.box.Open(sealed, paramContext(id, k)); err != nil {
			return nil, nil, fmt.Errorf("open parameter %s of deployment %s: %w", k, id, err)
		}
	}
	return plain, secret, nil
}
