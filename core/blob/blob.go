// Package blob keeps the hub's files, installers above all, addressed by the SHA-256 of their
// content: a file is stored once however often it is uploaded, and a reader checks the content
// against its address while it reads. The files live in a gocloud.dev bucket: a folder of the
// data directory by default, or any bucket URL whose driver is linked into the binary.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
	gblob "gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/gcerrors"

	"github.com/stewardhq/steward/core/errs"
)

// EnvURL names the variable that selects a bucket instead of the data folder.
const EnvURL = "STEWARD_BLOB_URL"

// ErrCorrupt is returned by a reader whose content does not hash to the address it was
// opened with.
var ErrCorrupt = errors.New("blob content does not match its sha256")

// Config says where the files are kept. The zero value keeps them in ./blobs.
type Config struct {
	// URL selects a bucket: file:///path/to/folder, or a URL of another gocloud.dev driver
	// when one is linked in (see docs/decisions/0004-blob-store.md). Empty uses Dir.
	URL string
	// Dir is the folder used when URL is empty. Default "blobs".
	Dir string
}

// Store is a bucket of files addressed by SHA-256.
type Store struct {
	bucket *gblob.Bucket
	// dir is the bucket's folder when it is a file bucket: a finished upload is renamed
	// into place there instead of copied.
	dir string
}

// Open opens the bucket cfg names, creating the folder of a file bucket.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	dir := cfg.Dir
	if cfg.URL != "" {
		u, err := url.Parse(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("blob url %q: %w", cfg.URL, err)
		}
		if u.Scheme != fileblob.Scheme {
			b, err := gblob.OpenBucket(ctx, cfg.URL)
			if err != nil {
				return nil, fmt.Errorf("open blob bucket %s: %w", u.Redacted(), err)
			}
			return &Store{bucket: b}, nil
		}
		if u.RawQuery != "" {
			return nil, fmt.Errorf("blob url %q: file buckets take no options", cfg.URL)
		}
		dir = filepath.FromSlash(u.Path)
		if u.Host == "." {
			dir = strings.TrimPrefix(dir, string(filepath.Separator))
		}
	}
	if dir == "" {
		dir = "blobs"
	}

	// Temporary files go next to the final ones (NoTempDir) so that finishing a write is a
	// rename within one file system; no metadata files are written because content is
	// addressed by hash and needs none.
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{CreateDir: true, NoTempDir: true,
		DirFileMode: 0o700, Metadata: fileblob.MetadataDontWrite})
	if err != nil {
		return nil, fmt.Errorf("open blob folder %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob folder %s: %w", dir, err)
	}
	return &Store{bucket: b, dir: abs}, nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// key is where content with the hash lives. Two levels keep folders small.
func key(sum string) string { return "sha256/" + sum[:2] + "/" + sum }

// CheckSHA256 refuses anything but 64 lower-case hexadecimal digits.
func CheckSHA256(sum string) error {
	if len(sum) != 64 || strings.ToLower(sum) != sum {
		return fmt.Errorf("sha256 %q must be 64 lower-case hexadecimal digits: %w", sum,
			errs.ErrInvalid)
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return fmt.Errorf("sha256 %q must be 64 lower-case hexadecimal digits: %w", sum,
			errs.ErrInvalid)
	}
	return nil
}

// Put stores the content of r and returns its SHA-256 and size. The content streams to a
// temporary key while it is hashed, then moves to its address; content stored before is
// kept as it is and the new copy dropped.
func (s *Store) Put(ctx context.Context, r io.Reader) (string, int64, error) {
	tmp := "tmp/" + uuid.NewString()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, tmp, &gblob.WriterOptions{
		ContentType: "application/octet-stream"})
	if err != nil {
		return "", 0, fmt.Errorf("start blob write: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(w, io.TeeReader(r, h))
	if err != nil {
		// Cancelling before Close discards what was written.
		cancel()
		_ = w.Close()
		return "", 0, fmt.Errorf("write blob: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", 0, fmt.Errorf("finish blob write: %w", err)
	}

	sum := hex.EncodeToString(h.Sum(nil))
	exists, err := s.bucket.Exists(ctx, key(sum))
	if err == nil && !exists {
		err = s.move(ctx, tmp, key(sum))
	}
	if err != nil {
		_ = s.bucket.Delete(context.WithoutCancel(ctx), tmp)
		return "", 0, fmt.Errorf("store blob %s: %w", sum, err)
	}
	if exists {
		if err := s.bucket.Delete(ctx, tmp); err != nil {
			return "", 0, fmt.Errorf("drop duplicate upload: %w", err)
		}
	}
	return sum, n, nil
}

// move renames within a file bucket, and copies then deletes in others, which have no rename.
func (s *Store) move(ctx context.Context, from, to string) error {
	if s.dir != "" {
		dst := filepath.Join(s.dir, filepath.FromSlash(to))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return fmt.Errorf("create blob folder: %w", err)
		}
		if err := os.Rename(filepath.Join(s.dir, filepath.FromSlash(from)), dst); err == nil {
			return nil
		}
	}
	if err := s.bucket.Copy(ctx, to, from, nil); err != nil {
		return fmt.Errorf("copy blob into place: %w", err)
	}
	return s.bucket.Delete(ctx, from)
}

// Open returns a reader of the content with the hash and its size. The reader fails with
// ErrCorrupt at the end when the content read does not match the hash.
func (s *Store) Open(ctx context.Context, sum string) (io.ReadCloser, int64, error) {
	if err := CheckSHA256(sum); err != nil {
		return nil, 0, err
	}
	r, err := s.bucket.NewReader(ctx, key(sum), nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, 0, fmt.Errorf("blob %s: %w", sum, errs.ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open blob %s: %w", sum, err)
	}
	return &checked{r: r, h: sha256.New(), want: sum, size: r.Size()}, r.Size(), nil
}

// Exists reports whether content with the hash is stored.
func (s *Store) Exists(ctx context.Context, sum string) (bool, error) {
	if err := CheckSHA256(sum); err != nil {
		return false, err
	}
	ok, err := s.bucket.Exists(ctx, key(sum))
	if err != nil {
		return false, fmt.Errorf("look up blob %s: %w", sum, err)
	}
	return ok, nil
}

// Delete removes the content with the hash.
func (s *Store) Delete(ctx context.Context, sum string) error {
	if err := CheckSHA256(sum); err != nil {
		return err
	}
	err := s.bucket.Delete(ctx, key(sum))
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("blob %s: %w", sum, errs.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete blob %s: %w", sum, err)
	}
	return nil
}

// checked hashes what it reads and compares at the end of the content.
type checked struct {
	r    io.ReadCloser
	h    hash.Hash
	want string
	size int64
	read int64
}

func (c *checked) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.read += int64(n)
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want || c.read != c.size {
			return n, fmt.Errorf("blob %s read as %s: %w", c.want, got, ErrCorrupt)
		}
	}
	return n, err
}

func (c *checked) Close() error { return c.r.Close() }
