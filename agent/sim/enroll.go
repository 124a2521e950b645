package sim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/agent/wire"
)

// enrollAttempts bounds the tries of one enrollment; only answers that may change on a
// retry (no answer, 5xx, 429) are tried again.
const enrollAttempts = 3

// maxAnswerBytes bounds what is read of one HTTP answer.
const maxAnswerBytes = 1 << 20

// HubError is an HTTP error answer from the hub.
type HubError struct {
	StatusCode int
	// Code and Message come from the hub's error body {"error":{"code","message"}}.
	Code    string
	Message string
}

func (e *HubError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("hub answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("hub answered %d: %s", e.StatusCode, e.Message)
}

func (e *HubError) retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests
}

// Enroll enrolls, with token, every agent of the fleet that has no identity yet, at most
// Config.EnrollParallelism at a time, each with a key pair of its own. When the hub refuses
// the token it stops and returns ErrEnrollRefused; otherwise it enrolls all it can and
// reports how many failed.
func (s *Sim) Enroll(ctx context.Context, token string) error {
	var todo []int
	s.mu.Lock()
	for _, id := range s.ids[:s.cfg.Agents] {
		if id.AgentID == "" {
			todo = append(todo, id.Index)
		}
	}
	s.mu.Unlock()

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	work := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failed   int
		firstErr error
	)
	for range min(s.cfg.EnrollParallelism, len(todo)) {
		wg.Go(func() {
			for i := range work {
				err := s.enrollOne(ctx, token, i)
				if err == nil {
					continue
				}
				s.c.enrollFailures.Add(1)
				mu.Lock()
				failed++
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				if errors.Is(err, ErrEnrollRefused) {
					stop(err)
				}
			}
		})
	}
feed:
	for _, i := range todo {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()

	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrEnrollRefused):
		return cause
	case cause != nil:
		return fmt.Errorf("enroll agents: %w", cause)
	case failed > 0:
		return fmt.Errorf("%d of %d agents did not enroll: %w", failed, len(todo), firstErr)
	}
	return nil
}

// enrollOne enrolls agent i.
func (s *Sim) enrollOne(ctx context.Context, token string, i int) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("make agent key: %w", err)
	}
	req := wire.EnrollRequest{Token: token, Hostname: Hostname(i), Version: s.cfg.Version,
		PublicKey: base64.StdEncoding.EncodeToString(pub)}

	var resp wire.EnrollResponse
	for attempt := 1; ; attempt++ {
		err = call(ctx, s.cfg.HTTPClient, http.MethodPost, s.cfg.Server+wire.EnrollPath, "",
			req, &resp)
		var he *HubError
		switch {
		case err == nil:
			s.mu.Lock()
			s.ids[i] = Identity{Index: i, AgentID: resp.AgentID, TenantID: resp.TenantID,
				Key: priv}
			s.mu.Unlock()
			return nil
		case errors.As(err, &he) && !he.retryable():
			return fmt.Errorf("enroll %s: %w: %w", Hostname(i), ErrEnrollRefused, err)
		case attempt == enrollAttempts || ctx.Err() != nil:
			return fmt.Errorf("enroll %s: %w", Hostname(i), err)
		}
		t := time.NewTimer(time.Duration(attempt) * time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// call sends body (nil for none) as JSON and decodes the answer into out (nil to drop it).
// apiToken, when set, authenticates the call as the REST API expects.
func call(ctx context.Context, hc *http.Client, method, url, apiToken string,
	body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return fmt.Errorf("make request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if apiToken != "" {
		req.Header.Set("Authorization", "Bearer "+apiToken)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		return &HubError{StatusCode: resp.StatusCode, Code: e.Error.Code,
			Message: e.Error.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// TokenRequest describes the enrollment token CreateEnrollmentToken makes.
type TokenRequest struct {
	// TenantID is the tenant the agents join; empty means the MSP's own tenant, the first
	// one the hub lists.
	TenantID string
	// Name labels the token in the hub. Default "agent simulator".
	Name string
	// TTL is how long the token may be used. Default one day.
	TTL time.Duration
}

// CreateEnrollmentToken asks the hub at server for an enrollment token without a use limit,
// authenticated by an API token, and returns the token's secret.
func CreateEnrollmentToken(ctx context.Context, hc *http.Client, server, apiToken string,
	in TokenRequest) (string, error) {
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	api := strings.TrimRight(server, "/") + "/api/v1"
	if in.TenantID == "" {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := call(ctx, hc, http.MethodGet, api+"/tenants", apiToken, nil,
			&page); err != nil {
			return "", fmt.Errorf("list tenants: %w", err)
		}
		if len(page.Items) == 0 {
			return "", errors.New("list tenants: the hub lists none")
		}
		in.TenantID = page.Items[0].ID
	}
	if in.Name == "" {
		in.Name = "agent simulator"
	}
	if in.TTL <= 0 {
		in.TTL = 24 * time.Hour
	}

	var tok struct {
		Token string `json:"token"`
	}
	body := map[string]any{"name": in.Name, "expiresInSeconds": int(in.TTL / time.Second)}
	if err := call(ctx, hc, http.MethodPost, api+"/tenants/"+in.TenantID+"/enrollment-tokens",
		apiToken, body, &tok); err != nil {
		return "", fmt.Errorf("create enrollment token: %w", err)
	}
	return tok.Token, nil
}
