// Package gateway holds the connections of Steward's agents to this hub instance: the
// challenge handshake, inventory reports, delivery of script runs and the return of their
// output and results. With several instances, each agent is connected to one of them; runs
// queued through any instance are found by the one holding the connection.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

// Config tunes the gateway. The zero value is a sensible default, but Instance must be set.
type Config struct {
	Logger *slog.Logger
	// Instance identifies this hub process among the instances sharing a database.
	Instance string
	// PollInterval is how often queued runs and revocations made through other instances
	// are looked for. Default 1s.
	PollInterval time.Duration
	// IdleTimeout closes a connection that said nothing for this long. Default 3 minutes,
	// three missed heartbeats.
	IdleTimeout time.Duration
}

// Gateway accepts agent connections.
type Gateway struct {
	cfg      Config
	log      *slog.Logger
	agents   *agents.Service
	identify *identify.Service
	scripts  *scripts.Service

	mu      sync.Mutex
	conns   map[string]*conn
	waiters map[string]*waiter
	closing bool
	// serving counts connection handlers, so Close can wait until each has recorded its end;
	// it only grows under mu while not closing.
	serving sync.WaitGroup
	// states orders the connected and disconnected records of agents, so the record of an
	// old connection's end never lands after a newer connection's start.
	states sync.Mutex
}

// New returns a gateway; call Run to start its delivery loop.
func New(cfg Config, ag *agents.Service, id *identify.Service, sc *scripts.Service) *Gateway {
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 3 * wire.HeartbeatInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{cfg: cfg, log: cfg.Logger, agents: ag, identify: id, scripts: sc,
		conns: map[string]*conn{}, waiters: map[string]*waiter{}}
	ag.OnRevoke(g.drop)
	id.OnRetry(g.requestInventory)
	return g
}

// conn is one connected agent.
type conn struct {
	ws       *websocket.Conn
	agentID  string
	tenantID string
	tags     []string
	enrolled time.Time
	version  string
	cancel   context.CancelFunc
	// gone is closed when the connection has ended.
	gone chan struct{}

	mu         sync.Mutex
	computerID string
	lastTouch  time.Time
}

func (c *conn) send(ctx context.Context, typ string, v any) error {
	env, err := wire.Encode(typ, v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	return wsjson.Write(ctx, c.ws, env)
}

// Connected reports how many agents are connected to this instance.
func (g *Gateway) Connected() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// ServeHTTP accepts one agent's WebSocket and serves it until it closes.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		// The agent backs off and reconnects, to another instance if there is one.
		http.Error(w, "the hub is shutting down", http.StatusServiceUnavailable)
		return
	}
	g.serving.Add(1)
	g.mu.Unlock()
	defer g.serving.Done()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		g.log.Debug("agent websocket refused", "err", err)
		return
	}
	ws.SetReadLimit(wire.MaxMessageBytes)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	c, err := g.handshake(ctx, ws)
	if err != nil {
		g.log.Info("agent refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	c.cancel = cancel
	defer close(c.gone)
	if err := g.register(ctx, c); err != nil {
		g.log.Warn("agent connection not recorded", "agent_id", c.agentID, "err", err)
		return
	}
	defer g.unregister(c)
	if err := c.send(ctx, wire.TypeWelcome, wire.Welcome{AgentID: c.agentID,
		ComputerID: c.computerID}); err != nil {
		return
	}
	g.log.Info("agent connected", "agent_id", c.agentID, "tenant_id", c.tenantID)
	// Offer the agent its unfinished runs again, also those handed over before it
	// reconnected: it runs those it never got and reports the others.
	if err := g.scripts.Requeue(ctx, c.agentID); err != nil {
		g.log.Warn("runs not offered again", "agent_id", c.agentID, "err", err)
	}

	err = g.serve(ctx, c)
	status := websocket.CloseStatus(err)
	if err != nil && status != websocket.StatusNormalClosure &&
		status != websocket.StatusGoingAway && !errors.Is(err, context.Canceled) {
		g.log.Info("agent connection ended", "agent_id", c.agentID, "err", err)
	}
	ws.Close(websocket.StatusNormalClosure, "")
}

func (g *Gateway) handshake(ctx context.Context, ws *websocket.Conn) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()

	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("make challenge: %w", err)
	}
	nonce := base64.StdEncoding.EncodeToString(raw)
	c := &conn{ws: ws, gone: make(chan struct{})}
	if err := c.send(ctx, wire.TypeHello, wire.Hello{Nonce: nonce,
		Protocol: wire.Protocol}); err != nil {
		return nil, fmt.Errorf("send hello: %w", err)
	}
	var env wire.Envelope
	if err := wsjson.Read(ctx, ws, &env); err != nil {
		return nil, fmt.Errorf("read auth: %w", err)
	}
	var auth wire.Auth
	if env.Type != wire.TypeAuth || env.Decode(&auth) != nil {
		return nil, g.refuse(ctx, c, wire.RefusedProtocol, "expected an auth message")
	}
	if auth.Protocol != wire.Protocol {
		return nil, g.refuse(ctx, c, wire.RefusedProtocol, fmt.Sprintf(
			"this hub speaks agent protocol %d, the agent %d: update the agent",
			wire.Protocol, auth.Protocol))
	}
	a, code, err := g.agents.VerifyChallenge(ctx, auth.AgentID, nonce, auth.Signature)
	if err != nil {
		if code == "" {
			return nil, err
		}
		return nil, g.refuse(ctx, c, code, err.Error())
	}

	c.agentID, c.tenantID, c.tags, c.enrolled = a.ID, a.TenantID, a.Tags, a.EnrolledAt
	if a.ComputerID != nil {
		c.computerID = *a.ComputerID
	}
	c.version = auth.Version
	c.lastTouch = time.Now()
	return c, nil
}

func (g *Gateway) refuse(ctx context.Context, c *conn, code, reason string) error {
	_ = c.send(ctx, wire.TypeRefused, wire.Refused{Code: code, Reason: reason})
	c.ws.Close(websocket.StatusPolicyViolation, code)
	return fmt.Errorf("%s: %s", code, reason)
}

// register makes c the agent's connection here and records it as connected.
func (g *Gateway) register(ctx context.Context, c *conn) error {
	g.states.Lock()
	defer g.states.Unlock()
	g.mu.Lock()
	old := g.conns[c.agentID]
	g.conns[c.agentID] = c
	g.mu.Unlock()
	if old != nil {
		// The agent reconnected before its old connection timed out: keep the new one.
		old.cancel()
	}
	return g.agents.MarkConnected(ctx, c.agentID, g.cfg.Instance, c.version)
}

func (g *Gateway) unregister(c *conn) {
	g.states.Lock()
	defer g.states.Unlock()
	g.mu.Lock()
	current := g.conns[c.agentID] == c
	if current {
		delete(g.conns, c.agentID)
	}
	g.mu.Unlock()
	if !current {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.agents.MarkDisconnected(ctx, c.agentID, g.cfg.Instance); err != nil {
		g.log.Warn("agent disconnect not recorded", "agent_id", c.agentID, "err", err)
	}
	g.log.Info("agent disconnected", "agent_id", c.agentID)
}

func (g *Gateway) lookup(agentID string) *conn {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conns[agentID]
}

// drop closes a revoked agent's connection on this instance.
func (g *Gateway) drop(agentID string) {
	if c := g.lookup(agentID); c != nil {
		_ = c.send(context.Background(), wire.TypeRefused, wire.Refused{
			Code: wire.RefusedRevoked, Reason: "this agent was revoked"})
		c.ws.Close(websocket.StatusPolicyViolation, wire.RefusedRevoked)
		c.cancel()
	}
}

// Close ends every connection and waits until each handler has finished; agents reconnect,
// to another instance if there is one.
func (g *Gateway) Close() {
	defer g.serving.Wait()
	g.mu.Lock()
	g.closing = true
	conns := make([]*conn, 0, len(g.conns))
	for _, c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.ws.Close(websocket.StatusGoingAway, "hub shutting down")
		c.cancel()
	}
}

// serve reads the agent's messages until the connection ends.
func (g *Gateway) serve(ctx context.Context, c *conn) error {
	for {
		readCtx, cancel := context.WithTimeout(ctx, g.cfg.IdleTimeout)
		var env wire.Envelope
		err := wsjson.Read(readCtx, c.ws, &env)
		cancel()
		if err != nil {
			return err
		}
		g.touch(ctx, c)
		if err := g.handle(ctx, c, env); err != nil {
			g.log.Warn("agent message not handled", "agent_id", c.agentID,
				"type", env.Type, "err", err)
		}
	}
}

// touch records that the agent is alive, at most every 30 seconds.
func (g *Gateway) touch(ctx context.Context, c *conn) {
	c.mu.Lock()
	due := time.Since(c.lastTouch) > 30*time.Second
	if due {
		c.lastTouch = time.Now()
	}
	c.mu.Unlock()
	if due {
		if err := g.agents.Touch(ctx, c.agentID, g.cfg.Instance); err != nil {
			g.log.Warn("agent touch failed", "agent_id", c.agentID, "err", err)
		}
	}
}

func (g *Gateway) handle(ctx context.Context, c *conn, env wire.Envelope) error {
	switch env.Type {
	case wire.TypeHeartbeat:
		return nil
	case wire.TypeInventory:
		var rep wire.InventoryReport
		if err := env.Decode(&rep); err != nil {
			return err
		}
		return g.inventory(ctx, c, rep.Inventory, rep.Fingerprint)
	case wire.TypeOutput:
		var out wire.Output
		if err := env.Decode(&out); err != nil {
			return err
		}
		return g.output(ctx, c, out)
	case wire.TypeResult:
		var res wire.Result
		if err := env.Decode(&res); err != nil {
			return err
		}
		return g.result(ctx, c, res)
	default:
		g.log.Debug("unknown agent message ignored", "agent_id", c.agentID, "type", env.Type)
		return nil
	}
}

func (g *Gateway) inventory(ctx context.Context, c *conn, inv sdk.Inventory,
	fingerprint string) error {
	c.mu.Lock()
	current := c.computerID
	c.mu.Unlock()
	id, err := g.identify.Report(ctx, identify.Report{TenantID: c.tenantID,
		Pathway: identify.Pathway{LinkID: identify.NativeLink, ExternalID: c.agentID,
			FirstSeen: c.enrolled},
		ComputerID: current, Tags: c.tags, Inventory: inv, Fingerprint: fingerprint})
	if err != nil {
		return fmt.Errorf("record inventory: %w", err)
	}
	c.mu.Lock()
	c.computerID = id
	c.mu.Unlock()
	return nil
}

// requestInventory asks the agents of a computer connected here for a fresh inventory.
func (g *Gateway) requestInventory(computerID string) {
	g.mu.Lock()
	var targets []*conn
	for _, c := range g.conns {
		c.mu.Lock()
		if c.computerID == computerID {
			targets = append(targets, c)
		}
		c.mu.Unlock()
	}
	g.mu.Unlock()
	for _, c := range targets {
		if err := c.send(context.Background(), wire.TypeInventoryRequest, nil); err != nil {
			g.log.Info("inventory request not sent", "agent_id", c.agentID, "err", err)
		}
	}
}
