package scripts

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/sdk"
)

// sealer keeps password parameters sealed at rest.
type sealer interface {
	Seal(plain, context string) (string, error)
	Open(sealed, context string) (string, error)
}

// Masked replaces secret values wherever the hub shows them.
const Masked = "********"

func secretContext(runID string) string { return "script-run:" + runID }

// sealSecrets seals a run's password parameters as one value bound to the run.
func (s *Service) sealSecrets(runID string, secrets map[string]string) (string, []string,
	error) {
	if len(secrets) == 0 {
		return "", nil, nil
	}
	if s.box == nil {
		return "", nil, fmt.Errorf("run %s has secret parameters but the hub has no key", runID)
	}
	b, err := json.Marshal(secrets)
	if err != nil {
		return "", nil, fmt.Errorf("encode secret parameters: %w", err)
	}
	sealed, err := s.box.Seal(string(b), secretContext(runID))
	if err != nil {
		return "", nil, err
	}
	names := make([]string, 0, len(secrets))
	for k := range secrets {
		names = append(names, k)
	}
	return sealed, names, nil
}

// secrets opens a run's password parameters.
func (s *Service) secrets(r Run) (map[string]string, error) {
	out := map[string]string{}
	if r.SealedSecrets == "" {
		return out, nil
	}
	if s.box == nil {
		return nil, fmt.Errorf("run %s has secret parameters but the hub has no key", r.ID)
	}
	plain, err := s.box.Open(r.SealedSecrets, secretContext(r.ID))
	if err != nil {
		return nil, fmt.Errorf("open secret parameters of run %s: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(plain), &out); err != nil {
		return nil, fmt.Errorf("decode secret parameters of run %s: %w", r.ID, err)
	}
	return out, nil
}

// RequestFor is the request a pathway runs: the run with its secret parameters opened.
func (s *Service) RequestFor(r Run) (sdk.ScriptRequest, error) {
	req := r.Request()
	secrets, err := s.secrets(r)
	if err != nil {
		return req, err
	}
	if len(secrets) > 0 {
		params := make(map[string]string, len(req.Params)+len(secrets))
		for k, v := range req.Params {
			params[k] = v
		}
		for k, v := range secrets {
			params[k] = v
		}
		req.Params = params
	}
	return req, nil
}

// mask hides secret values in output lines. Very short values are left alone: masking
// every "1" in a log would hide more than it protects.
func mask(lines []sdk.OutputLine, secrets map[string]string) {
	for i := range lines {
		for _, v := range secrets {
			if len(v) >= 4 {
				lines[i].Text = strings.ReplaceAll(lines[i].Text, v, Masked)
			}
		}
	}
}
