package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/paging"
)

// The link routes answer on a hub without connectors; core/links tests run real ones.
func TestLinksWithoutConnectors(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	ctx := context.Background()

	conns := []links.Connector{{Name: "stale"}}
	require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/connectors", nil, &conns))
	require.Empty(t, conns)

	var page paging.Page[links.Link]
	require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/links", nil, &page))
	require.Zero(t, page.Total)

	for name, tc := range map[string]struct {
		method, path string
		body         any
		code         string
	}{
		"get unknown":        {http.MethodGet, "/links/nope", nil, "not_found"},
		"health of unknown":  {http.MethodPost, "/links/nope/health", nil, "not_found"},
		"enable unknown":     {http.MethodPost, "/links/nope/enable", nil, "not_found"},
		"delete unknown":     {http.MethodDelete, "/links/nope", nil, "not_found"},
		"clients of unknown": {http.MethodGet, "/links/nope/clients", nil, "not_found"},
		"map for unknown": {http.MethodPut, "/links/nope/clients/c1",
			map[string]any{"tenantId": nil}, "not_found"},
		"map with unknown field": {http.MethodPut, "/links/nope/clients/c1",
			map[string]any{"tenant": "x"}, "invalid"},
		"sync unknown": {http.MethodPost, "/links/nope/sync", nil, "not_found"},
		"unknown connector": {http.MethodPost, "/links",
			map[string]any{"connector": "nope", "name": "x"}, "invalid"},
		"unknown body field": {http.MethodPost, "/links",
			map[string]any{"connector": "nope", "name": "x", "colour": 1}, "invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			err := h.Client.Do(ctx, tc.method, tc.path, tc.body, nil)
			require.True(t, client.IsCode(err, tc.code), "%v", err)
		})
	}
}
