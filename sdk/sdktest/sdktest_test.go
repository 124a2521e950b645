package sdktest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/sdk"
	"github.com/stewardhq/steward/sdk/internal/testbin"
)

var fakeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sdktest-")
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

func statuses(r *Report) map[string]Status {
	out := map[string]Status{}
	for _, res := range r.Results {
		out[res.Name] = res.Status
	}
	return out
}

func detail(r *Report, name string) string {
	for _, res := range r.Results {
		if res.Name == name {
			return res.Detail
		}
	}
	return ""
}

func check(t *testing.T, mode string, cfg sdk.Config) *Report {
	t.Helper()
	return Check(context.Background(), fakeBin, Options{Config: cfg,
		CallTimeout: 10 * time.Second,
		Open:        sdk.OpenConfig{Env: []string{"FAKE_CONNECTOR_MODE=" + mode}}})
}

func TestAWellBehavedConnectorPasses(t *testing.T) {
	r := Check(context.Background(), fakeBin, Options{Config: goodConfig, Agent: "a0000",
		CallTimeout: 10 * time.Second})
	require.False(t, r.Failed(), r.String())
	require.Equal(t, map[string]Status{
		"run a script":                Passed,
		"identify":                    Passed,
		"handshake":                   Passed,
		"describe: name and version":  Passed,
		"describe: protocol versions": Passed,
		"describe: declared capabilities are implemented": Passed,
		"describe: configuration fields":                  Passed,
		"describe: secrets are marked":                    Passed,
		"configure rejects missing required fields":       Passed,
		"configure with the given values":                 Passed,
		"health answers within 10s":                       Passed,
		"list clients":                                    Passed,
		"list agents":                                     Passed,
		"list client groups":                              Passed,
		"list device groups":                              Passed,
		"list directory persons":                          Passed,
		"list directory groups":                           Passed,
		"cancelled calls leave the connector responsive":  Passed,
		"kill": Passed,
	}, statuses(r))
	require.Equal(t, "1200, ids unique", detail(r, "list agents"))
	require.Contains(t, r.String(), "19 passed, 0 failed, 0 skipped")
	require.Contains(t, detail(r, "identify"), `hostname "pc-0000"`)

	unknown := Check(context.Background(), fakeBin, Options{Config: goodConfig,
		Agent: "nobody", CallTimeout: 10 * time.Second})
	require.Equal(t, Failed, statuses(unknown)["identify"], "an unknown agent is not found")

	without := check(t, "", goodConfig)
	require.False(t, without.Failed(), without.String())
	require.Equal(t, Skipped, statuses(without)["checks on an agent"])
}

func TestStdoutBeforeTheHandshakeIsExplained(t *testing.T) {
	r := check(t, "chatty", goodConfig)
	require.True(t, r.Failed())
	require.Equal(t, Failed, statuses(r)["handshake"])
	require.Contains(t, detail(r, "handshake"), "wrote to stdout before the handshake")
	require.Contains(t, detail(r, "handshake"), `"fake connector starting"`)
	require.Equal(t, Skipped, statuses(r)["remaining checks"])
}

func TestASloppyConnectorFailsTheRightChecks(t *testing.T) {
	r := check(t, "sloppy", sdk.Config{"endpoint": "https://a.test"})
	got := statuses(r)
	require.Equal(t, Failed, got["describe: name and version"])
	require.Contains(t, detail(r, "describe: name and version"), `version "1.0"`)
	require.Equal(t, Failed, got["describe: declared capabilities are implemented"])
	require.Equal(t, "capability device_groups is declared but not implemented",
		detail(r, "describe: declared capabilities are implemented"))
	require.Equal(t, Failed, got["describe: secrets are marked"])
	require.Equal(t, Failed, got["list agents"])
	require.Equal(t, `id "x" appears more than once`, detail(r, "list agents"))
	require.Equal(t, Failed, got["list device groups"])
	require.Equal(t, Passed, got["configure rejects missing required fields"])
	require.Equal(t, Passed, got["health answers within 10s"])
}

func TestABadConfigurationFailsConfigureAndHealth(t *testing.T) {
	r := check(t, "", sdk.Config{"endpoint": "not a url", "apiKey": "k"})
	got := statuses(r)
	require.Equal(t, Failed, got["configure with the given values"])
	require.Contains(t, detail(r, "configure with the given values"), "endpoint")
	require.Equal(t, Failed, got["health answers within 10s"])
}

func TestAMissingConfigurationSkipsWhatNeedsIt(t *testing.T) {
	r := check(t, "", sdk.Config{"endpoint": "https://api.test"})
	require.False(t, r.Failed(), r.String())
	got := statuses(r)
	require.Equal(t, Skipped, got["checks of a configured connector"])
	require.Contains(t, detail(r, "checks of a configured connector"), "apiKey")
	require.Equal(t, Passed, got["configure rejects missing required fields"])
	require.NotContains(t, got, "list agents")
}

func TestAHangingHealthFailsWithinTheDeadline(t *testing.T) {
	r := Check(context.Background(), fakeBin, Options{
		Config:      sdk.Config{"endpoint": "https://api.test", "apiKey": "k", "failWith": "slow"},
		CallTimeout: 500 * time.Millisecond})
	require.Equal(t, Failed, statuses(r)["health answers within 500ms"])
	require.Contains(t, detail(r, "health answers within 500ms"), "deadline exceeded")
	require.Equal(t, Failed, statuses(r)["cancelled calls leave the connector responsive"])
}

func TestCheckDescription(t *testing.T) {
	good := sdk.Description{Name: "acme-rmm", Version: "2.0.0-rc.1", ProtocolVersions: []int{1},
		Capabilities: []sdk.Capability{sdk.CapAgents},
		Implemented:  []sdk.Capability{sdk.CapAgents, sdk.CapClients},
		Fields: []sdk.ConfigField{{Name: "apiToken", Type: sdk.FieldString, Secret: true,
			Required: true, Help: "Token."}}}
	cases := []struct {
		name   string
		edit   func(d *sdk.Description)
		check  string
		detail string
	}{
		{name: "good", edit: func(*sdk.Description) {}},
		{name: "upper-case name", edit: func(d *sdk.Description) { d.Name = "Acme" },
			check: "describe: name and version", detail: `name "Acme"`},
		{name: "old protocol only", edit: func(d *sdk.Description) {
			d.ProtocolVersions = []int{0}
		}, check: "describe: protocol versions", detail: "lack the current version 1"},
		{name: "unknown capability", edit: func(d *sdk.Description) {
			d.Capabilities = append(d.Capabilities, "teleport")
		}, check: "describe: declared capabilities are implemented",
			detail: `unknown capability "teleport"`},
		{name: "bad field type", edit: func(d *sdk.Description) { d.Fields[0].Type = "blob" },
			check: "describe: configuration fields", detail: `unknown type "blob"`},
		{name: "no help", edit: func(d *sdk.Description) { d.Fields[0].Help = " " },
			check: "describe: configuration fields", detail: "has no help text"},
		{name: "duplicate field", edit: func(d *sdk.Description) {
			d.Fields = append(d.Fields, d.Fields[0])
		}, check: "describe: configuration fields", detail: "declared twice"},
		{name: "secret not marked", edit: func(d *sdk.Description) {
			d.Fields[0].Secret = false
		}, check: "describe: secrets are marked", detail: "apiToken looks like a secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := good
			d.Fields = append([]sdk.ConfigField(nil), good.Fields...)
			tc.edit(&d)
			for _, res := range checkDescription(d) {
				if res.Name == tc.check {
					require.Equal(t, Failed, res.Status)
					require.Contains(t, res.Detail, tc.detail)
				} else {
					require.Equal(t, Passed, res.Status, "%s: %s", res.Name, res.Detail)
				}
			}
		})
	}
}

// acceptAll is a connector that ignores its configuration.
type acceptAll struct{ err error }

func (a acceptAll) Configure(context.Context, sdk.Config) error { return a.err }

func TestCheckMissingRequired(t *testing.T) {
	d := sdk.Description{Fields: []sdk.ConfigField{{Name: "url", Required: true}}}
	cases := []struct {
		name   string
		c      sdk.Configurer
		status Status
		detail string
	}{
		{name: "accepts anything", c: acceptAll{}, status: Failed,
			detail: "accepted a configuration without url"},
		{name: "vague error", c: acceptAll{err: errors.New("bad config")}, status: Failed,
			detail: "does not name it"},
		{name: "not a config error", c: acceptAll{err: fmt.Errorf("url missing")},
			status: Failed, detail: "not a configuration error"},
		{name: "clear error", c: acceptAll{err: sdk.ConfigError("url", errors.New("missing"))},
			status: Passed, detail: "url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := checkMissingRequired(context.Background(), tc.c, d, sdk.Config{"url": "x"},
				time.Second)
			require.Equal(t, tc.status, res.Status)
			require.Contains(t, res.Detail, tc.detail)
		})
	}
	res := checkMissingRequired(context.Background(), acceptAll{}, sdk.Description{}, nil,
		time.Second)
	require.Equal(t, Skipped, res.Status)
}

// recorder is a TB that remembers what Run reported.
type recorder struct {
	errors []string
	logs   []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func TestRunFailsTheTestForEachFailedCheck(t *testing.T) {
	var rec recorder
	Run(&rec, fakeBin, sdk.Config{"endpoint": "https://api.test", "apiKey": "k",
		"failWith": "downstream"})
	require.Len(t, rec.errors, 7, "health and six lists: "+strings.Join(rec.errors, "\n"))
	require.Contains(t, rec.errors[0], `"health answers within`)
	require.Contains(t, rec.logs[0], "connector "+fakeBin)

	Run(t, fakeBin, goodConfig)
}
