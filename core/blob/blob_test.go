package blob_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/blob"
	"github.com/stewardhq/steward/core/errs"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// files lists every regular file under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	}))
	return out
}

func TestPutOpenAndDedup(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "blobs")
	st, err := blob.Open(ctx, blob.Config{Dir: dir})
	require.NoError(t, err)
	defer st.Close()

	content := strings.Repeat("installer bytes ", 100000)
	got, size, err := st.Put(ctx, strings.NewReader(content))
	require.NoError(t, err)
	require.Equal(t, sum(content), got)
	require.Equal(t, int64(len(content)), size)

	again, _, err := st.Put(ctx, strings.NewReader(content))
	require.NoError(t, err)
	require.Equal(t, got, again)
	require.Equal(t, []string{"sha256/" + got[:2] + "/" + got}, files(t, dir),
		"identical content is stored once, and no temporary file is left")

	r, n, err := st.Open(ctx, got)
	require.NoError(t, err)
	require.Equal(t, size, n)
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.Equal(t, content, string(data))

	ok, err := st.Exists(ctx, got)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, st.Delete(ctx, got))
	ok, err = st.Exists(ctx, got)
	require.NoError(t, err)
	require.False(t, ok)
	_, _, err = st.Open(ctx, got)
	require.ErrorIs(t, err, errs.ErrNotFound)
	require.ErrorIs(t, st.Delete(ctx, got), errs.ErrNotFound)
}

func TestCorruptedContentFailsTheRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := blob.Open(ctx, blob.Config{URL: "file://" + filepath.ToSlash(dir)})
	require.NoError(t, err, "a file:// URL opens the folder")
	defer st.Close()

	sha, _, err := st.Put(ctx, strings.NewReader("genuine installer"))
	require.NoError(t, err)
	path := filepath.Join(dir, "sha256", sha[:2], sha)
	for name, replacement := range map[string]string{
		"same size":  "tampered installer",
		"truncated":  "genuine",
		"extended":   "genuine installer, and more",
		"bit flip":   "genuine installeR",
		"empty file": "",
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, []byte(replacement), 0o600))
			r, _, err := st.Open(ctx, sha)
			require.NoError(t, err)
			defer r.Close()
			_, err = io.ReadAll(r)
			require.ErrorIs(t, err, blob.ErrCorrupt)
		})
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "partial "), nil
	}
	return 0, errors.New("connection reset")
}

func TestFailedPutLeavesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := blob.Open(ctx, blob.Config{Dir: dir})
	require.NoError(t, err)
	defer st.Close()

	_, _, err = st.Put(ctx, &failingReader{n: 3})
	require.ErrorContains(t, err, "connection reset")
	require.Empty(t, files(t, dir))
}

func TestBadAddressesAndURLs(t *testing.T) {
	ctx := context.Background()
	st, err := blob.Open(ctx, blob.Config{Dir: t.TempDir()})
	require.NoError(t, err)
	defer st.Close()
	for _, bad := range []string{"", "abc", strings.Repeat("G", 64),
		strings.ToUpper(sum("x")), "../" + sum("x")[3:]} {
		_, _, err := st.Open(ctx, bad)
		require.ErrorIs(t, err, errs.ErrInvalid, bad)
		_, err = st.Exists(ctx, bad)
		require.ErrorIs(t, err, errs.ErrInvalid, bad)
	}

	_, err = blob.Open(ctx, blob.Config{URL: "s3://bucket"})
	require.ErrorContains(t, err, "s3", "drivers that are not linked in are refused")
	_, err = blob.Open(ctx, blob.Config{URL: "file:///tmp/x?create_dir=1"})
	require.ErrorContains(t, err, "file buckets take no options")
}
