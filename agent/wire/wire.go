// Package wire is the protocol between Steward's agent and the hub's agent gateway. Both sides
// import it; it holds only types and constants, so the agent does not link the hub.
//
// Enrollment is one HTTPS request: the agent sends an enrollment token and the public half of
// a key pair it made; the private half never leaves the computer. Afterwards the agent keeps one
// outbound WebSocket open. Each connection starts with a challenge: the hub sends a random
// nonce, the agent signs it with its key, and the hub checks the signature against the
// enrolled public key. No bearer secret crosses the wire after enrollment.
//
// After the handshake both sides exchange JSON envelopes {"type": …, "data": …}. Script runs
// are delivered exactly once: every run has an id; the agent spools output and result on disk
// and resends them after a reconnect until the hub acknowledges the result; a run the agent
// has already seen is never started again.
package wire

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// Protocol is the version of this protocol. The hub refuses agents that speak another major
// version with a clear reason.
const Protocol = 1

// Paths on the hub.
const (
	EnrollPath  = "/agent/v1/enroll"
	ConnectPath = "/agent/v1/connect"
)

// HeartbeatInterval is how often an idle agent says it is alive. The hub counts an agent
// offline after it has missed a few.
const HeartbeatInterval = time.Minute

// MaxMessageBytes bounds one envelope; inventories of large machines fit well inside.
const MaxMessageBytes = 16 << 20

// EnrollRequest is the body of POST EnrollPath.
type EnrollRequest struct {
	Token string `json:"token"`
	// PublicKey is the agent's Ed25519 public key, standard base64.
	PublicKey string `json:"publicKey"`
	Hostname  string `json:"hostname"`
	Version   string `json:"version,omitempty"`
}

// EnrollResponse answers a successful enrollment.
type EnrollResponse struct {
	AgentID  string `json:"agentId"`
	TenantID string `json:"tenantId"`
}

// Message types.
const (
	// Hub to agent.
	TypeHello            = "hello"
	TypeWelcome          = "welcome"
	TypeRefused          = "refused"
	TypeRun              = "run"
	TypeAck              = "ack"
	TypeCancel           = "cancel"
	TypeInventoryRequest = "inventory_request"

	// Agent to hub.
	TypeAuth      = "auth"
	TypeInventory = "inventory"
	TypeHeartbeat = "heartbeat"
	TypeOutput    = "output"
	TypeResult    = "result"
)

// Envelope is one message on the connection.
type Envelope struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Encode wraps v as an envelope of type t.
func Encode(t string, v any) (Envelope, error) {
	if v == nil {
		return Envelope{Type: t}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s message: %w", t, err)
	}
	return Envelope{Type: t, Data: b}, nil
}

// Decode reads the envelope's data into v; a message without data leaves v as it is.
func (e Envelope) Decode(v any) error {
	if len(e.Data) == 0 {
		return nil
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode %s message: %w", e.Type, err)
	}
	return nil
}

// Hello opens every connection.
type Hello struct {
	// Nonce is 32 random bytes, standard base64, for the agent to sign.
	Nonce    string `json:"nonce"`
	Protocol int    `json:"protocol"`
}

// Auth answers Hello.
type Auth struct {
	AgentID string `json:"agentId"`
	// Signature is Ed25519 over SignedChallenge(AgentID, Nonce), standard base64.
	Signature string `json:"signature"`
	Protocol  int    `json:"protocol"`
	Version   string `json:"version,omitempty"`
}

// SignedChallenge is the exact byte string an agent signs. The context prefix keeps the key
// from being usable to sign anything else.
func SignedChallenge(agentID, nonce string) []byte {
	return []byte("steward-agent-auth-v1\n" + agentID + "\n" + nonce)
}

// Welcome accepts the agent.
type Welcome struct {
	AgentID    string `json:"agentId"`
	ComputerID string `json:"computerId,omitempty"`
}

// Refusal codes. Revoked and unknown are final: the agent stops trying.
const (
	RefusedRevoked   = "revoked"
	RefusedUnknown   = "unknown_agent"
	RefusedSignature = "bad_signature"
	RefusedProtocol  = "protocol"
)

// Refused ends a connection the hub will not accept.
type Refused struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// Final reports whether retrying cannot help.
func (r Refused) Final() bool {
	return r.Code == RefusedRevoked || r.Code == RefusedUnknown || r.Code == RefusedProtocol
}

// Run asks the agent to run a script. Request.ID is the run id.
type Run struct {
	Request sdk.ScriptRequest `json:"request"`
}

// Ack says the hub is done with a run's result: it stored it, or it will never store it (the
// run is unknown or not the agent's). The hub acknowledges every result it receives, so an
// agent never resends a result forever; the agent may forget the run's output.
type Ack struct {
	RunID string `json:"runId"`
}

// Cancel asks the agent to stop a run; its result then reports the cancellation.
type Cancel struct {
	RunID string `json:"runId"`
}

// InventoryReport carries the agent's inventory, sent at connect and when it changes.
type InventoryReport struct {
	Inventory   sdk.Inventory `json:"inventory"`
	Fingerprint string        `json:"fingerprint"`
}

// Output carries lines a run printed, in order. Lines may be sent again after a reconnect;
// the hub keeps one copy of each sequence number.
type Output struct {
	RunID string           `json:"runId"`
	Lines []sdk.OutputLine `json:"lines"`
}

// Result says how a run ended. It is sent again after every reconnect until acknowledged.
type Result struct {
	RunID  string           `json:"runId"`
	Result sdk.ScriptResult `json:"result"`
}
