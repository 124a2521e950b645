package state

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File names inside the state directory.
const (
	StateFile = "state.json"
	KeyFile   = "agent.key"
)

// ErrNotEnrolled means the state directory holds no enrollment.
var ErrNotEnrolled = errors.New("this computer is not enrolled")

// State is what enrollment leaves behind.
type State struct {
	// Server is the hub's base URL, http:// or https://.
	Server     string    `json:"server"`
	AgentID    string    `json:"agentId"`
	TenantID   string    `json:"tenantId"`
	EnrolledAt time.Time `json:"enrolledAt"`
}

// Enrollment is a loaded state directory: the state and the agent's private key.
type Enrollment struct {
	State
	Key ed25519.PrivateKey
}

// GenerateKey makes a new Ed25519 key pair from the system's random source.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate agent key: %w", err)
	}
	return priv, nil
}

// Save writes the key and then the state into dir, creating dir if needed. The state file
// is written last because its presence is what marks the directory as enrolled.
func Save(dir string, st State, key ed25519.PrivateKey) error {
	if err := EnsureDir(dir); err != nil {
		return err
	}

	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode agent key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := WriteFile(filepath.Join(dir, KeyFile), keyPEM, 0o600); err != nil {
		return err
	}

	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return WriteFile(filepath.Join(dir, StateFile), append(b, '\n'), 0o600)
}

// Read returns the state in dir without the key, for commands that only report it. It
// returns ErrNotEnrolled when dir holds no state file.
func Read(dir string) (State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, fmt.Errorf("%w (no %s in %s)", ErrNotEnrolled, StateFile, dir)
	}
	if err != nil {
		return State{}, fmt.Errorf("read state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, fmt.Errorf("decode %s: %w", filepath.Join(dir, StateFile), err)
	}
	if st.Server == "" || st.AgentID == "" {
		return State{}, fmt.Errorf("decode %s: server or agent id missing",
			filepath.Join(dir, StateFile))
	}
	return st, nil
}

// Load returns the state and the private key in dir. It returns ErrNotEnrolled when dir
// holds no state file.
func Load(dir string) (Enrollment, error) {
	st, err := Read(dir)
	if err != nil {
		return Enrollment{}, err
	}
	key, err := readKey(filepath.Join(dir, KeyFile))
	if err != nil {
		return Enrollment{}, err
	}
	return Enrollment{State: st, Key: key}, nil
}

func readKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read agent key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("decode agent key %s: no PRIVATE KEY block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("decode agent key %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("decode agent key %s: %T is not an Ed25519 key", path, k)
	}
	return key, nil
}
