// Command steward-agent is Steward's agent: it runs on each managed computer, keeps one
// outbound connection to the hub, reports the computer's inventory and runs the scripts the
// hub sends. `steward-agent enroll` joins a hub once; `install` makes the agent a system
// service that runs `steward-agent run`.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/agent/state"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	app := &cli.Command{
		Name:    "steward-agent",
		Usage:   "keep this computer in touch with its Steward hub",
		Version: version,
		Commands: []*cli.Command{
			enrollCommand(),
			runCommand(),
			statusCommand(),
			installCommand(),
			uninstallCommand(),
			versionCommand(),
		},
	}
	if err := app.Run(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "steward-agent:", err)
		var exit cli.ExitCoder
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		}
		os.Exit(1)
	}
}

func stateDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "state-dir", Value: state.DefaultDir(),
		Sources: cli.EnvVars("STEWARD_AGENT_STATE_DIR"),
		Usage:   "folder for the enrollment, the key and the run spool"}
}

func logLevelFlag() cli.Flag {
	return &cli.StringFlag{Name: "log-level", Value: "info",
		Sources: cli.EnvVars("STEWARD_AGENT_LOG_LEVEL"), Usage: "debug, info, warn or error"}
}

func logLevel(cmd *cli.Command) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cmd.String("log-level"))); err != nil {
		return 0, fmt.Errorf("--log-level: %w", err)
	}
	return level, nil
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the agent's version",
		Action: func(context.Context, *cli.Command) error {
			fmt.Println(version)
			return nil
		},
	}
}
