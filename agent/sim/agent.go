package sim

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/stewardhq/steward/agent/wire"
)

// errFinal marks a refusal after which the agent stops trying.
var errFinal = errors.New("refused for good")

// Time limits of one connection.
const (
	handshakeTimeout = 30 * time.Second
	writeTimeout     = 10 * time.Second
)

// heartbeatMessage is encoded once: every heartbeat of the fleet is the same bytes.
var heartbeatMessage = []byte(`{"type":"` + wire.TypeHeartbeat + `"}`)

// agent is one simulated agent while the fleet runs.
type agent struct {
	Identity
	// conn is the open connection, nil between connections; the heartbeat scheduler and
	// closeAll read it from other goroutines.
	conn atomic.Pointer[websocket.Conn]
	// unacked holds the runs whose result the hub has not acknowledged, to send again after
	// a reconnect. Only the agent's own goroutine touches it.
	unacked map[string]*finishedRun
	// acked remembers the last runs the hub acknowledged, so a late second delivery of one
	// (queued runs are offered both at once and by the hub's poll) is not run again.
	acked     [8]string
	ackedNext int
}

func (a *agent) ack(runID string) {
	if _, ok := a.unacked[runID]; !ok {
		return
	}
	delete(a.unacked, runID)
	a.acked[a.ackedNext] = runID
	a.ackedNext = (a.ackedNext + 1) % len(a.acked)
}

func (a *agent) wasAcked(runID string) bool {
	for _, id := range a.acked {
		if id == runID {
			return true
		}
	}
	return false
}

// live keeps one agent connected until ctx ends or the hub refuses it for good.
func (s *Sim) live(ctx context.Context, a *agent, handshakes chan struct{}) {
	bo := backoff{base: s.cfg.ReconnectMin, limit: s.cfg.ReconnectMax}
	for {
		welcomed, err := s.session(ctx, a, handshakes)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errFinal) {
			s.c.refused.Add(1)
			s.cfg.Logger.Warn("agent refused for good", "agent", Hostname(a.Index), "err", err)
			return
		}
		if welcomed {
			s.c.drops.Add(1)
			bo.reset()
		} else {
			s.c.connectFailures.Add(1)
		}
		s.cfg.Logger.Debug("agent disconnected", "agent", Hostname(a.Index), "err", err)

		t := time.NewTimer(bo.next())
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// session makes one connection and serves it until it ends. welcomed says whether the hub
// accepted the agent before the connection ended.
func (s *Sim) session(ctx context.Context, a *agent, handshakes chan struct{}) (
	welcomed bool, err error) {
	select {
	case handshakes <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	ws, err := s.handshake(ctx, a)
	if err == nil {
		err = s.greet(ctx, a, ws)
	}
	<-handshakes
	if err != nil {
		if ws != nil {
			ws.CloseNow()
		}
		return false, err
	}

	a.conn.Store(ws)
	s.connectedNow()
	defer func() {
		a.conn.Store(nil)
		s.c.connected.Add(-1)
		ws.CloseNow()
	}()
	// closeAll may have looked for the connection just before it was stored.
	if ctx.Err() != nil {
		_ = ws.Close(websocket.StatusGoingAway, "simulator stopping")
		return true, ctx.Err()
	}
	return true, s.serve(a, ws)
}

// handshake dials the hub and answers its challenge.
func (s *Sim) handshake(ctx context.Context, a *agent) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.cfg.Server+wire.ConnectPath, &websocket.DialOptions{
		HTTPClient: s.cfg.HTTPClient, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, fmt.Errorf("dial hub: %w", err)
	}
	ws.SetReadLimit(wire.MaxMessageBytes)

	env, err := s.read(ctx, ws)
	if err != nil {
		return ws, fmt.Errorf("read hello: %w", err)
	}
	var hello wire.Hello
	if env.Type != wire.TypeHello || env.Decode(&hello) != nil {
		return ws, fmt.Errorf("expected hello, got %q", env.Type)
	}
	sig := ed25519.Sign(a.Key, wire.SignedChallenge(a.AgentID, hello.Nonce))
	if err := s.write(ctx, ws, wire.TypeAuth, wire.Auth{AgentID: a.AgentID,
		Signature: base64.StdEncoding.EncodeToString(sig), Protocol: wire.Protocol,
		Version: s.cfg.Version}); err != nil {
		return ws, fmt.Errorf("send auth: %w", err)
	}

	env, err = s.read(ctx, ws)
	if err != nil {
		return ws, fmt.Errorf("read welcome: %w", err)
	}
	switch env.Type {
	case wire.TypeWelcome:
		return ws, nil
	case wire.TypeRefused:
		return ws, refusal(env)
	default:
		return ws, fmt.Errorf("expected welcome, got %q", env.Type)
	}
}

// greet sends what an agent sends after every welcome: its inventory, then the output and
// results of runs the hub has not acknowledged.
func (s *Sim) greet(ctx context.Context, a *agent, ws *websocket.Conn) error {
	if err := s.sendInventory(ctx, a, ws); err != nil {
		return err
	}
	for id, r := range a.unacked {
		if err := s.report(ctx, ws, id, r); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sim) sendInventory(ctx context.Context, a *agent, ws *websocket.Conn) error {
	inv := Inventory(s.cfg.Seed, a.Index, s.cfg.Programs)
	err := s.write(ctx, ws, wire.TypeInventory, wire.InventoryReport{Inventory: inv,
		Fingerprint: fingerprint(inv)})
	if err != nil {
		return fmt.Errorf("send inventory: %w", err)
	}
	return nil
}

// serve answers the hub until the connection ends. Reads carry no deadline: closeAll ends
// them by closing the connection, and a dead hub on loopback resets the socket.
func (s *Sim) serve(a *agent, ws *websocket.Conn) error {
	ctx := context.Background()
	for {
		env, err := s.read(ctx, ws)
		if err != nil {
			return err
		}
		switch env.Type {
		case wire.TypeRun:
			var run wire.Run
			if err := env.Decode(&run); err != nil {
				return err
			}
			if err := s.run(ctx, a, ws, run.Request); err != nil {
				return err
			}
		case wire.TypeAck:
			var ack wire.Ack
			if err := env.Decode(&ack); err != nil {
				return err
			}
			a.ack(ack.RunID)
		case wire.TypeInventoryRequest:
			if err := s.sendInventory(ctx, a, ws); err != nil {
				return err
			}
		case wire.TypeRefused:
			return refusal(env)
		case wire.TypeCancel:
			// Simulated runs end as soon as they start; the result is already sent.
		}
	}
}

// refusal turns a refused message into an error, errFinal when retrying cannot help.
func refusal(env wire.Envelope) error {
	var r wire.Refused
	if err := env.Decode(&r); err != nil {
		return err
	}
	if r.Final() {
		return fmt.Errorf("%w: %s: %s", errFinal, r.Code, r.Reason)
	}
	return fmt.Errorf("refused: %s: %s", r.Code, r.Reason)
}

func (s *Sim) read(ctx context.Context, ws *websocket.Conn) (wire.Envelope, error) {
	var env wire.Envelope
	if err := wsjson.Read(ctx, ws, &env); err != nil {
		return env, err
	}
	s.c.in.Add(1)
	return env, nil
}

func (s *Sim) write(ctx context.Context, ws *websocket.Conn, typ string, v any) error {
	env, err := wire.Encode(typ, v)
	if err != nil {
		return err
	}
	b, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode %s message: %w", typ, err)
	}
	return s.writeRawCtx(ctx, ws, b)
}

func (s *Sim) writeRaw(ws *websocket.Conn, b []byte) error {
	return s.writeRawCtx(context.Background(), ws, b)
}

func (s *Sim) writeRawCtx(ctx context.Context, ws *websocket.Conn, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		return err
	}
	s.c.out.Add(1)
	return nil
}

// backoff spaces reconnections: the ceiling doubles from base to limit after each failure
// and each wait is drawn between half of it and all of it, so agents dropped together do not
// return together.
type backoff struct {
	base, limit time.Duration
	attempt     int
}

func (b *backoff) next() time.Duration {
	ceiling := b.base
	for i := 0; i < b.attempt && ceiling < b.limit; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, b.limit)
	b.attempt++
	return ceiling/2 + rand.N(ceiling/2+1)
}

func (b *backoff) reset() { b.attempt = 0 }
