package secrets

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSealAndOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := New(key)
	require.NoError(t, err)

	sealed, err := box.Seal("hunter2", "link-1/password")
	require.NoError(t, err)
	require.NotContains(t, sealed, "hunter2")
	again, err := box.Seal("hunter2", "link-1/password")
	require.NoError(t, err)
	require.NotEqual(t, sealed, again, "every seal uses a fresh nonce")

	plain, err := box.Open(sealed, "link-1/password")
	require.NoError(t, err)
	require.Equal(t, "hunter2", plain)

	other, _ := New(bytes.Repeat([]byte{8}, 32))
	tests := map[string]func() (string, error){
		"other context": func() (string, error) { return box.Open(sealed, "link-2/password") },
		"other key":     func() (string, error) { return other.Open(sealed, "link-1/password") },
		"tampered": func() (string, error) {
			b := []byte(sealed)
			b[len(b)-2] ^= 1
			return box.Open(string(b), "link-1/password")
		},
		"truncated":  func() (string, error) { return box.Open(sealed[:10], "link-1/password") },
		"not sealed": func() (string, error) { return box.Open("hunter2", "link-1/password") },
	}
	for name, open := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := open()
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}

	_, err = New([]byte("short"))
	require.True(t, err != nil && strings.Contains(err.Error(), "32 bytes"))
}
