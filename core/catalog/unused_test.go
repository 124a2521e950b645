package catalog_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/hub/hubtest"
)

func TestUnusedBlobsAreRemoved(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	ctx := access.WithPrincipal(context.Background(), access.System())
	used, err := h.Catalog.StoreBlob(ctx, h.Blobs, bytes.NewReader([]byte("used")), "a.deb")
	require.NoError(t, err)
	unused, err := h.Catalog.StoreBlob(ctx, h.Blobs, bytes.NewReader([]byte("unused")), "b")
	require.NoError(t, err)

	var sw struct{ ID string }
	require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/software", map[string]any{
		"name": "Kept", "detection": map[string]any{"method": "display_name",
			"match": "exact", "pattern": "kept"},
		"scripts": map[string]any{"installScriptId": map[string]any{"language": "sh",
			"body": "true"}}}, &sw))
	require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/software/"+sw.ID+"/versions",
		map[string]any{"version": "1", "installer": map[string]any{"sha256": used.SHA256}}, nil))

	n, err := h.Catalog.RemoveUnusedBlobs(ctx, h.Blobs, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.Zero(t, n, "recent uploads are kept for their version to come")

	n, err = h.Catalog.RemoveUnusedBlobs(ctx, h.Blobs, time.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	ok, err := h.Blobs.Exists(ctx, unused.SHA256)
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = h.Blobs.Exists(ctx, used.SHA256)
	require.NoError(t, err)
	require.True(t, ok, "a blob a version names stays")
}
