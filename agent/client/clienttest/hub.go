// Package clienttest provides a hub for tests of the agent: a local HTTP server that speaks
// the agent protocol of package wire faithfully (enrollment with one-time tokens, the
// challenge with real Ed25519 verification, run, ack and cancel) and records what agents
// send, so tests can wait for it.
package clienttest

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/sdk"
)

// TenantID is the tenant every agent enrolls into.
const TenantID = "tenant-1"

// waitLimit bounds WaitFor; reaching it fails the test rather than measuring anything.
const waitLimit = 30 * time.Second

// Agent is what the hub knows about one enrolled agent.
type Agent struct {
	ID        string
	Hostname  string
	Version   string
	PublicKey ed25519.PublicKey
	Revoked   bool
}

// Hub is a fake hub. Its methods are safe for concurrent use.
type Hub struct {
	// URL is the hub's base address, http://127.0.0.1:port.
	URL string
	srv *httptest.Server

	mu      sync.Mutex
	changed chan struct{}
	autoAck bool
	down    bool
	tokens  map[string]*tokenState
	agents  map[string]*Agent
	conns   map[string]*websocket.Conn

	welcomes    map[string]int
	refusals    []string
	rejections  int
	heartbeats  int
	inventories []wire.InventoryReport
	rawLines    map[string][]sdk.OutputLine
	results     map[string][]sdk.ScriptResult
}

type tokenState struct {
	used    bool
	refusal *hubError
}

type hubError struct {
	status        int
	code, message string
}

// New starts a hub that acknowledges every result; it stops when the test ends.
func New(t testing.TB) *Hub {
	h := &Hub{
		changed:  make(chan struct{}),
		autoAck:  true,
		tokens:   map[string]*tokenState{},
		agents:   map[string]*Agent{},
		conns:    map[string]*websocket.Conn{},
		welcomes: map[string]int{},
		rawLines: map[string][]sdk.OutputLine{},
		results:  map[string][]sdk.ScriptResult{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+wire.EnrollPath, h.enroll)
	mux.HandleFunc("GET "+wire.ConnectPath, h.connect)
	h.srv = httptest.NewServer(mux)
	h.URL = h.srv.URL
	t.Cleanup(h.Close)
	return h
}

// Close drops every connection and stops the server.
func (h *Hub) Close() {
	h.mu.Lock()
	for _, c := range h.conns {
		_ = c.CloseNow()
	}
	h.mu.Unlock()
	h.srv.Close()
}

// notify wakes WaitFor; call with h.mu held.
func (h *Hub) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// SetAutoAck says whether results are acknowledged as they arrive.
func (h *Hub) SetAutoAck(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.autoAck = on
}

// SetDown makes the gateway answer 503 to new connections while on.
func (h *Hub) SetDown(down bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = down
}

// AddToken makes token valid for one enrollment.
func (h *Hub) AddToken(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tokens[token] = &tokenState{}
}

// RefuseToken makes enrollment with token fail with the given HTTP status and error body.
func (h *Hub) RefuseToken(token string, status int, code, message string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tokens[token] = &tokenState{refusal: &hubError{status, code, message}}
}

// AddAgent registers an agent with pub as if it had enrolled, and returns its id.
func (h *Hub) AddAgent(pub ed25519.PublicKey) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.addAgentLocked(&Agent{PublicKey: pub})
}

func (h *Hub) addAgentLocked(a *Agent) string {
	a.ID = uuid.NewString()
	h.agents[a.ID] = a
	h.notify()
	return a.ID
}

// Agent returns a copy of what the hub knows about agent id.
func (h *Hub) Agent(id string) (Agent, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, ok := h.agents[id]
	if !ok {
		return Agent{}, false
	}
	return *a, true
}

// Revoke revokes agent id and, if it is connected, refuses it on its connection.
func (h *Hub) Revoke(id string) {
	h.mu.Lock()
	a, conn := h.agents[id], h.conns[id]
	if a != nil {
		a.Revoked = true
	}
	h.mu.Unlock()
	if conn != nil {
		refuse(conn, wire.RefusedRevoked, "the agent was revoked")
	}
}

// Send sends a message to agent id on its current connection.
func (h *Hub) Send(ctx context.Context, id, typ string, v any) error {
	h.mu.Lock()
	conn := h.conns[id]
	h.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("send %s: agent %s not connected", typ, id)
	}
	return write(ctx, conn, typ, v)
}

// Drop cuts agent id's connection without a close handshake, as a failing network would.
func (h *Hub) Drop(id string) {
	h.mu.Lock()
	conn := h.conns[id]
	h.mu.Unlock()
	if conn != nil {
		_ = conn.CloseNow()
	}
}

// Connected reports whether agent id has a connection now.
func (h *Hub) Connected(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[id] != nil
}

// Welcomes counts the connections of agent id the hub accepted.
func (h *Hub) Welcomes(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.welcomes[id]
}

// Refusals lists the codes of the connections the hub refused, in order.
func (h *Hub) Refusals() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.refusals)
}

// Rejections counts the connections answered with 503 while the hub was down.
func (h *Hub) Rejections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rejections
}

// Heartbeats counts the heartbeats received.
func (h *Hub) Heartbeats() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.heartbeats
}

// Inventories lists the inventory reports received, in order.
func (h *Hub) Inventories() []wire.InventoryReport {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.inventories)
}

// Lines returns the output of a run as the hub keeps it: one line per sequence number,
// in order.
func (h *Hub) Lines(runID string) []sdk.OutputLine {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []sdk.OutputLine
	seen := map[int64]bool{}
	for _, l := range h.rawLines[runID] {
		if !seen[l.Seq] {
			seen[l.Seq] = true
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b sdk.OutputLine) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// Texts returns the text of Lines.
func (h *Hub) Texts(runID string) []string {
	var out []string
	for _, l := range h.Lines(runID) {
		out = append(out, l.Text)
	}
	return out
}

// Results lists every result message received for a run, repeats included.
func (h *Hub) Results(runID string) []sdk.ScriptResult {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.results[runID])
}

// WaitFor waits until cond holds, checking it after every change the hub sees, and fails
// the test if that takes unreasonably long. cond may call the hub's methods.
func (h *Hub) WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		changed := h.changed
		h.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("hub: still waiting for %s", what)
		}
	}
}

func write(ctx context.Context, conn *websocket.Conn, typ string, v any) error {
	env, err := wire.Encode(typ, v)
	if err != nil {
		return err
	}
	b, err := json.Marshal(env)
	if err != nil {
		return err
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

func read(ctx context.Context, conn *websocket.Conn) (wire.Envelope, error) {
	_, b, err := conn.Read(ctx)
	if err != nil {
		return wire.Envelope{}, err
	}
	var env wire.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return wire.Envelope{}, fmt.Errorf("decode envelope: %w", err)
	}
	return env, nil
}

func refuse(conn *websocket.Conn, code, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = write(ctx, conn, wire.TypeRefused, wire.Refused{Code: code, Reason: reason})
	_ = conn.Close(websocket.StatusPolicyViolation, code)
}

func writeError(w http.ResponseWriter, e hubError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]string{"code": e.code, "message": e.message}})
}

func (h *Hub) enroll(w http.ResponseWriter, r *http.Request) {
	var req wire.EnrollRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, hubError{http.StatusBadRequest, "invalid", "malformed request"})
		return
	}
	pub, err := base64.StdEncoding.DecodeString(req.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		writeError(w, hubError{http.StatusBadRequest, "invalid", "malformed public key"})
		return
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	tok := h.tokens[req.Token]
	switch {
	case tok == nil:
		writeError(w, hubError{http.StatusUnauthorized, "unauthorized",
			"unknown enrollment token"})
		return
	case tok.refusal != nil:
		writeError(w, *tok.refusal)
		return
	case tok.used:
		writeError(w, hubError{http.StatusUnauthorized, "unauthorized",
			"enrollment token already used"})
		return
	}
	tok.used = true
	id := h.addAgentLocked(&Agent{Hostname: req.Hostname, Version: req.Version,
		PublicKey: ed25519.PublicKey(pub)})
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(wire.EnrollResponse{AgentID: id, TenantID: TenantID})
}

func (h *Hub) connect(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	down := h.down
	h.mu.Unlock()
	if down {
		h.mu.Lock()
		h.rejections++
		h.notify()
		h.mu.Unlock()
		writeError(w, hubError{http.StatusServiceUnavailable, "internal", "the hub is down"})
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer func() { _ = conn.CloseNow() }()
	conn.SetReadLimit(wire.MaxMessageBytes)
	ctx := context.WithoutCancel(r.Context())

	id, ok := h.challenge(ctx, conn)
	if !ok {
		return
	}
	defer func() {
		h.mu.Lock()
		if h.conns[id] == conn {
			delete(h.conns, id)
			h.notify()
		}
		h.mu.Unlock()
	}()
	for {
		env, err := read(ctx, conn)
		if err != nil {
			return
		}
		// The acknowledgement goes out before the result is recorded, so a test that saw
		// the result and then sends a message knows the agent gets the ack first.
		if ack := h.ackFor(env); ack != "" {
			if write(ctx, conn, wire.TypeAck, wire.Ack{RunID: ack}) != nil {
				return
			}
		}
		h.record(env)
	}
}

// challenge runs the handshake and returns the accepted agent's id.
func (h *Hub) challenge(ctx context.Context, conn *websocket.Conn) (string, bool) {
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	nonce := base64.StdEncoding.EncodeToString(raw)
	if write(hctx, conn, wire.TypeHello, wire.Hello{Nonce: nonce,
		Protocol: wire.Protocol}) != nil {
		return "", false
	}
	env, err := read(hctx, conn)
	if err != nil || env.Type != wire.TypeAuth {
		return "", false
	}
	var auth wire.Auth
	if env.Decode(&auth) != nil {
		return "", false
	}

	h.mu.Lock()
	a := h.agents[auth.AgentID]
	var code, reason string
	sig, sigErr := base64.StdEncoding.DecodeString(auth.Signature)
	switch {
	case a == nil:
		code, reason = wire.RefusedUnknown, "no such agent"
	case a.Revoked:
		code, reason = wire.RefusedRevoked, "the agent was revoked"
	case auth.Protocol != wire.Protocol:
		code, reason = wire.RefusedProtocol, fmt.Sprintf("protocol %d not supported",
			auth.Protocol)
	case sigErr != nil || !ed25519.Verify(a.PublicKey,
		wire.SignedChallenge(auth.AgentID, nonce), sig):
		code, reason = wire.RefusedSignature, "signature does not match the enrolled key"
	}
	if code != "" {
		h.refusals = append(h.refusals, code)
		h.notify()
		h.mu.Unlock()
		refuse(conn, code, reason)
		return "", false
	}
	if old := h.conns[a.ID]; old != nil {
		_ = old.CloseNow()
	}
	h.mu.Unlock()

	if write(hctx, conn, wire.TypeWelcome, wire.Welcome{AgentID: a.ID,
		ComputerID: "computer-" + a.ID}) != nil {
		return "", false
	}
	h.mu.Lock()
	h.conns[a.ID] = conn
	h.welcomes[a.ID]++
	h.notify()
	h.mu.Unlock()
	return a.ID, true
}

// ackFor returns the run id of a result to acknowledge when autoAck is on.
func (h *Hub) ackFor(env wire.Envelope) string {
	h.mu.Lock()
	on := h.autoAck
	h.mu.Unlock()
	var m wire.Result
	if !on || env.Type != wire.TypeResult || env.Decode(&m) != nil {
		return ""
	}
	return m.RunID
}

// record keeps what an agent sent.
func (h *Hub) record(env wire.Envelope) {
	h.mu.Lock()
	defer h.mu.Unlock()
	defer h.notify()
	switch env.Type {
	case wire.TypeHeartbeat:
		h.heartbeats++
	case wire.TypeInventory:
		var m wire.InventoryReport
		if env.Decode(&m) == nil {
			h.inventories = append(h.inventories, m)
		}
	case wire.TypeOutput:
		var m wire.Output
		if env.Decode(&m) == nil {
			h.rawLines[m.RunID] = append(h.rawLines[m.RunID], m.Lines...)
		}
	case wire.TypeResult:
		var m wire.Result
		if env.Decode(&m) == nil {
			h.results[m.RunID] = append(h.results[m.RunID], m.Result)
		}
	}
}
