// Command steward is the Steward hub: `steward serve` runs it, `steward migrate` and
// `steward token create` work offline on its database, and the other commands call a running
// hub's API for everyday work and scripting.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/errs"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	app := &cli.Command{
		Name:    "steward",
		Usage:   "keep managed computers in the state the MSP wants",
		Version: version,
		Commands: []*cli.Command{
			serveCommand(),
			migrateCommand(),
			tokenCommand(),
			tenantsCommand(),
			computersCommand(),
			agentsCommand(),
			scriptsCommand(),
			deploymentsCommand(),
			sessionsCommand(),
			linksCommand(),
			softwareCommand(),
			tasksCommand(),
			pluginCommand(),
		},
	}
	if err := app.Run(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "steward:", errs.Message(err))
		var exit cli.ExitCoder
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		}
		os.Exit(1)
	}
}
