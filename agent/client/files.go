package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/stewardhq/steward/sdk"
)

// maxFileBytes bounds one download when the hub gives no size.
const maxFileBytes = 8 << 30

// fetchFiles downloads the files a run needs into dir, checks each against its SHA-256, and
// returns the variables that name their local paths. Nothing runs unless every file matches.
// Relative URLs are the hub's own files, resolved against its address.
func (a *agent) fetchFiles(ctx context.Context, dir string, files []sdk.FileRef) (
	map[string]string, error) {
	out := map[string]string{}
	if len(files) == 0 {
		return out, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make download folder: %w", err)
	}
	base, err := url.Parse(a.id.Server)
	if err != nil {
		return nil, fmt.Errorf("hub address %q: %w", a.id.Server, err)
	}
	for _, f := range files {
		ref, err := url.Parse(f.URL)
		if err != nil {
			return nil, fmt.Errorf("download %s: bad address: %w", f.Name, err)
		}
		name := filepath.Base(strings.ReplaceAll(f.Name, "\\", "/"))
		if name == "." || name == "/" || name == "" {
			name = f.SHA256
		}
		path := filepath.Join(dir, name)
		if err := a.download(ctx, base.ResolveReference(ref).String(), path, f); err != nil {
			return nil, fmt.Errorf("download %s: %w", f.Name, err)
		}
		out[f.Param] = path
	}
	return out, nil
}

func (a *agent) download(ctx context.Context, from, path string, f sdk.FileRef) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, from, nil)
	if err != nil {
		return err
	}
	httpc := a.cfg.HTTPClient
	if httpc == nil {
		httpc = http.DefaultClient
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}

	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	limit := int64(maxFileBytes)
	if f.Size > 0 {
		limit = f.Size
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(file, h), io.LimitReader(resp.Body, limit+1))
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n > limit {
		return fmt.Errorf("larger than the expected %d bytes", limit)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, f.SHA256) {
		os.Remove(path)
		return fmt.Errorf("SHA-256 is %s, expected %s: the file was refused", got, f.SHA256)
	}
	return nil
}
