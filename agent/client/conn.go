package client

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/stewardhq/steward/agent/spool"
	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/agent/wire"
)

const (
	// handshakeTimeout bounds dialing and each step of the challenge.
	handshakeTimeout = 30 * time.Second
	// writeTimeout bounds one message; a hub that cannot take it in that time is gone.
	writeTimeout = 30 * time.Second
	// pingTimeout bounds the wait for the hub's pong after a heartbeat.
	pingTimeout = 30 * time.Second
)

var (
	errMalformed = errors.New("malformed message")
	errTooLarge  = errors.New("message larger than the protocol allows")
)

// agent is the state of one Client.Run.
type agent struct {
	cfg   Config
	log   *slog.Logger
	id    state.Enrollment
	url   string
	spool *spool.Spool
	// rand is the backoff's jitter source.
	rand func() float64

	// scripts counts running scripts; stopping is set when Run ends them.
	scripts  sync.WaitGroup
	stopping atomic.Bool

	mu   sync.Mutex
	jobs map[string]*job
	sess *session
	gen  uint64

	flushNow     chan struct{}
	flushSoon    chan struct{}
	inventoryNow chan struct{}
	lastPrune    time.Time
}

func newAgent(cfg Config, id state.Enrollment, url string, sp *spool.Spool) *agent {
	return &agent{
		cfg:          cfg,
		log:          cfg.Logger,
		id:           id,
		url:          url,
		spool:        sp,
		rand:         defaultRand,
		jobs:         map[string]*job{},
		flushNow:     make(chan struct{}, 1),
		flushSoon:    make(chan struct{}, 1),
		inventoryNow: make(chan struct{}, 1),
		lastPrune:    time.Now(),
	}
}

// kick wakes the goroutine waiting on ch without blocking; one pending wake is enough.
func kick(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// session is one authenticated connection.
type session struct {
	conn *websocket.Conn
	// gen numbers connections, so per-run bookkeeping can tell which one it refers to.
	gen      uint64
	lastSent atomic.Int64
}

func (s *session) idle() time.Duration {
	return time.Since(time.Unix(0, s.lastSent.Load()))
}

// send writes one envelope. A failed write closes the connection, which ends the session.
func (s *session) send(ctx context.Context, typ string, v any) error {
	env, err := wire.Encode(typ, v)
	if err != nil {
		return err
	}
	b, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode %s message: %w", typ, err)
	}
	if len(b) > wire.MaxMessageBytes {
		return fmt.Errorf("send %s: %w (%d bytes)", typ, errTooLarge, len(b))
	}

	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := s.conn.Write(wctx, websocket.MessageText, b); err != nil {
		_ = s.conn.CloseNow()
		return fmt.Errorf("send %s: %w", typ, err)
	}
	s.lastSent.Store(time.Now().UnixNano())
	return nil
}

// current returns the connected session, or nil.
func (a *agent) current() *session {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sess
}

// loop connects, serves the connection until it ends, waits, and connects again, until ctx
// ends or the hub refuses the agent for good.
func (a *agent) loop(ctx context.Context) error {
	bo := newBackoff(a.cfg.MinBackoff, a.cfg.MaxBackoff, a.rand)
	for {
		started := time.Now()
		welcomed, err := a.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var refused *RefusedError
		if errors.As(err, &refused) && refused.Final() {
			// The caller reports it: this is why the agent stops.
			return err
		}
		if welcomed && time.Since(started) > stableConnection {
			bo.reset()
		}

		wait := bo.next()
		switch {
		case refused != nil:
			a.log.Warn("the hub refused the connection", "err", err, "retry_in", wait)
		case welcomed:
			a.log.Info("disconnected from the hub", "err", err, "retry_in", wait)
		default:
			a.log.Info("cannot connect to the hub", "err", err, "retry_in", wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// session connects, authenticates and serves one connection until it ends. welcomed says
// whether the hub accepted the agent.
func (a *agent) session(ctx context.Context) (welcomed bool, err error) {
	conn, welcome, err := a.connect(ctx)
	if err != nil {
		return false, err
	}
	defer func() { _ = conn.CloseNow() }()

	a.mu.Lock()
	a.gen++
	sess := &session{conn: conn, gen: a.gen}
	sess.lastSent.Store(time.Now().UnixNano())
	a.sess = sess
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		if a.sess == sess {
			a.sess = nil
		}
		a.mu.Unlock()
	}()
	a.log.Info("connected to the hub", "server", a.id.Server, "agent", a.id.AgentID,
		"computer", welcome.ComputerID)

	// A new connection gets the inventory and everything the hub has not acknowledged.
	kick(a.inventoryNow)
	kick(a.flushNow)

	hbCtx, stopHeartbeat := context.WithCancel(ctx)
	defer stopHeartbeat()
	go a.heartbeat(hbCtx, sess)

	// Reads run on a context of their own: when ctx ends, the connection is closed politely
	// and the read then fails, instead of the library cutting it on the canceled read.
	stopClose := context.AfterFunc(ctx, func() {
		_ = conn.Close(websocket.StatusGoingAway, "agent stopping")
	})
	defer stopClose()
	return true, a.readLoop(context.WithoutCancel(ctx), sess)
}

// connect dials the hub and answers its challenge.
func (a *agent) connect(ctx context.Context) (*websocket.Conn, wire.Welcome, error) {
	hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()

	conn, resp, err := websocket.Dial(hctx, a.url,
		&websocket.DialOptions{HTTPClient: a.cfg.HTTPClient})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			body, _ := io.ReadAll(resp.Body)
			return nil, wire.Welcome{}, fmt.Errorf("connect to %s: %w", a.url,
				hubError(resp.StatusCode, body))
		}
		return nil, wire.Welcome{}, fmt.Errorf("connect to %s: %w", a.url, err)
	}
	conn.SetReadLimit(wire.MaxMessageBytes)

	welcome, err := a.handshake(hctx, conn)
	if err != nil {
		_ = conn.CloseNow()
		return nil, wire.Welcome{}, err
	}
	return conn, welcome, nil
}

func (a *agent) handshake(ctx context.Context, conn *websocket.Conn) (wire.Welcome, error) {
	env, err := readEnvelope(ctx, conn)
	if err != nil {
		return wire.Welcome{}, fmt.Errorf("read hello: %w", err)
	}
	if env.Type == wire.TypeRefused {
		return wire.Welcome{}, refusal(env)
	}
	if env.Type != wire.TypeHello {
		return wire.Welcome{}, fmt.Errorf("read hello: got %q", env.Type)
	}
	var hello wire.Hello
	if err := env.Decode(&hello); err != nil {
		return wire.Welcome{}, err
	}
	if hello.Nonce == "" {
		return wire.Welcome{}, errors.New("read hello: empty nonce")
	}

	sig := ed25519.Sign(a.id.Key, wire.SignedChallenge(a.id.AgentID, hello.Nonce))
	auth, err := wire.Encode(wire.TypeAuth, wire.Auth{
		AgentID:   a.id.AgentID,
		Signature: base64.StdEncoding.EncodeToString(sig),
		Protocol:  wire.Protocol,
		Version:   a.cfg.Version,
	})
	if err != nil {
		return wire.Welcome{}, err
	}
	b, _ := json.Marshal(auth)
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		return wire.Welcome{}, fmt.Errorf("send auth: %w", err)
	}

	env, err = readEnvelope(ctx, conn)
	if err != nil {
		return wire.Welcome{}, fmt.Errorf("read welcome: %w", err)
	}
	switch env.Type {
	case wire.TypeWelcome:
		var w wire.Welcome
		return w, env.Decode(&w)
	case wire.TypeRefused:
		return wire.Welcome{}, refusal(env)
	default:
		return wire.Welcome{}, fmt.Errorf("read welcome: got %q", env.Type)
	}
}

func refusal(env wire.Envelope) error {
	var r wire.Refused
	if err := env.Decode(&r); err != nil {
		return err
	}
	return &RefusedError{Code: r.Code, Reason: r.Reason}
}

// readEnvelope reads one message. An undecodable one is errMalformed, which the caller may
// skip; any other error means the connection is gone.
func readEnvelope(ctx context.Context, conn *websocket.Conn) (wire.Envelope, error) {
	_, b, err := conn.Read(ctx)
	if err != nil {
		return wire.Envelope{}, err
	}
	var env wire.Envelope
	if err := json.Unmarshal(b, &env); err != nil || env.Type == "" {
		return wire.Envelope{}, fmt.Errorf("%w: %.100q", errMalformed, b)
	}
	return env, nil
}

// heartbeat tells the hub the agent is alive when nothing else was sent for an interval,
// and pings it: a half-open TCP connection can take writes for many minutes before
// failing, while a missing pong shows at once.
func (a *agent) heartbeat(ctx context.Context, sess *session) {
	interval := a.cfg.HeartbeatInterval
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if idle := sess.idle(); idle < interval {
			t.Reset(interval - idle)
			continue
		}
		if err := sess.send(ctx, wire.TypeHeartbeat, nil); err != nil {
			return
		}
		a.log.Debug("sent heartbeat")
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err := sess.conn.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				a.log.Info("the hub did not answer a ping", "err", err)
			}
			_ = sess.conn.CloseNow()
			return
		}
		t.Reset(interval)
	}
}

// readLoop handles the hub's messages until the connection ends or the hub refuses the
// agent.
func (a *agent) readLoop(ctx context.Context, sess *session) error {
	for {
		env, err := readEnvelope(ctx, sess.conn)
		if errors.Is(err, errMalformed) {
			a.log.Debug("skip message", "err", err)
			continue
		}
		if err != nil {
			return err
		}
		a.log.Debug("received", "type", env.Type)
		if err := a.handle(ctx, sess, env); err != nil {
			return err
		}
	}
}

func (a *agent) handle(ctx context.Context, sess *session, env wire.Envelope) error {
	switch env.Type {
	case wire.TypeRun:
		var m wire.Run
		if err := env.Decode(&m); err != nil {
			a.log.Debug("skip message", "err", err)
			return nil
		}
		a.startRun(ctx, sess, m.Request)
	case wire.TypeAck:
		var m wire.Ack
		if err := env.Decode(&m); err != nil {
			a.log.Debug("skip message", "err", err)
			return nil
		}
		a.ack(m.RunID)
	case wire.TypeCancel:
		var m wire.Cancel
		if err := env.Decode(&m); err != nil {
			a.log.Debug("skip message", "err", err)
			return nil
		}
		a.cancel(m.RunID)
	case wire.TypeInventoryRequest:
		kick(a.inventoryNow)
	case wire.TypeRefused:
		return refusal(env)
	default:
		a.log.Debug("skip message of unknown type", "type", env.Type)
	}
	return nil
}
