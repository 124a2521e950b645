// Package hubtest starts a real hub for end-to-end tests: a fresh database of the chosen
// dialect, the full API on a loopback port, and an MSP admin token.
package hubtest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/client"
	"github.com/stewardhq/steward/core/hub"
	"github.com/stewardhq/steward/core/store/storetest"
)

// Hub is a running hub and what a test needs to call it.
type Hub struct {
	*hub.Hub
	URL    string
	Token  string
	Client *client.Client
}

// Options adjust the hub a test starts.
type Options struct {
	// Configure changes the configuration before the hub opens.
	Configure func(*hub.Config)
}

// Start runs a hub on dialect ("sqlite" or "postgres") until the test ends.
func Start(t *testing.T, dialect string, opts ...Options) *Hub {
	t.Helper()
	sc := storetest.Config(t, dialect)
	cfg := hub.Config{DataDir: t.TempDir(), DatabaseURL: sc.DatabaseURL,
		Listen: "127.0.0.1:0", JobPollInterval: 50 * time.Millisecond, Logger: logger()}
	if sc.DataDir != "" {
		cfg.DataDir = sc.DataDir
	}
	for _, o := range opts {
		if o.Configure != nil {
			o.Configure(&cfg)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	h, err := hub.Open(ctx, cfg)
	require.NoError(t, err)

	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, func(a string) { addr <- a }) }()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a
	case err := <-done:
		cancel()
		h.Close()
		require.NoError(t, err, "hub exited at start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("hub stopped with error: %v", err)
		}
		h.Close()
	})

	sysCtx := access.WithPrincipal(context.Background(), access.System())
	secret, _, err := h.Tokens.Create(sysCtx, apitoken.NewToken{Name: "test admin",
		Role: access.MSPAdmin})
	require.NoError(t, err)
	c, err := client.New(url, secret)
	require.NoError(t, err)
	return &Hub{Hub: h, URL: url, Token: secret, Client: c}
}

// Each runs fn with a fresh hub on each database, as subtests "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, h *Hub), opts ...Options) {
	t.Helper()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) { fn(t, Start(t, dialect, opts...)) })
	}
}

// logger shows the hub's warnings and errors in test output; STEWARD_TEST_LOG=debug shows all.
func logger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("STEWARD_TEST_LOG") == "debug" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
