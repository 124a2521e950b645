package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/agent/wire"
)

// Errors callers branch on.
var (
	// ErrAlreadyEnrolled: the state directory holds an enrollment and Force was not set.
	ErrAlreadyEnrolled = errors.New("this computer is already enrolled")
	// ErrUnreachable: no HTTP answer came from the hub.
	ErrUnreachable = errors.New("cannot reach the hub")
	// ErrBadServer: the server address is not an http:// or https:// URL.
	ErrBadServer = errors.New("invalid server address")
)

// HubError is an HTTP error answer from the hub.
type HubError struct {
	StatusCode int
	// Code and Message come from the hub's error body; Message is for people.
	Code    string
	Message string
}

func (e *HubError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if e.StatusCode >= 400 && e.StatusCode < 500 {
		return "the hub refused: " + msg
	}
	return fmt.Sprintf("the hub answered %d: %s", e.StatusCode, msg)
}

// hubError reads the hub's error body {"error":{"code":…,"message":…}}; a body of another
// shape (a proxy's error page) leaves Code and Message empty.
func hubError(status int, body []byte) *HubError {
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &b)
	return &HubError{StatusCode: status, Code: b.Error.Code, Message: b.Error.Message}
}

// EnrollConfig tunes Enroll. The zero value is a useful default.
type EnrollConfig struct {
	// Force replaces an existing enrollment. The spooled runs of the old identity are
	// dropped: the hub would not accept them from the new one.
	Force bool
	// Version is the agent's version, reported to the hub.
	Version string
	// Hostname names the computer to the hub; empty means the system's host name.
	Hostname string
	// HTTPClient sends the request; nil means a client with a 30 second timeout.
	HTTPClient *http.Client
}

// maxAnswerBytes bounds what is read of an HTTP answer from the hub.
const maxAnswerBytes = 1 << 20

// Enroll trades a one-time enrollment token for an agent identity: it makes a key pair,
// sends the public half and the token to the hub at server, and writes the state directory.
// Nothing is written unless the hub accepts. Errors wrap ErrBadServer, ErrAlreadyEnrolled,
// state.ErrLocked (an agent is running on stateDir), ErrUnreachable, or are a *HubError
// whose message says why the hub refused (token expired, used up or unknown).
func Enroll(ctx context.Context, server, token, stateDir string,
	cfg EnrollConfig) (state.State, error) {
	base, err := parseServer(server)
	if err != nil {
		return state.State{}, err
	}
	if strings.TrimSpace(token) == "" {
		return state.State{}, errors.New("enroll: empty enrollment token")
	}

	// The lock keeps a running agent from using a state directory that changes under it.
	lock, err := state.Acquire(stateDir)
	if errors.Is(err, state.ErrLocked) {
		return state.State{}, fmt.Errorf("enroll: %w; stop the agent first", err)
	}
	if err != nil {
		return state.State{}, fmt.Errorf("enroll: %w", err)
	}
	defer func() { _ = lock.Release() }()

	old, err := state.Read(stateDir)
	switch {
	case err == nil && !cfg.Force:
		return state.State{}, fmt.Errorf("%w as agent %s of %s; enroll with --force to replace it",
			ErrAlreadyEnrolled, old.AgentID, old.Server)
	case err != nil && !errors.Is(err, state.ErrNotEnrolled) && !cfg.Force:
		return state.State{}, err
	}

	key, err := state.GenerateKey()
	if err != nil {
		return state.State{}, err
	}
	hostname := cfg.Hostname
	if hostname == "" {
		hostname, _ = os.Hostname()
		hostname, _, _ = strings.Cut(hostname, ".")
	}
	req := wire.EnrollRequest{
		Token:     token,
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Hostname:  hostname,
		Version:   cfg.Version,
	}
	resp, err := postEnroll(ctx, cfg.HTTPClient, base, req)
	if err != nil {
		return state.State{}, fmt.Errorf("enroll with %s: %w", base, err)
	}

	st := state.State{Server: base, AgentID: resp.AgentID, TenantID: resp.TenantID,
		EnrolledAt: time.Now().UTC().Truncate(time.Second)}
	if err := state.Save(stateDir, st, key); err != nil {
		return state.State{}, fmt.Errorf("enroll: %w", err)
	}
	if err := os.RemoveAll(filepath.Join(stateDir, SpoolDir)); err != nil {
		return st, fmt.Errorf("enroll: drop the old identity's runs: %w", err)
	}
	return st, nil
}

func postEnroll(ctx context.Context, hc *http.Client, base string,
	body wire.EnrollRequest) (wire.EnrollResponse, error) {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return wire.EnrollResponse{}, fmt.Errorf("encode enrollment: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+wire.EnrollPath,
		bytes.NewReader(b))
	if err != nil {
		return wire.EnrollResponse{}, fmt.Errorf("build enrollment request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")

	resp, err := hc.Do(req)
	if err != nil {
		return wire.EnrollResponse{}, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return wire.EnrollResponse{}, fmt.Errorf("read enrollment answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return wire.EnrollResponse{}, hubError(resp.StatusCode, answer)
	}

	var out wire.EnrollResponse
	if err := json.Unmarshal(answer, &out); err != nil {
		return wire.EnrollResponse{}, fmt.Errorf("decode enrollment answer: %w", err)
	}
	if out.AgentID == "" {
		return wire.EnrollResponse{}, errors.New("decode enrollment answer: no agent id")
	}
	return out, nil
}

// parseServer checks a hub address and returns it without a trailing slash. A path is kept,
// for hubs served below a prefix.
func parseServer(server string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w %q: want http://host or https://host", ErrBadServer, server)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w %q: no query, fragment or user allowed", ErrBadServer, server)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// connectURL is the WebSocket address of the hub's gateway: ws:// for an http:// hub and
// wss:// for an https:// one.
func connectURL(server string) (string, error) {
	base, err := parseServer(server)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(base + wire.ConnectPath)
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	return u.String(), nil
}
