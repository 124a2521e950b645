package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/core/hub"
	"github.com/stewardhq/steward/core/store"
)

// databaseFlags select the database for commands that open it directly.
func databaseFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "data", Value: "./data", Sources: cli.EnvVars("STEWARD_DATA"),
			Usage: "folder for the embedded database, blobs and keys"},
		&cli.StringFlag{Name: "database-url", Sources: cli.EnvVars("STEWARD_DATABASE_URL"),
			Usage: "PostgreSQL URL (postgres://…); empty uses the embedded SQLite file"},
	}
}

func logFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-format", Value: "text",
			Sources: cli.EnvVars("STEWARD_LOG_FORMAT"), Usage: "text or json"},
		&cli.StringFlag{Name: "log-level", Value: "info",
			Sources: cli.EnvVars("STEWARD_LOG_LEVEL"), Usage: "debug, info, warn or error"},
	}
}

func newLogger(cmd *cli.Command) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cmd.String("log-level"))); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(cmd.String("log-format")) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format must be text or json, got %q",
			cmd.String("log-format"))
	}
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the hub",
		Flags: append(append(databaseFlags(), logFlags()...),
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080",
				Sources: cli.EnvVars("STEWARD_LISTEN"), Usage: "HTTP address to listen on"},
			&cli.StringFlag{Name: "msp-name", Value: "MSP", Sources: cli.EnvVars("STEWARD_MSP_NAME"),
				Usage: "name of the MSP's own tenant, used when it is created"},
			&cli.StringFlag{Name: "plugins-dir", Sources: cli.EnvVars("STEWARD_PLUGINS_DIR"),
				Usage: "folder of connector executables (default DATA/plugins)"},
			&cli.IntFlag{Name: "max-sessions", Value: 20,
				Sources: cli.EnvVars("STEWARD_MAX_SESSIONS"),
				Usage:   "sessions this instance runs at once; more wait their turn"},
			&cli.StringFlag{Name: "with-agent", Sources: cli.EnvVars("STEWARD_WITH_AGENT"),
				Usage: "path of steward-agent: enroll this machine and run its agent " +
					"beside the hub, and keep an admin token in the data folder (a first look)"},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			log, err := newLogger(cmd)
			if err != nil {
				return err
			}
			h, err := hub.Open(ctx, hub.Config{
				DataDir: cmd.String("data"), DatabaseURL: cmd.String("database-url"),
				Listen: cmd.String("listen"), MSPName: cmd.String("msp-name"),
				MaxSessions: int(cmd.Int("max-sessions")), PluginsDir: cmd.String("plugins-dir"),
				Logger: log, Version: version,
			})
			if err != nil {
				return err
			}
			defer h.Close()
			look := firstLook{agentBin: cmd.String("with-agent"), dataDir: cmd.String("data")}
			token := ""
			if look.agentBin != "" {
				if token, err = look.adminToken(ctx, h); err != nil {
					return err
				}
			}
			return h.Run(ctx, func(addr string) {
				fmt.Fprintf(os.Stderr, "Steward is running at http://%s (%s database)\n",
					addr, h.Store.Dialect())
				if look.agentBin == "" {
					return
				}
				fmt.Fprintf(os.Stderr, "API token: %s (kept in %s/admin-token)\n", token,
					look.dataDir)
				if err := look.startAgent(ctx, h, "http://"+addr); err != nil {
					log.Error("local agent not started", "err", err)
				}
			})
		},
	}
}

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply pending database migrations and exit",
		Flags: append(databaseFlags(), logFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			log, err := newLogger(cmd)
			if err != nil {
				return err
			}
			st, err := store.Open(ctx, store.Config{DatabaseURL: cmd.String("database-url"),
				DataDir: cmd.String("data"), Logger: log})
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Migrate(ctx); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "database is up to date (%s)\n", st.Dialect())
			return nil
		},
	}
}
