// Package secrets encrypts the secrets the hub keeps at rest (link credentials, SMTP
// passwords) with the hub's key, using AES-256-GCM. A sealed value carries a version prefix so
// the scheme can change without losing data written under the old one.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// prefix marks values sealed by this version of the scheme.
const prefix = "v1:"

// ErrCorrupt says a sealed value was altered, truncated, or sealed with another key.
var ErrCorrupt = errors.New("sealed secret cannot be opened")

// Box seals and opens secrets with one key.
type Box struct {
	aead cipher.AEAD
}

// New returns a box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("prepare secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("prepare secret key: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain. context binds the value to where it is stored (for example a link id
// and field name), so a sealed value copied to another place does not open there.
func (b *Box) Seal(plain, context string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal secret: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value sealed with the same key and context.
func (b *Box) Open(sealed, context string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", fmt.Errorf("unknown sealing scheme: %w", ErrCorrupt)
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrCorrupt
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}
