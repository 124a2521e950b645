package hub

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvSecretKey names the variable that supplies the secret key instead of the data folder.
// Instances of one cluster must share it; a single instance generates its own.
const EnvSecretKey = "STEWARD_SECRET_KEY"

// LoadOrCreateKey returns the 32-byte key that encrypts secrets at rest: from the
// environment when set, else from dir/secret.key, generating that file (mode 0600) at the
// first start.
func LoadOrCreateKey(dir string) ([]byte, error) {
	if v := os.Getenv(EnvSecretKey); v != "" {
		return parseKey(v, EnvSecretKey)
	}
	path := filepath.Join(dir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		return parseKey(string(b), path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secret key: %w", err)
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key folder: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(key) + "\n"
	// O_EXCL: if another process created the file meanwhile, use theirs.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKey(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("create secret key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(enc); err != nil {
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	return key, f.Sync()
}

func parseKey(s, from string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("secret key from %s must be 32 bytes in base64", from)
	}
	return key, nil
}
