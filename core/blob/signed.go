package blob

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/core/errs"
)

// FilesPath is where agents download blobs, followed by the SHA-256. The route needs no API
// token: the signature in the query is the permission.
const FilesPath = "/agent/v1/files/"

// Signer makes and checks download URLs that are valid until they expire:
// FilesPath + sha256 + "?exp=UNIX&sig=HEX", where sig is HMAC-SHA256 over
// sha256 + "\n" + exp with the hub's secret key. Every instance sharing the key accepts the
// URLs of the others.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a signer with the hub's secret key.
func NewSigner(key []byte) *Signer {
	return &Signer{key: key, now: time.Now}
}

// SignedFileURL returns a URL under baseURL (the hub's address as agents reach it) that
// downloads the blob for ttl from now.
func (s *Signer) SignedFileURL(baseURL, sha256 string, ttl time.Duration) string {
	exp := strconv.FormatInt(s.now().Add(ttl).Unix(), 10)
	q := url.Values{"exp": {exp}, "sig": {s.sign(sha256, exp)}}
	return strings.TrimRight(baseURL, "/") + FilesPath + sha256 + "?" + q.Encode()
}

func (s *Signer) sign(sha256Hex, exp string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(sha256Hex + "\n" + exp))
	return hex.EncodeToString(m.Sum(nil))
}

// Check accepts exp and sig from a download URL for the blob when the signature is the
// signer's and the URL has not expired; otherwise it returns ErrUnauthorized.
func (s *Signer) Check(sha256, exp, sig string) error {
	if exp == "" || sig == "" {
		return fmt.Errorf("the download link needs exp and sig: %w", errs.ErrUnauthorized)
	}
	// The signature is checked first so that nothing is said about the expiry of a forged
	// link.
	want := s.sign(sha256, exp)
	if !hmac.Equal([]byte(strings.ToLower(sig)), []byte(want)) {
		return fmt.Errorf("the download link's signature is not valid: %w", errs.ErrUnauthorized)
	}
	at, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return fmt.Errorf("the download link's expiry %q is not a time: %w", exp,
			errs.ErrUnauthorized)
	}
	if s.now().Unix() > at {
		return fmt.Errorf("the download link expired at %s: %w",
			time.Unix(at, 0).UTC().Format(time.RFC3339), errs.ErrUnauthorized)
	}
	return nil
}
