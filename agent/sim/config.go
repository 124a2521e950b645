package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stewardhq/steward/agent/wire"
)

// Errors callers branch on.
var (
	// ErrBadServer: the server address is not an http:// or https:// URL.
	ErrBadServer = errors.New("invalid server address")
	// ErrEnrollRefused: the hub refused an enrollment (bad, expired or used-up token);
	// trying the other agents cannot help.
	ErrEnrollRefused = errors.New("enrollment refused")
	// ErrStateMismatch: a state file belongs to another hub or another seed.
	ErrStateMismatch = errors.New("state file does not match this simulation")
)

// Defaults of Config.
const (
	DefaultParallelism  = 32
	DefaultReconnectMin = time.Second
	DefaultReconnectMax = time.Minute
	DefaultPrograms     = 40
	DefaultVersion      = "0.0.0-sim"
)

// Config describes a simulated fleet. The zero value of every field but Server is a useful
// default.
type Config struct {
	// Server is the hub's base address, e.g. http://127.0.0.1:8080.
	Server string
	// Agents is how many agents to simulate. Default 1.
	Agents int
	// Seed chooses the fleet: agent i's facts derive from Seed and i only. Zero is a seed
	// like any other.
	Seed uint64
	// Heartbeat is how often each agent says it is alive. Default wire.HeartbeatInterval;
	// tests set it lower.
	Heartbeat time.Duration
	// EnrollParallelism and ConnectParallelism bound how many enrollments and how many
	// connection handshakes are in flight at once. Default DefaultParallelism each.
	EnrollParallelism  int
	ConnectParallelism int
	// ReconnectMin and ReconnectMax bound the wait before reconnecting a dropped agent: the
	// ceiling doubles from min to max after each failure. Defaults 1s and 1m.
	ReconnectMin time.Duration
	ReconnectMax time.Duration
	// Programs is about how many packages each agent reports. Default DefaultPrograms.
	Programs int
	// Version is the agent version reported to the hub. Default DefaultVersion.
	Version string
	// HTTPClient sends enrollments and WebSocket handshakes; nil means a client of the
	// simulator's own, with keep-alive connections enough for EnrollParallelism.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

func (c *Config) defaults() error {
	u, err := url.Parse(c.Server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("server %q: want http://host:port: %w", c.Server, ErrBadServer)
	}
	c.Server = strings.TrimRight(c.Server, "/")
	if c.Agents <= 0 {
		c.Agents = 1
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = wire.HeartbeatInterval
	}
	if c.EnrollParallelism <= 0 {
		c.EnrollParallelism = DefaultParallelism
	}
	if c.ConnectParallelism <= 0 {
		c.ConnectParallelism = DefaultParallelism
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = DefaultReconnectMin
	}
	if c.ReconnectMax < c.ReconnectMin {
		c.ReconnectMax = max(DefaultReconnectMax, c.ReconnectMin)
	}
	if c.Programs <= 0 {
		c.Programs = DefaultPrograms
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.HTTPClient == nil {
		// Idle connections are kept for the enrollment workers; handshakes each take a
		// connection of their own, since the hub hijacks it for the WebSocket.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = c.EnrollParallelism * 2
		tr.MaxIdleConnsPerHost = c.EnrollParallelism * 2
		c.HTTPClient = &http.Client{Transport: tr, Timeout: time.Minute}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
