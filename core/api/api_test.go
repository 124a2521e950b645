package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/tenant"
)

func TestTenantsThroughTheAPI(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		c := h.Client

		var page paging.Page[tenant.Tenant]
		require.NoError(t, c.Do(ctx, http.MethodGet, "/tenants", nil, &page))
		require.Equal(t, 1, page.Total, "the MSP tenant exists from the first start")
		msp := page.Items[0]
		require.True(t, msp.IsMSP)

		var acme tenant.Tenant
		require.NoError(t, c.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "  Acme Corp  "}, &acme))
		require.Equal(t, "Acme Corp", acme.Name)
		require.True(t, acme.OnboardingEnabled)

		err := c.Do(ctx, http.MethodPost, "/tenants", map[string]any{"name": "ACME corp"}, nil)
		require.True(t, client.IsCode(err, "conflict"), "names are unique: %v", err)

		for name, body := range map[string]any{
			"empty name":    map[string]any{"name": " "},
			"unknown field": map[string]any{"name": "X", "colour": "red"},
			"wrong type":    map[string]any{"name": 5},
			"bad parent":    map[string]any{"name": "Y", "parentId": "nope"},
		} {
			err := c.Do(ctx, http.MethodPost, "/tenants", body, nil)
			require.True(t, client.IsCode(err, "invalid"), "%s: %v", name, err)
		}

		var child tenant.Tenant
		require.NoError(t, c.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "Acme Branch", "parentId": acme.ID}, &child))
		err = c.Do(ctx, http.MethodPatch, "/tenants/"+acme.ID,
			map[string]any{"parentId": child.ID}, nil)
		require.True(t, client.IsCode(err, "invalid"), "a parent loop is refused: %v", err)

		var renamed tenant.Tenant
		require.NoError(t, c.Do(ctx, http.MethodPatch, "/tenants/"+acme.ID,
			map[string]any{"name": "Acme Ltd", "onboardingEnabled": false,
				"tags": []string{"gold", "gold"}}, &renamed))
		require.Equal(t, []string{"gold"}, renamed.Tags)
		require.Equal(t, "Acme Ltd", renamed.Name)
		require.False(t, renamed.OnboardingEnabled)

		err = c.Do(ctx, http.MethodDelete, "/tenants/"+msp.ID, nil, nil)
		require.True(t, client.IsCode(err, "conflict"), "the MSP tenant stays: %v", err)
		err = c.Do(ctx, http.MethodDelete, "/tenants/"+acme.ID, nil, nil)
		require.True(t, client.IsCode(err, "conflict"), "a tenant with children stays: %v", err)
		require.NoError(t, c.Do(ctx, http.MethodDelete, "/tenants/"+child.ID, nil, nil))
		err = c.Do(ctx, http.MethodGet, "/tenants/"+child.ID, nil, nil)
		require.True(t, client.IsCode(err, "not_found"), "%v", err)

		require.NoError(t, c.Do(ctx, http.MethodGet, "/tenants?q=acme&pageSize=1", nil, &page))
		require.Equal(t, 1, page.Total)
		require.Equal(t, "Acme Ltd", page.Items[0].Name)
		err = c.Do(ctx, http.MethodGet, "/tenants?pageSize=100000", nil, nil)
		require.True(t, client.IsCode(err, "invalid"), "%v", err)
	})
}

func TestTenantRolesSeeOnlyTheirTenant(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := context.Background()
		var a, b tenant.Tenant
		require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "Tenant A"}, &a))
		require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/tenants",
			map[string]any{"name": "Tenant B"}, &b))

		sys := access.WithPrincipal(ctx, access.System())
		secret, _, err := h.Tokens.Create(sys, apitoken.NewToken{Name: "a admin",
			Role: access.TenantAdmin, TenantID: a.ID})
		require.NoError(t, err)
		ca, err := client.New(h.URL, secret)
		require.NoError(t, err)

		var page paging.Page[tenant.Tenant]
		require.NoError(t, ca.Do(ctx, http.MethodGet, "/tenants", nil, &page))
		require.Len(t, page.Items, 1)
		require.Equal(t, a.ID, page.Items[0].ID)

		err = ca.Do(ctx, http.MethodGet, "/tenants/"+b.ID, nil, nil)
		require.True(t, client.IsCode(err, "not_found"), "another tenant is invisible: %v", err)
		err = ca.Do(ctx, http.MethodPost, "/tenants", map[string]any{"name": "C"}, nil)
		require.True(t, client.IsCode(err, "forbidden"), "%v", err)

		var me access.Principal
		require.NoError(t, ca.Do(ctx, http.MethodGet, "/me", nil, &me))
		require.Equal(t, access.TenantAdmin, me.Role)
		require.Equal(t, a.ID, me.TenantID)
	})
}

func TestBadCredentialsGetUnauthorized(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	for name, header := range map[string]string{
		"no header":     "",
		"not bearer":    "Basic abc",
		"unknown token": "Bearer stw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"malformed":     "Bearer hello",
	} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, h.URL+"/api/v1/tenants", nil)
			require.NoError(t, err)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			require.Contains(t, string(body), `"code":"unauthorized"`)
		})
	}
}

func TestExpiredTokenIsRefused(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	ctx := access.WithPrincipal(context.Background(), access.System())
	secret, tok, err := h.Tokens.Create(ctx, apitoken.NewToken{Name: "short", Role: access.MSPUser,
		TTL: 1})
	require.NoError(t, err)
	require.NotNil(t, tok.ExpiresAt)

	c, err := client.New(h.URL, secret)
	require.NoError(t, err)
	err = c.Do(context.Background(), http.MethodGet, "/tenants", nil, nil)
	require.True(t, client.IsCode(err, "unauthorized"), "%v", err)
	require.Contains(t, err.Error(), "expired")
}

func TestUnknownRouteIsJSONNotFound(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	err := h.Client.Do(context.Background(), http.MethodGet, "/no-such-thing", nil, nil)
	require.True(t, client.IsCode(err, "not_found"), "%v", err)
}

func TestHealthAndReadiness(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(h.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.True(t, strings.Contains(string(body), "ok") ||
			strings.Contains(string(body), "ready"), path)
	}
}

func TestRevokedTokenIsRefused(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	ctx := access.WithPrincipal(context.Background(), access.System())
	secret, tok, err := h.Tokens.Create(ctx, apitoken.NewToken{Name: "bot", Role: access.MSPUser})
	require.NoError(t, err)
	c, err := client.New(h.URL, secret)
	require.NoError(t, err)
	require.NoError(t, c.Do(context.Background(), http.MethodGet, "/tenants", nil, nil))

	var list []apitoken.Token
	require.NoError(t, h.Client.Do(context.Background(), http.MethodGet, "/tokens", nil, &list))
	require.Len(t, list, 2)
	err = c.Do(context.Background(), http.MethodGet, "/tokens", nil, nil)
	require.True(t, client.IsCode(err, "forbidden"), "only MSP admins list tokens: %v", err)

	require.NoError(t, h.Client.Do(context.Background(), http.MethodDelete, "/tokens/"+tok.ID,
		nil, nil))
	err = c.Do(context.Background(), http.MethodGet, "/tenants", nil, nil)
	require.True(t, client.IsCode(err, "unauthorized"), "%v", err)
}
