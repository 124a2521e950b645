package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/kardianos/service"
	"github.com/urfave/cli/v3"

	"github.com/stewardhq/steward/agent/client"
	"github.com/stewardhq/steward/agent/inventory"
	"github.com/stewardhq/steward/agent/state"
)

// stopWait bounds how long a service stop waits for the agent; it covers
// client.DefaultStopTimeout and the polite close of the connection.
const stopWait = 20 * time.Second

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run the agent in the foreground (the service runs this)",
		Flags: []cli.Flag{
			stateDirFlag(),
			&cli.StringFlag{Name: "facts-override",
				Sources: cli.EnvVars("STEWARD_AGENT_FACTS_OVERRIDE"),
				Usage:   "JSON file whose facts replace the collected ones, for tests"},
			logLevelFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			level, err := logLevel(cmd)
			if err != nil {
				return err
			}
			cfg := client.Config{
				StateDir: cmd.String("state-dir"),
				Version:  version,
				Inventory: inventory.New(inventory.Config{
					OverridePath: cmd.String("facts-override")}),
				Logger: slog.New(slog.NewTextHandler(os.Stderr,
					&slog.HandlerOptions{Level: level})),
			}
			if service.Interactive() {
				err := client.New(cfg).Run(ctx)
				if errors.Is(err, state.ErrNotEnrolled) {
					return fmt.Errorf("%w: run steward-agent enroll first", err)
				}
				return adminHint(err)
			}
			return runService(cfg, level)
		},
	}
}

// runService runs the agent under the service manager, which starts and stops it.
func runService(cfg client.Config, level slog.Level) error {
	p := &program{cfg: cfg}
	s, err := newService(cfg.StateDir, p)
	if err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		// The Windows service manager discards standard error; the event log keeps it.
		if l, err := s.Logger(nil); err == nil {
			cfg.Logger = slog.New(newServiceHandler(l, &slog.HandlerOptions{Level: level}))
			p.cfg = cfg
		}
	}
	return s.Run()
}

// program adapts the client to the service manager.
type program struct {
	cfg    client.Config
	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

func (p *program) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	p.mu.Lock()
	p.cancel, p.done = cancel, done
	p.mu.Unlock()

	go func() {
		defer close(done)
		err := client.New(p.cfg).Run(ctx)
		if err == nil {
			return
		}
		// Exiting would only make the service manager start the agent again and again;
		// a revoked or unusable agent says why once and waits to be stopped.
		p.cfg.Logger.Error("the agent stopped working", "err", err)
		<-ctx.Done()
	}()
	return nil
}

func (p *program) Stop(service.Service) error {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	t := time.NewTimer(stopWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	return nil
}
