package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// inventory is a small connector: it lists the computers of a fixed list.
type inventory struct {
	sdk.DescribeFunc
	sdk.HealthFunc
	sdk.AgentsFunc
	region string
}

func (c *inventory) Configure(_ context.Context, cfg sdk.Config) error {
	c.region = cfg.String("region")
	return nil
}

// A connector's main builds its connector value and hands it to Serve, which runs until the
// hub ends the process. Nothing may be printed to standard output: the handshake uses it.
func ExampleServe() {
	c := &inventory{
		DescribeFunc: func(context.Context) (sdk.Description, error) {
			return sdk.Description{Name: "inventory", Version: "0.1.0",
				Capabilities: []sdk.Capability{sdk.CapAgents},
				Fields: []sdk.ConfigField{{Name: "region", Type: sdk.FieldString,
					Required: true, Help: "Which data centre to list."}}}, nil
		},
		HealthFunc: func(context.Context) (sdk.HealthStatus, error) {
			return sdk.HealthStatus{Message: "ok"}, nil
		},
		AgentsFunc: func(context.Context) ([]sdk.Agent, error) {
			return []sdk.Agent{{ID: "srv-1", Name: "srv-1", Online: true}}, nil
		},
	}
	sdk.Logger().Info("starting", "connector", "inventory")
	sdk.Serve(c)
}

// The hub's side starts a connector, configures it and uses what it declared.
func ExampleOpen() {
	ctx := context.Background()
	p, err := sdk.Open(ctx, "/opt/connectors/inventory", sdk.OpenConfig{
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Kill()
	if err := p.Configure(ctx, sdk.Config{"region": "eu-west"}); err != nil {
		fmt.Println(err)
		return
	}
	if p.Has(sdk.CapAgents) {
		agents, err := p.Agents(ctx)
		fmt.Println(len(agents), err)
	}
}

func ExampleDescribeFunc() {
	var d sdk.Describer = sdk.DescribeFunc(func(context.Context) (sdk.Description, error) {
		return sdk.Description{Name: "hello", Version: "1.0.0",
			Capabilities: []sdk.Capability{sdk.CapClients}}, nil
	})
	desc, _ := d.Describe(context.Background())
	fmt.Println(desc.Name, desc.Version, desc.Declares(sdk.CapClients),
		desc.Declares(sdk.CapAgents))
	// Output: hello 1.0.0 true false
}

func ExampleImplemented() {
	c := struct {
		sdk.DescribeFunc
		sdk.ConfigureFunc
		sdk.HealthFunc
		sdk.ClientsFunc
		sdk.RunScriptFunc
	}{}
	fmt.Println(sdk.Implemented(c))
	// Output: [clients run_script]
}

func ExampleRetryable() {
	err := sdk.Retryable(fmt.Errorf("list devices: %w", errors.New("429 too many requests")))
	fmt.Println(err)
	fmt.Println(sdk.IsDownstream(err), sdk.IsRetryable(err), sdk.IsUnauthorized(err))

	err = sdk.Unauthorized(errors.New("API key revoked"))
	fmt.Println(err)
	fmt.Println(sdk.IsDownstream(err), sdk.IsRetryable(err), sdk.IsUnauthorized(err))
	// Output:
	// downstream: list devices: 429 too many requests
	// true true false
	// downstream refused the credentials: API key revoked
	// true false true
}

func ExampleValidateConfig() {
	fields := []sdk.ConfigField{
		{Name: "url", Type: sdk.FieldURL, Required: true, Help: "The API address."},
		{Name: "apiKey", Type: sdk.FieldString, Required: true, Secret: true,
			Help: "An API key."},
		{Name: "timeout", Type: sdk.FieldDuration, Default: "30s", Help: "Per request."},
	}
	cfg := sdk.Config{"url": "https://rmm.example"}.WithDefaults(fields)
	fmt.Println(sdk.ValidateConfig(fields, cfg))
	timeout, _ := cfg.Duration("timeout")
	fmt.Println(timeout == 30*time.Second)
	// Output:
	// configuration: apiKey: required but missing
	// true
}
