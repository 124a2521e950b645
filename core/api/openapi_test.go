package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/hub/hubtest"
)

// Every route under /api/v1 must be in the OpenAPI document, and the document must be valid.
func TestEveryRouteIsDocumented(t *testing.T) {
	h := hubtest.Start(t, "sqlite")

	resp, err := http.Get(h.URL + "/api/v1/openapi.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the document needs no token")
	var raw json.RawMessage
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&raw))
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))

	routes := h.API.Routes()
	require.NotEmpty(t, routes)
	checked := 0
	for _, r := range routes {
		rest, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok {
			continue
		}
		path := openAPIPath(rest)
		item := doc.Paths.Find(path)
		require.NotNil(t, item, "route %s %s is not in the OpenAPI document", r.Method, r.Path)
		require.NotNil(t, item.GetOperation(r.Method),
			"route %s %s is not in the OpenAPI document", r.Method, r.Path)
		checked++
	}
	require.Greater(t, checked, 3)
}

// openAPIPath turns gin's /tenants/:id into /tenants/{id}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, ":") || strings.HasPrefix(part, "*") {
			parts[i] = "{" + part[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
