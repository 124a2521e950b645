// Command fakeconnector is a connector for the SDK's own tests: it declares every capability
// and answers from memory. FAKE_CONNECTOR_MODE makes it misbehave on purpose: "chatty" prints
// to stdout before the handshake, "sloppy" breaks the conformance rules, "mute" never
// handshakes, "crash" exits at once. The failWith field makes its calls return a chosen error,
// or with "hangonce:PATH" makes the first call hang.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/sdk"
)

func main() {
	switch os.Getenv("FAKE_CONNECTOR_MODE") {
	case "chatty":
		fmt.Println("fake connector starting")
		sdk.Serve(&full{core: &core{}})
	case "sloppy":
		sdk.Serve(&sloppy{core: &core{}})
	case "mute":
		time.Sleep(time.Hour)
	case "crash":
		fmt.Fprintln(os.Stderr, "cannot read the licence file")
		os.Exit(3)
	default:
		sdk.Serve(&full{core: &core{}})
	}
}

// core holds the configuration and answers Configure and Health.
type core struct {
	mu  sync.Mutex
	cfg sdk.Config
}

func (c *core) Configure(_ context.Context, cfg sdk.Config) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cfg = cfg
	sdk.Logger().Info("configured", "endpoint", cfg.String("endpoint"))
	return nil
}

func (c *core) Health(ctx context.Context) (sdk.HealthStatus, error) {
	if err := c.fail(ctx); err != nil {
		return sdk.HealthStatus{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg == nil {
		return sdk.HealthStatus{}, sdk.ConfigError("", errors.New("not configured"))
	}
	return sdk.HealthStatus{Message: "ok at " + c.cfg.String("endpoint")}, nil
}

// fail returns the error the failWith field asks for.
func (c *core) fail(ctx context.Context) error {
	c.mu.Lock()
	mode := c.cfg.String("failWith")
	c.mu.Unlock()
	if marker, ok := strings.CutPrefix(mode, "hangonce:"); ok {
		// The first call in any process hangs after creating the marker, so a test can kill
		// the process mid-call; calls after a restart find the marker and answer.
		if _, err := os.Stat(marker); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(marker, nil, 0o600); err != nil {
				return err
			}
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	switch mode {
	case "downstream":
		return sdk.Downstream(errors.New("upstream answered 502"))
	case "retryable":
		return sdk.Retryable(errors.New("rate limited"))
	case "unauthorized":
		return sdk.Unauthorized(fmt.Errorf("list devices: %w", errors.New("api key rejected")))
	case "plugin":
		return errors.New("nil map in the cache")
	case "notfound":
		return sdk.NotFound(errors.New("tenant gone"))
	case "panic":
		panic("boom")
	case "slow":
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

var fields = []sdk.ConfigField{
	{Name: "endpoint", Type: sdk.FieldURL, Required: true, Help: "The API's base URL."},
	{Name: "apiKey", Type: sdk.FieldString, Required: true, Secret: true,
		Help: "An API key with read access."},
	{Name: "region", Type: sdk.FieldString, Default: "eu", Help: "The data region."},
	{Name: "failWith", Type: sdk.FieldString,
		Help: "Test only: the error every call returns."},
}

// full implements every capability.
type full struct{ *core }

func (f *full) Describe(context.Context) (sdk.Description, error) {
	return sdk.Description{Name: "fake", DisplayName: "Fake", Vendor: "Steward tests",
		Version: "1.2.3", Capabilities: sdk.AllCapabilities(), Fields: fields}, nil
}

func (f *full) Clients(ctx context.Context) ([]sdk.Client, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return []sdk.Client{{ID: "c1", Name: "Contoso"}, {ID: "c2", Name: "Fabrikam"}}, nil
}

// agentCount is over one streamed batch, so lists cross the wire in several messages.
const agentCount = 1200

func (f *full) Agents(ctx context.Context) ([]sdk.Agent, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	seen := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	out := make([]sdk.Agent, agentCount)
	for i := range out {
		out[i] = sdk.Agent{ID: fmt.Sprintf("a%04d", i), ClientID: []string{"c1", "c2"}[i%2],
			Name: fmt.Sprintf("pc-%04d", i), Serial: fmt.Sprintf("SN%04d", i),
			Manufacturer: "Acme", OS: "Debian GNU/Linux", OSVersion: "12", Online: i%3 == 0,
			HardwareUUID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), LastSeen: seen}
		if i%10 == 6 {
			// Some systems know no hardware UUID; the hub then asks Identify.
			out[i].HardwareUUID = ""
		}
	}
	return out, nil
}

func (f *full) Identify(ctx context.Context, agentID string) (sdk.IdentityFacts, error) {
	if err := f.fail(ctx); err != nil {
		return sdk.IdentityFacts{}, err
	}
	if !strings.HasPrefix(agentID, "a") {
		return sdk.IdentityFacts{}, sdk.NotFound(fmt.Errorf("agent %q", agentID))
	}
	installed := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return sdk.IdentityFacts{Hostname: "pc-" + agentID[1:], OSInstallID: "mid-" + agentID,
		OSInstallDate: &installed}, nil
}

// RunScript prints each body line ("err:" lines to stderr), then the params, and exits with
// the "exit" param. A body of "sleep" waits for the timeout or cancellation.
func (f *full) RunScript(ctx context.Context, agentID string, req sdk.ScriptRequest,
	out sdk.OutputFunc) (sdk.ScriptResult, error) {
	if err := f.fail(ctx); err != nil {
		return sdk.ScriptResult{}, err
	}
	res := sdk.ScriptResult{StartedAt: time.Now()}
	if strings.TrimSpace(req.Body) == "sleep" {
		timer := time.NewTimer(req.Timeout)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return sdk.ScriptResult{}, ctx.Err()
		case <-timer.C:
			res.TimedOut, res.ExitCode, res.FinishedAt = true, -1, time.Now()
			return res, nil
		}
	}
	for _, line := range strings.Split(req.Body, "\n") {
		if rest, ok := strings.CutPrefix(line, "err:"); ok {
			out(sdk.OutputLine{Stream: sdk.StreamStderr, Text: rest})
			continue
		}
		out(sdk.OutputLine{Text: line})
	}
	names := make([]string, 0, len(req.Params))
	for k := range req.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		out(sdk.OutputLine{Text: k + "=" + req.Params[k]})
	}
	res.ExitCode, _ = strconv.Atoi(req.Params["exit"])
	res.FinishedAt = time.Now()
	return res, nil
}

func (f *full) ClientGroups(ctx context.Context) ([]sdk.ClientGroup, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []sdk.ClientGroup{{ID: "g-gold", Name: "Gold", Members: []sdk.ClientGroupMember{
		{ClientID: "c1", ValidFrom: from},
		{ClientID: "c2", ValidFrom: from, ValidTo: from.AddDate(1, 0, 0)},
	}}}, nil
}

func (f *full) DeviceGroups(ctx context.Context) ([]sdk.DeviceGroup, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return []sdk.DeviceGroup{{ID: "d-servers", Name: "Servers", ClientID: "c1",
		AgentIDs: []string{"a0000", "a0002"}}}, nil
}

func (f *full) Persons(ctx context.Context) ([]sdk.Person, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return []sdk.Person{
		{ID: "p1", ClientID: "c1", UPN: "ann@contoso.test", Email: "ann@contoso.test"},
		{ID: "p2", ClientID: "c1", UPN: "bob@contoso.test", Disabled: true},
	}, nil
}

func (f *full) Groups(ctx context.Context) ([]sdk.Group, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return []sdk.Group{{ID: "grp1", ClientID: "c1", Name: "Finance"}}, nil
}

func (f *full) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	if groupID != "grp1" {
		return nil, sdk.NotFound(fmt.Errorf("group %q", groupID))
	}
	return []string{"p1", "p2"}, nil
}

func (f *full) OpenRemoteSession(ctx context.Context,
	req sdk.RemoteSessionRequest) (sdk.RemoteSession, error) {
	if err := f.fail(ctx); err != nil {
		return sdk.RemoteSession{}, err
	}
	return sdk.RemoteSession{URL: "https://remote.test/s/" + req.AgentID + "?by=" +
		req.Technician, ExpiresAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}, nil
}

func (f *full) IssueInstallToken(ctx context.Context, clientID string) (sdk.InstallToken,
	error) {
	if err := f.fail(ctx); err != nil {
		return sdk.InstallToken{}, err
	}
	return sdk.InstallToken{Token: "tok-" + clientID}, nil
}

func (f *full) HandleWebhook(ctx context.Context,
	req sdk.WebhookRequest) (sdk.WebhookResponse, error) {
	if err := f.fail(ctx); err != nil {
		return sdk.WebhookResponse{}, err
	}
	h := req.Header.Clone()
	h.Set("X-Echo", req.Method+" "+req.Path+"?"+req.Query)
	return sdk.WebhookResponse{Status: 202, Header: h, Body: req.Body}, nil
}

// sloppy breaks the conformance rules: no semantic version, a secret not marked, a declared
// capability without code, duplicate agent ids.
type sloppy struct{ *core }

func (s *sloppy) Describe(context.Context) (sdk.Description, error) {
	return sdk.Description{Name: "sloppy", Version: "1.0",
		Capabilities: []sdk.Capability{sdk.CapAgents, sdk.CapDeviceGroups},
		Fields: []sdk.ConfigField{
			{Name: "endpoint", Type: sdk.FieldURL, Required: true, Help: "The API's URL."},
			{Name: "password", Type: sdk.FieldString, Help: "The API password."},
		}}, nil
}

func (s *sloppy) Agents(context.Context) ([]sdk.Agent, error) {
	return []sdk.Agent{{ID: "x", Name: "one"}, {ID: "x", Name: "two"}}, nil
}
