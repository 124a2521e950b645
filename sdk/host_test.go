package sdk_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
	"github.com/stewardhq/steward/sdk/internal/testbin"
)

// fakeBin is the test connector, built once for the package's tests.
var fakeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sdk-test-")
	if err != nil {
		panic(err)
	}
	fakeBin, err = testbin.Build(dir, testbin.FakeConnector)
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var goodConfig = sdk.Config{"endpoint": "https://api.test", "apiKey": "k"}

// open starts the fake connector in mode and kills it when the test ends.
func open(t *testing.T, mode string, cfg sdk.OpenConfig) *sdk.Plugin {
	t.Helper()
	cfg.Env = append(cfg.Env, "FAKE_CONNECTOR_MODE="+mode)
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	p, err := sdk.Open(context.Background(), fakeBin, cfg)
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	return p
}

func configured(t *testing.T, failWith string) *sdk.Plugin {
	t.Helper()
	p := open(t, "", sdk.OpenConfig{})
	cfg := sdk.Config{"endpoint": "https://api.test", "apiKey": "k", "failWith": failWith}
	require.NoError(t, p.Configure(context.Background(), cfg))
	return p
}

func TestOpenNegotiatesAndDescribes(t *testing.T) {
	p := open(t, "", sdk.OpenConfig{})

	require.Equal(t, sdk.ProtocolVersion, p.ProtocolVersion())
	d := p.Description()
	require.Equal(t, "fake", d.Name)
	require.Equal(t, "1.2.3", d.Version)
	require.Equal(t, []int{1}, d.ProtocolVersions)
	require.Equal(t, sdk.AllCapabilities(), d.Capabilities)
	require.Equal(t, sdk.AllCapabilities(), d.Implemented)
	require.Len(t, d.Fields, 4)
	require.Equal(t, sdk.ConfigField{Name: "apiKey", Type: sdk.FieldString, Required: true,
		Secret: true, Help: "An API key with read access."}, d.Fields[1])
	require.True(t, p.Has(sdk.CapWebhook))
}

func TestConfigureChecksValuesAgainstTheFields(t *testing.T) {
	p := open(t, "", sdk.OpenConfig{})
	ctx := context.Background()
	cases := []struct {
		name    string
		cfg     sdk.Config
		field   string
		mention []string
	}{
		{name: "everything missing", cfg: sdk.Config{}, field: "endpoint",
			mention: []string{"endpoint: required but missing", "apiKey: required"}},
		{name: "blank counts as missing", cfg: sdk.Config{"endpoint": " ", "apiKey": "k"},
			field: "endpoint", mention: []string{"endpoint: required but missing"}},
		{name: "not a URL", cfg: sdk.Config{"endpoint": "api.test", "apiKey": "k"},
			field: "endpoint", mention: []string{"not an absolute URL"}},
		{name: "unknown key", cfg: sdk.Config{"endpoint": "https://a.test", "apiKey": "k",
			"apikey": "typo"}, field: "apikey", mention: []string{"not a field"}},
		{name: "valid", cfg: goodConfig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Configure(ctx, tc.cfg)
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.True(t, sdk.IsConfigError(err), "%v", err)
			var e *sdk.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.field, e.Field)
			for _, m := range tc.mention {
				require.Contains(t, err.Error(), m)
			}
		})
	}
}

func TestEveryCapabilityCrossesTheProcess(t *testing.T) {
	p := configured(t, "")
	ctx := context.Background()

	h, err := p.Health(ctx)
	require.NoError(t, err)
	require.Equal(t, "ok at https://api.test", h.Message)

	clients, err := p.Clients(ctx)
	require.NoError(t, err)
	require.Equal(t, []sdk.Client{{ID: "c1", Name: "Contoso"}, {ID: "c2", Name: "Fabrikam"}},
		clients)

	agents, err := p.Agents(ctx)
	require.NoError(t, err)
	require.Len(t, agents, 1200, "several batches arrive whole")
	require.Equal(t, sdk.Agent{ID: "a1199", ClientID: "c2", Name: "pc-1199", Serial: "SN1199",
		Manufacturer: "Acme", OS: "Debian GNU/Linux", OSVersion: "12", Online: false,
		HardwareUUID: "00000000-0000-0000-0000-000000001199",
		LastSeen:     time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}, agents[1199])

	facts, err := p.Identify(ctx, "a0007")
	require.NoError(t, err)
	require.Equal(t, "pc-0007", facts.Hostname)
	require.Equal(t, "mid-a0007", facts.OSInstallID)
	require.Equal(t, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), *facts.OSInstallDate)

	groups, err := p.ClientGroups(ctx)
	require.NoError(t, err)
	require.Len(t, groups, 1)
	require.True(t, groups[0].Members[0].ValidTo.IsZero(), "an open end stays open")
	require.Equal(t, 2027, groups[0].Members[1].ValidTo.Year())

	dgroups, err := p.DeviceGroups(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"a0000", "a0002"}, dgroups[0].AgentIDs)

	persons, err := p.Persons(ctx)
	require.NoError(t, err)
	require.Equal(t, "ann@contoso.test", persons[0].UPN)
	require.True(t, persons[1].Disabled)
	dirGroups, err := p.Groups(ctx)
	require.NoError(t, err)
	require.Equal(t, "Finance", dirGroups[0].Name)
	members, err := p.GroupMembers(ctx, "grp1")
	require.NoError(t, err)
	require.Equal(t, []string{"p1", "p2"}, members)

	rs, err := p.OpenRemoteSession(ctx, sdk.RemoteSessionRequest{AgentID: "a0001",
		Technician: "tech@msp.test"})
	require.NoError(t, err)
	require.Equal(t, "https://remote.test/s/a0001?by=tech@msp.test", rs.URL)

	tok, err := p.IssueInstallToken(ctx, "c2")
	require.NoError(t, err)
	require.Equal(t, "tok-c2", tok.Token)

	resp, err := p.HandleWebhook(ctx, sdk.WebhookRequest{Method: "POST", Path: "/alerts",
		Query: "a=1", Header: http.Header{"Content-Type": {"application/json"}},
		Body: []byte(`{"x":1}`)})
	require.NoError(t, err)
	require.Equal(t, 202, resp.Status)
	require.Equal(t, "POST /alerts?a=1", resp.Header.Get("X-Echo"))
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, `{"x":1}`, string(resp.Body))
}

func TestRunScriptStreamsLinesThenTheResult(t *testing.T) {
	p := configured(t, "")
	ctx := context.Background()

	var lines []sdk.OutputLine
	res, err := p.RunScript(ctx, "a0001", sdk.ScriptRequest{ID: "r1",
		Language: sdk.LanguageSh, Body: "hello\nerr:oops\nbye",
		Params: map[string]string{"exit": "3", "Greeting": "hi there"}, Timeout: time.Minute},
		func(l sdk.OutputLine) { lines = append(lines, l) })
	require.NoError(t, err)
	require.Equal(t, 3, res.ExitCode)
	require.False(t, res.TimedOut)

	var got []string
	for i, l := range lines {
		require.Equal(t, int64(i+1), l.Seq, "the SDK numbers lines in order")
		require.False(t, l.Time.IsZero())
		got = append(got, l.Stream+":"+l.Text)
	}
	require.Equal(t, []string{"stdout:hello", "stderr:oops", "stdout:bye",
		"stdout:Greeting=hi there", "stdout:exit=3"}, got)

	t.Run("timeout", func(t *testing.T) {
		res, err := p.RunScript(ctx, "a0001", sdk.ScriptRequest{ID: "r2", Body: "sleep",
			Timeout: 50 * time.Millisecond}, nil)
		require.NoError(t, err)
		require.True(t, res.TimedOut)
	})

	t.Run("cancelled by the hub", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := p.RunScript(cctx, "a0001", sdk.ScriptRequest{ID: "r3", Body: "sleep",
			Timeout: time.Hour}, nil)
		require.ErrorIs(t, err, context.Canceled)

		// The connector saw the cancellation too and is free for the next call.
		_, err = p.Health(ctx)
		require.NoError(t, err)
	})
}

func TestErrorsSayWhoFailedAcrossTheProcess(t *testing.T) {
	cases := []struct {
		failWith     string
		kind         sdk.Kind
		retryable    bool
		unauthorized bool
		text         string
	}{
		{failWith: "downstream", kind: sdk.KindDownstream, text: "upstream answered 502"},
		{failWith: "retryable", kind: sdk.KindDownstream, retryable: true, text: "rate limited"},
		{failWith: "unauthorized", kind: sdk.KindDownstream, unauthorized: true,
			text: "list devices: api key rejected"},
		{failWith: "plugin", kind: sdk.KindPlugin, text: "nil map in the cache"},
		{failWith: "notfound", kind: sdk.KindNotFound, text: "tenant gone"},
		{failWith: "panic", kind: sdk.KindPlugin, text: "panic in"},
	}
	for _, tc := range cases {
		t.Run(tc.failWith, func(t *testing.T) {
			p := configured(t, tc.failWith)
			ctx := context.Background()

			_, err := p.Clients(ctx)
			require.Error(t, err)
			require.Equal(t, tc.kind, sdk.KindOf(err), "%v", err)
			require.Equal(t, tc.retryable, sdk.IsRetryable(err))
			require.Equal(t, tc.unauthorized, sdk.IsUnauthorized(err))
			require.Contains(t, err.Error(), tc.text)
			require.True(t, strings.HasPrefix(err.Error(), "list clients: "), err.Error())

			// The same error through a stream and through a unary call.
			_, err = p.RunScript(ctx, "a1", sdk.ScriptRequest{}, nil)
			require.Equal(t, tc.kind, sdk.KindOf(err))
			_, err = p.IssueInstallToken(ctx, "c1")
			require.Equal(t, tc.kind, sdk.KindOf(err))

			// A failing call, even a panic, leaves the process serving.
			require.NoError(t, p.Configure(ctx, goodConfig))
			_, err = p.Health(ctx)
			require.NoError(t, err)
		})
	}
}

func TestDeadlinesReachTheConnector(t *testing.T) {
	p := configured(t, "slow")

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := p.Agents(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, p.Configure(context.Background(), goodConfig))
	agents, err := p.Agents(context.Background())
	require.NoError(t, err)
	require.Len(t, agents, 1200)
}

func TestOnlyDeclaredCapabilitiesAreUsable(t *testing.T) {
	p := open(t, "sloppy", sdk.OpenConfig{})
	ctx := context.Background()
	require.NoError(t, p.Configure(ctx, sdk.Config{"endpoint": "https://a.test"}))

	_, err := p.Clients(ctx)
	require.ErrorIs(t, err, sdk.ErrNotDeclared)
	require.Contains(t, err.Error(), "connector sloppy does not declare capability clients")

	_, err = p.DeviceGroups(ctx)
	require.True(t, sdk.IsPluginFault(err), "declared without code: %v", err)
	require.Contains(t, err.Error(), "does not implement capability device_groups")

	require.Equal(t, []sdk.Capability{sdk.CapAgents}, p.Description().Implemented)
}

func TestStartFailuresAreExplained(t *testing.T) {
	sum := sha256.New()
	data, err := os.ReadFile(fakeBin)
	require.NoError(t, err)
	sum.Write(data)
	good := hex.EncodeToString(sum.Sum(nil))

	cases := []struct {
		name    string
		mode    string
		cfg     sdk.OpenConfig
		is      []error
		mention string
	}{
		{name: "stdout before the handshake", mode: "chatty",
			is:      []error{sdk.ErrHandshake, sdk.ErrStdoutBeforeHandshake},
			mention: `"fake connector starting"`},
		{name: "no handshake in time", mode: "mute",
			cfg: sdk.OpenConfig{StartTimeout: time.Second},
			is:  []error{sdk.ErrHandshake}, mention: "does main call sdk.Serve"},
		{name: "exits at once", mode: "crash", is: []error{sdk.ErrHandshake},
			mention: "cannot read the licence file"},
		{name: "checksum mismatch", cfg: sdk.OpenConfig{SHA256: strings.Repeat("0", 64)},
			is: []error{sdk.ErrChecksum}},
		{name: "malformed checksum", cfg: sdk.OpenConfig{SHA256: "abc"},
			mention: "not a hex SHA-256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Env = []string{"FAKE_CONNECTOR_MODE=" + tc.mode}
			tc.cfg.Logger = hclog.NewNullLogger()
			p, err := sdk.Open(context.Background(), fakeBin, tc.cfg)
			require.Error(t, err)
			require.Nil(t, p)
			for _, target := range tc.is {
				require.ErrorIs(t, err, target)
			}
			require.Contains(t, err.Error(), tc.mention)
		})
	}

	t.Run("matching checksum", func(t *testing.T) {
		p := open(t, "", sdk.OpenConfig{SHA256: good})
		require.Equal(t, "fake", p.Description().Name)
	})
}

func TestKillEndsTheProcess(t *testing.T) {
	p := configured(t, "")
	p.Kill()
	require.True(t, p.Exited())

	_, err := p.Health(context.Background())
	require.True(t, sdk.IsPluginFault(err), "%v", err)
}

func TestConnectorStartedByHandSaysWhatItIs(t *testing.T) {
	cmd := exec.Command(fakeBin)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 1, exit.ExitCode())
	require.Contains(t, string(out), "This program is a Steward connector")
	require.Contains(t, string(out), "steward plugin check")
}

func TestConnectorLogsReachTheHostLogger(t *testing.T) {
	var buf syncBuffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Info})
	p := open(t, "", sdk.OpenConfig{Logger: log})
	require.NoError(t, p.Configure(context.Background(), goodConfig))

	// Log lines travel over stderr, apart from the call that wrote them.
	require.Eventually(t, func() bool { return strings.Contains(buf.String(), "configured") },
		10*time.Second, 20*time.Millisecond)
	require.Contains(t, buf.String(), "endpoint=https://api.test")
	require.NotContains(t, buf.String(), "apiKey")
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
