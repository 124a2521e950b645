package blob

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/errs"
)

func TestSignedFileURL(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	s.now = func() time.Time { return now }
	sha := strings.Repeat("0f", 32)

	raw := s.SignedFileURL("https://hub.example.test/", sha, 10*time.Minute)
	u, err := url.Parse(raw)
	require.NoError(t, err)
	require.Equal(t, "/agent/v1/files/"+sha, u.Path)
	require.Equal(t, strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10), u.Query().Get("exp"))
	exp, sig := u.Query().Get("exp"), u.Query().Get("sig")
	require.NoError(t, s.Check(sha, exp, sig))

	other := NewSigner([]byte("another key of thirty-two bytes!"))
	other.now = s.now
	tests := []struct {
		name          string
		signer        *Signer
		sha, exp, sig string
		msg           string
	}{
		{"other key", other, sha, exp, sig, "signature is not valid"},
		{"other blob", s, strings.Repeat("1f", 32), exp, sig, "signature is not valid"},
		{"later expiry", s, sha, strconv.FormatInt(now.Add(time.Hour).Unix(), 10), sig,
			"signature is not valid"},
		{"no signature", s, sha, exp, "", "needs exp and sig"},
		{"no expiry", s, sha, "", sig, "needs exp and sig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.signer.Check(tt.sha, tt.exp, tt.sig)
			require.ErrorIs(t, err, errs.ErrUnauthorized)
			require.ErrorContains(t, err, tt.msg)
		})
	}

	now = now.Add(11 * time.Minute)
	err = s.Check(sha, exp, sig)
	require.ErrorIs(t, err, errs.ErrUnauthorized)
	require.ErrorContains(t, err, "expired at 2025-03-01T12:10:00Z")
}
