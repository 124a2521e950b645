package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/hub"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/tenant"
)

// upload sends content as the raw body of PUT /api/v1/blobs.
func upload(t *testing.T, h *hubtest.Hub, token string, content []byte, name string) (
	int, catalog.Blob, map[string]map[string]string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut,
		h.URL+"/api/v1/blobs?name="+url.QueryEscape(name), bytes.NewReader(content))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var b catalog.Blob
	var e map[string]map[string]string
	if resp.StatusCode == http.StatusCreated {
		require.NoError(t, json.Unmarshal(body, &b))
	} else {
		require.NoError(t, json.Unmarshal(body, &e), string(body))
	}
	return resp.StatusCode, b, e
}

func get(t *testing.T, rawURL string) (int, []byte, error) {
	t.Helper()
	resp, err := http.Get(rawURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestInstallerUploadAndSignedDownload(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		content := bytes.Repeat([]byte("hello-steward_1.1_all.deb "), 50000)
		sum := sha256.Sum256(content)
		want := hex.EncodeToString(sum[:])

		status, b, _ := upload(t, h, h.Token, content, "hello_1.1.deb")
		require.Equal(t, http.StatusCreated, status)
		require.Equal(t, want, b.SHA256)
		require.Equal(t, int64(len(content)), b.Size)
		status, again, _ := upload(t, h, h.Token, content, "other.deb")
		require.Equal(t, http.StatusCreated, status)
		require.Equal(t, "hello_1.1.deb", again.Name, "identical content is stored once")

		var sw catalog.Software
		require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/software", map[string]any{
			"name":      "Hello",
			"detection": map[string]any{"method": "display_name", "pattern": "hello"},
			"scripts": map[string]any{"installScriptId": map[string]any{
				"language": "sh", "body": `dpkg -i "$InstallerFile"`}},
		}, &sw))
		var v catalog.Version
		require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/software/"+sw.ID+"/versions",
			map[string]any{"version": "1.1", "installer": map[string]any{"sha256": want}}, &v))
		require.Equal(t, "hello_1.1.deb", v.Installer.Name)
		require.Equal(t, int64(len(content)), v.Installer.Size)

		// The URL a session hands to an agent works without a token, until it expires.
		status, got, err := get(t, h.SignedFileURL(h.URL, want, time.Minute))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		require.True(t, bytes.Equal(content, got))

		expired := h.SignedFileURL(h.URL, want, -time.Second)
		u, err := url.Parse(h.SignedFileURL(h.URL, want, time.Minute))
		require.NoError(t, err)
		q := u.Query()
		q.Set("sig", strings.Repeat("0", 64))
		u.RawQuery = q.Encode()
		otherBlob := strings.Replace(h.SignedFileURL(h.URL, want, time.Minute), want,
			strings.Repeat("e", 64), 1)
		for name, raw := range map[string]string{
			"expired":            expired,
			"bad signature":      u.String(),
			"signed for another": otherBlob,
			"unsigned":           h.URL + "/agent/v1/files/" + want,
		} {
			t.Run(name, func(t *testing.T) {
				status, body, err := get(t, raw)
				require.NoError(t, err)
				require.Equal(t, http.StatusUnauthorized, status)
				var e struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				require.NoError(t, json.Unmarshal(body, &e), string(body))
				require.Equal(t, "unauthorized", e.Error.Code)
				require.NotEmpty(t, e.Error.Message)
			})
		}

		missing := strings.Repeat("ab", 32)
		status, _, err = get(t, h.SignedFileURL(h.URL, missing, time.Minute))
		require.NoError(t, err)
		require.Equal(t, http.StatusNotFound, status)

		err = h.Client.Do(ctx, http.MethodPost, "/software/"+sw.ID+"/versions",
			map[string]any{"version": "1.2", "installer": map[string]any{"sha256": missing}}, nil)
		require.True(t, client.IsCode(err, "invalid"), "a version's blob must exist: %v", err)
	})
}

func TestUploadLimitsAndRoles(t *testing.T) {
	h := hubtest.Start(t, "sqlite", hubtest.Options{Configure: func(c *hub.Config) {
		c.MaxUploadBytes = 1000
	}})
	status, _, e := upload(t, h, h.Token, make([]byte, 1001), "big.bin")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "invalid", e["error"]["code"])
	require.Contains(t, e["error"]["message"], "larger than the limit of 1000 bytes")
	status, _, _ = upload(t, h, h.Token, make([]byte, 1000), "fits.bin")
	require.Equal(t, http.StatusCreated, status)

	var a tenant.Tenant
	require.NoError(t, h.Client.Do(context.Background(), http.MethodPost, "/tenants",
		map[string]any{"name": "A"}, &a))
	status, _, e = upload(t, h, secretFor(t, h, access.TenantUser, a.ID), []byte("x"), "x")
	require.Equal(t, http.StatusForbidden, status, "tenant users only read the catalog")
	require.Equal(t, "forbidden", e["error"]["code"])
	status, b, _ := upload(t, h, secretFor(t, h, access.TenantAdmin, a.ID), []byte("x"), "x")
	require.Equal(t, http.StatusCreated, status)
	require.Equal(t, a.ID, b.TenantID)
	status, _, e = upload(t, h, "stw_wrong", []byte("x"), "x")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "unauthorized", e["error"]["code"])
}

// Content changed on disk after its upload never reaches an agent as a complete download.
func TestCorruptedBlobDownloadFails(t *testing.T) {
	dir := t.TempDir()
	h := hubtest.Start(t, "sqlite", hubtest.Options{Configure: func(c *hub.Config) {
		c.BlobURL = "file://" + filepath.ToSlash(dir)
	}})
	status, b, _ := upload(t, h, h.Token, []byte("the genuine installer"), "x.bin")
	require.Equal(t, http.StatusCreated, status)
	path := filepath.Join(dir, "sha256", b.SHA256[:2], b.SHA256)
	require.NoError(t, os.WriteFile(path, []byte("the tampered installer"), 0o600))

	resp, err := http.Get(h.SignedFileURL(h.URL, b.SHA256, time.Minute))
	if err == nil {
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
	}
	require.Error(t, err, "the download must break off")
}
