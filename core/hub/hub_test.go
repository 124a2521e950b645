package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/hub"
	"github.com/stewardhq/steward/core/hub/hubtest"
)

func TestHousekeepingRemovesExpiredTokens(t *testing.T) {
	hubtest.Each(t, func(t *testing.T, h *hubtest.Hub) {
		ctx := access.WithPrincipal(context.Background(), access.System())
		_, expired, err := h.Tokens.Create(ctx, apitoken.NewToken{Name: "expiring",
			Role: access.MSPUser, TTL: time.Millisecond})
		require.NoError(t, err)
		_, kept, err := h.Tokens.Create(ctx, apitoken.NewToken{Name: "kept",
			Role: access.MSPUser, TTL: time.Hour})
		require.NoError(t, err)

		count := func(id string) int {
			n, err := h.Store.DB.NewSelect().Model((*apitoken.Token)(nil)).
				Where("id = ?", id).Count(ctx)
			require.NoError(t, err)
			return int(n)
		}
		require.Eventually(t, func() bool { return count(expired.ID) == 0 },
			30*time.Second, 50*time.Millisecond, "the periodic job removes the expired token")
		require.Equal(t, 1, count(kept.ID), "a valid token stays")
	}, hubtest.Options{Configure: func(c *hub.Config) {
		c.HousekeepingInterval = 200 * time.Millisecond
	}})
}

func TestSecretKeyIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	k1, err := hub.LoadOrCreateKey(dir)
	require.NoError(t, err)
	require.Len(t, k1, 32)
	k2, err := hub.LoadOrCreateKey(dir)
	require.NoError(t, err)
	require.Equal(t, k1, k2)

	t.Setenv(hub.EnvSecretKey, "not base64!")
	_, err = hub.LoadOrCreateKey(dir)
	require.ErrorContains(t, err, "32 bytes")
}
