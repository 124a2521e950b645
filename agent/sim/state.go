package sim

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Identity is one enrolled simulated agent: what it needs to connect again.
type Identity struct {
	// Index is the agent's place in the fleet; its facts derive from it.
	Index    int    `json:"index"`
	AgentID  string `json:"agentId"`
	TenantID string `json:"tenantId"`
	// Key is the agent's Ed25519 private key (seed and public half, 64 bytes).
	Key ed25519.PrivateKey `json:"key"`
}

// stateFile is the saved form of a fleet's identities.
type stateFile struct {
	Server string     `json:"server"`
	Seed   uint64     `json:"seed"`
	Agents []Identity `json:"agents"`
}

// Save writes the enrolled identities to path, readable by the owner only since it holds
// private keys. It replaces the file in one step, so an interrupted save keeps the old one.
func (s *Sim) Save(path string) error {
	s.mu.Lock()
	st := stateFile{Server: s.cfg.Server, Seed: s.cfg.Seed}
	for _, id := range s.ids {
		if id.AgentID != "" {
			st.Agents = append(st.Agents, id)
		}
	}
	s.mu.Unlock()

	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode simulator state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save simulator state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save simulator state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save simulator state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save simulator state: %w", err)
	}
	return nil
}

// Load reads identities saved by Save, so their agents connect without enrolling again.
// A missing file is reported as fs.ErrNotExist; a file of another hub or seed as
// ErrStateMismatch. Saved agents beyond Config.Agents are kept for the next Save but not
// connected.
func (s *Sim) Load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load simulator state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("load simulator state %s: %w", path, err)
	}
	if st.Server != s.cfg.Server || st.Seed != s.cfg.Seed {
		return fmt.Errorf("%s was saved for %s with seed %d, not %s with seed %d: %w",
			path, st.Server, st.Seed, s.cfg.Server, s.cfg.Seed, ErrStateMismatch)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range st.Agents {
		if id.Index < 0 || id.AgentID == "" || len(id.Key) != ed25519.PrivateKeySize {
			return fmt.Errorf("load simulator state %s: agent %d is incomplete", path, id.Index)
		}
		for id.Index >= len(s.ids) {
			s.ids = append(s.ids, Identity{Index: len(s.ids)})
		}
		s.ids[id.Index] = id
	}
	return nil
}
