package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/sdk"
	"github.com/stewardhq/steward/sdk/sdktest"
)

func pluginCommand() *cli.Command {
	return &cli.Command{
		Name:  "plugin",
		Usage: "work with connector executables",
		Commands: []*cli.Command{{
			Name:      "check",
			Usage:     "run the conformance checks against a connector executable",
			ArgsUsage: "PATH",
			// Configuration values may contain commas.
			DisableSliceFlagSeparator: true,
			Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "config", Usage: "NAME=VALUE, repeatable: a working " +
					"configuration for the connector"},
				&cli.StringFlag{Name: "sha256", Usage: "refuse the executable unless its " +
					"SHA-256 is this hex value"},
				&cli.DurationFlag{Name: "timeout", Value: sdktest.DefaultCallTimeout,
					Usage: "deadline of each call"},
				&cli.BoolFlag{Name: "verbose", Usage: "show the connector's logs on stderr"},
				&cli.StringFlag{Name: "agent", Usage: "id of a test computer of the " +
					"connector: runs a harmless script there and reads its identity"},
			},
			Action: func(ctx context.Context, cmd *cli.Command) error {
				if cmd.NArg() != 1 {
					return cli.Exit("usage: steward plugin check PATH [--config NAME=VALUE ...]",
						2)
				}
				cfg, err := parseConfig(cmd.StringSlice("config"))
				if err != nil {
					return cli.Exit(err.Error(), 2)
				}
				opts := sdktest.Options{Config: cfg, CallTimeout: cmd.Duration("timeout"),
					Open:  sdk.OpenConfig{SHA256: cmd.String("sha256")},
					Agent: cmd.String("agent")}
				if cmd.Bool("verbose") {
					opts.Open.Logger = hclog.New(&hclog.LoggerOptions{Name: "connector",
						Output: os.Stderr, Level: hclog.Debug})
				}
				return pluginCheck(ctx, cmd.Root().Writer, cmd.Args().First(), opts)
			},
		}},
	}
}

// pluginCheck prints the report and fails when a check failed, so scripts can gate on it.
func pluginCheck(ctx context.Context, w io.Writer, path string, opts sdktest.Options) error {
	if w == nil {
		w = os.Stdout
	}
	report := sdktest.Check(ctx, path, opts)
	fmt.Fprint(w, report)
	if report.Failed() {
		return cli.Exit("connector check failed", 1)
	}
	return nil
}

// parseConfig reads NAME=VALUE pairs; a value may contain "=".
func parseConfig(pairs []string) (sdk.Config, error) {
	cfg := sdk.Config{}
	for _, p := range pairs {
		name, value, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("--config %q: want NAME=VALUE", p)
		}
		cfg[strings.TrimSpace(name)] = value
	}
	return cfg, nil
}
