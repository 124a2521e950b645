package api_test

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
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/tenant"
)

// secretFor makes a token of role bound to tenantID and returns its secret.
func secretFor(t *testing.T, h *hubtest.Hub, role access.Role, tenantID string) string {
	t.Helper()
	sys := access.WithPrincipal(context.Background(), access.System())
	secret, _, err := h.Tokens.Create(sys, apitoken.NewToken{Name: string(role) + tenantID,
		Role: role, TenantID: tenantID})
	require.NoError(t, err)
	return secret
}

// tokenFor returns a client with a new token of role bound to tenantID.
func tokenFor(t *testing.T, h *hubtest.Hub, role access.Role, tenantID string) *client.Client {
	t.Helper()
	c, err := client.New(h.URL, secretFor(t, h, role, tenantID))
	require.NoError(t, err)
	return c
}

func TestSoftwareThroughTheAPI(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		var a, b tenant.Tenant
		require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "Contoso"}, &a))
		require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "Fabrikam"}, &b))
		ca := tokenFor(t, h, access.TenantAdmin, a.ID)
		cb := tokenFor(t, h, access.TenantAdmin, b.ID)

		// The body as a user writes it: inline scripts in place of script ids.
		var sw catalog.Software
		require.NoError(t, ca.Do(ctx, http.MethodPost, "/software", map[string]any{
			"name":      "Hello Contoso",
			"detection": map[string]any{"method": "display_name", "pattern": "hello-contoso"},
			"scripts": map[string]any{
				"installScriptId":   map[string]any{"language": "sh", "body": "dpkg -i x"},
				"uninstallScriptId": map[string]any{"language": "sh", "body": "dpkg -r x"},
			},
		}, &sw))
		require.Equal(t, a.ID, sw.TenantID)
		require.NotEmpty(t, sw.Scripts.Install)
		require.Equal(t, []catalog.Version{}, sw.Versions)

		var install catalog.Script
		require.NoError(t, ca.Do(ctx, http.MethodGet, "/catalog-scripts/"+sw.Scripts.Install,
			nil, &install))
		require.Equal(t, "dpkg -i x", install.Body)

		err := cb.Do(ctx, http.MethodGet, "/software/"+sw.ID, nil, nil)
		require.True(t, client.IsCode(err, "not_found"), "another tenant's software: %v", err)
		var page paging.Page[catalog.Software]
		require.NoError(t, cb.Do(ctx, http.MethodGet, "/software?q=hello", nil, &page))
		for _, item := range page.Items {
			require.NotEqual(t, sw.ID, item.ID)
		}
		require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/software?tenantId="+a.ID, nil,
			&page))
		require.Equal(t, 1, page.Total, "the MSP sees it")

		var v catalog.Version
		require.NoError(t, ca.Do(ctx, http.MethodPost, "/software/"+sw.ID+"/versions",
			map[string]any{"version": "1.2"}, &v))
		require.NoError(t, ca.Do(ctx, http.MethodGet, "/software/"+sw.ID, nil, &sw))
		require.Len(t, sw.Versions, 1)
		require.NoError(t, ca.Do(ctx, http.MethodDelete,
			"/software/"+sw.ID+"/versions/"+v.ID, nil, nil))

		var renamed catalog.Software
		require.NoError(t, ca.Do(ctx, http.MethodPatch, "/software/"+sw.ID,
			map[string]any{"name": "Hello Contoso 2", "rebootNeeded": true}, &renamed))
		require.Equal(t, "Hello Contoso 2", renamed.Name)
		require.True(t, renamed.RebootNeeded)

		for name, body := range map[string]any{
			"bad regex": map[string]any{"name": "X", "detection": map[string]any{
				"method": "display_name", "match": "regex", "pattern": "(x"}},
			"unknown field": map[string]any{"name": "X", "colour": "red"},
			"script ref of the wrong type": map[string]any{"name": "X",
				"detection": map[string]any{"method": "display_name", "pattern": "x"},
				"scripts":   map[string]any{"installScriptId": 5}},
			"inline script with unknown field": map[string]any{"name": "X",
				"detection": map[string]any{"method": "display_name", "pattern": "x"},
				"scripts": map[string]any{"installScriptId": map[string]any{
					"language": "sh", "body": "x", "shell": "zsh"}}},
		} {
			err := ca.Do(ctx, http.MethodPost, "/software", body, nil)
			require.True(t, client.IsCode(err, "invalid"), "%s: %v", name, err)
		}

		require.NoError(t, ca.Do(ctx, http.MethodDelete, "/software/"+sw.ID, nil, nil))
		err = ca.Do(ctx, http.MethodGet, "/software/"+sw.ID, nil, nil)
		require.True(t, client.IsCode(err, "not_found"), "%v", err)
	})
}

func TestCycleAndGlobalCatalogThroughTheAPI(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		c := h.Client
		mk := func(name string) catalog.Software {
			var sw catalog.Software
			require.NoError(t, c.Do(ctx, http.MethodPost, "/software", map[string]any{
				"name": name, "detection": map[string]any{"method": "display_name",
					"match": "contains", "pattern": name}}, &sw))
			return sw
		}
		alpha, beta := mk("Alpha"), mk("Beta")
		rule := func(id string) map[string]any {
			return map[string]any{"prerequisites": []map[string]any{{"if": "always",
				"then": "install", "on": []string{id}}}}
		}
		require.NoError(t, c.Do(ctx, http.MethodPatch, "/software/"+alpha.ID, rule(beta.ID), nil))
		err := c.Do(ctx, http.MethodPatch, "/software/"+beta.ID, rule(alpha.ID), nil)
		require.True(t, client.IsCode(err, "invalid"), "%v", err)
		var e *client.Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, "prerequisite cycle: Beta → Alpha → Beta", e.Message)

		// The global catalog is there from the start, readable and read-only.
		var page paging.Page[catalog.Software]
		require.NoError(t, c.Do(ctx, http.MethodGet, "/software?q=Hello%20Steward", nil, &page))
		require.Equal(t, 1, page.Total)
		hello := page.Items[0]
		require.True(t, hello.Global)
		require.NotEmpty(t, hello.Versions)
		err = c.Do(ctx, http.MethodPatch, "/software/"+hello.ID, map[string]any{"name": "Mine"},
			nil)
		require.True(t, client.IsCode(err, "forbidden"), "%v", err)
		err = c.Do(ctx, http.MethodDelete, "/software/"+hello.ID, nil, nil)
		require.True(t, client.IsCode(err, "forbidden"), "%v", err)

		var tasks paging.Page[catalog.Task]
		require.NoError(t, c.Do(ctx, http.MethodGet, "/tasks?q=line", nil, &tasks))
		require.Equal(t, 1, tasks.Total)
		require.True(t, tasks.Items[0].Global)

		var task catalog.Task
		require.NoError(t, c.Do(ctx, http.MethodPost, "/tasks", map[string]any{
			"name":             "Motd",
			"combinedScriptId": map[string]any{"language": "sh", "body": "case $Method in esac"},
			"parameters": []map[string]any{{"name": "Text", "type": "text",
				"required": true}},
		}, &task))
		require.NotEmpty(t, task.Combined)
		err = c.Do(ctx, http.MethodPost, "/tasks", map[string]any{"name": "Empty"}, nil)
		require.True(t, client.IsCode(err, "invalid"), "%v", err)

		var sc catalog.Script
		require.NoError(t, c.Do(ctx, http.MethodPost, "/catalog-scripts", map[string]any{
			"name": "Uptime", "language": "sh", "body": "uptime"}, &sc))
		require.NoError(t, c.Do(ctx, http.MethodPatch, "/catalog-scripts/"+sc.ID,
			map[string]any{"timeoutSeconds": 30}, &sc))
		require.Equal(t, 30, sc.TimeoutSeconds)
		require.NoError(t, c.Do(ctx, http.MethodDelete, "/catalog-scripts/"+sc.ID, nil, nil))
	})
}
