package deploy_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/core/tenant"
)

func TestDeploymentsAreChecked(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		do := func(c *client.Client, method, path string, body, out any) error {
			return c.Do(ctx, method, path, body, out)
		}
		var sw catalog.Software
		require.NoError(t, do(h.Client, http.MethodPost, "/software", map[string]any{
			"name": "Tool", "detection": map[string]any{"method": "display_name",
				"match": "exact", "pattern": "tool"},
			"scripts": map[string]any{"installScriptId": map[string]any{"language": "sh",
				"body": "true"}}}, &sw))
		require.NoError(t, do(h.Client, http.MethodPost, "/software/"+sw.ID+"/versions",
			map[string]any{"version": "2.0"}, nil))
		var task catalog.Task
		require.NoError(t, do(h.Client, http.MethodPost, "/tasks", map[string]any{
			"name": "Setting", "parameters": []map[string]any{
				{"name": "Path", "type": "text", "required": true},
				{"name": "Size", "type": "number", "default": "3"}},
			"testScriptId": map[string]any{"language": "sh", "body": "true"},
			"setScriptId":  map[string]any{"language": "sh", "body": "true"}}, &task))

		all := map[string]any{"kind": "all"}
		bad := map[string]map[string]any{
			"pinned version the catalog lacks": {"itemKind": "software", "itemId": sw.ID,
				"state": "version", "version": "9.9", "scope": "cross_tenant", "target": all},
			"version with latest": {"itemKind": "software", "itemId": sw.ID, "state": "latest",
				"version": "2.0", "scope": "cross_tenant", "target": all},
			"parameters on software": {"itemKind": "software", "itemId": sw.ID,
				"state": "latest", "scope": "cross_tenant", "target": all,
				"parameters": map[string]string{"a": "b"}},
			"task state on software": {"itemKind": "software", "itemId": sw.ID,
				"state": "enforce", "scope": "cross_tenant", "target": all},
			"missing required parameter": {"itemKind": "task", "itemId": task.ID,
				"state": "enforce", "scope": "cross_tenant", "target": all},
			"unknown parameter": {"itemKind": "task", "itemId": task.ID, "state": "enforce",
				"scope": "cross_tenant", "target": all,
				"parameters": map[string]string{"Path": "/x", "Bogus": "1"}},
			"parameter of the wrong type": {"itemKind": "task", "itemId": task.ID,
				"state": "enforce", "scope": "cross_tenant", "target": all,
				"parameters": map[string]string{"Path": "/x", "Size": "big"}},
			"unknown item": {"itemKind": "software", "itemId": "nope", "state": "latest",
				"scope": "cross_tenant", "target": all},
			"individual without a computer": {"itemKind": "software", "itemId": sw.ID,
				"state": "latest", "scope": "individual", "tenantId": "x", "target": all},
		}
		for name, body := range bad {
			err := do(h.Client, http.MethodPost, "/deployments", body, nil)
			require.True(t, client.IsCode(err, "invalid"), "%s: %v", name, err)
		}

		var d resolve.Deployment
		require.NoError(t, do(h.Client, http.MethodPost, "/deployments", map[string]any{
			"itemKind": "task", "itemId": task.ID, "state": "enforce", "scope": "cross_tenant",
			"target": all, "parameters": map[string]string{"Path": "/x"}}, &d))
		require.Equal(t, 100, d.Priority)
		err := do(h.Client, http.MethodDelete, "/tasks/"+task.ID, nil, nil)
		require.True(t, client.IsCode(err, "conflict"), "a deployed task stays: %v", err)
		require.ErrorContains(t, err, "1 deployments")

		var acme tenant.Tenant
		require.NoError(t, do(h.Client, http.MethodPost, "/tenants",
			map[string]any{"name": "Acme"}, &acme))
		sys := access.WithPrincipal(ctx, access.System())
		secret, _, err := h.Tokens.Create(sys, apitoken.NewToken{Name: "acme admin",
			Role: access.TenantAdmin, TenantID: acme.ID})
		require.NoError(t, err)
		ta, err := client.New(h.URL, secret)
		require.NoError(t, err)
		err = do(ta, http.MethodPost, "/deployments", map[string]any{"itemKind": "software",
			"itemId": sw.ID, "state": "latest", "scope": "cross_tenant", "target": all}, nil)
		require.True(t, client.IsCode(err, "forbidden"), "%v", err)
		require.NoError(t, do(ta, http.MethodPost, "/deployments", map[string]any{
			"itemKind": "software", "itemId": sw.ID, "state": "latest",
			"scope": "single_tenant", "tenantId": acme.ID, "target": all}, nil))
		err = do(ta, http.MethodDelete, "/deployments/"+d.ID, nil, nil)
		require.Error(t, err, "a tenant admin cannot remove the MSP's cross-tenant deployment")
	})
}
