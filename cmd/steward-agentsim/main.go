// Command steward-agentsim connects many simulated agents to a hub on this machine, to see
// how the hub holds a fleet: it enrolls them (or reuses enrolled ones from a state file),
// keeps them connected for a fixed time, prints progress and a summary, and optionally
// samples the hub process's memory before and after the fleet connects.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stewardhq/steward/agent/sim"
)

// maxDuration bounds a run, so a forgotten simulator stops by itself.
const maxDuration = 24 * time.Hour

// options are the command line.
type options struct {
	server, apiToken, enrollToken, tenant, state, logLevel string
	agents, enrollParallel, connectParallel, measurePID    int
	seed                                                   uint64
	duration, heartbeat, reconnectMin, progress, settle    time.Duration
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("steward-agentsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.server, "server", "http://127.0.0.1:8080",
		"hub address; only loopback addresses are accepted")
	fs.StringVar(&o.apiToken, "api-token", "",
		"API token to create an enrollment token with (or use --enroll-token)")
	fs.StringVar(&o.enrollToken, "enroll-token", "", "enrollment token for the agents")
	fs.StringVar(&o.tenant, "tenant", "", "tenant id for --api-token; default the MSP's own")
	fs.IntVar(&o.agents, "agents", 100, "number of simulated agents")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the agents' identity facts")
	fs.StringVar(&o.state, "state", "",
		"file keeping enrolled identities; a later run reconnects them without enrolling")
	fs.DurationVar(&o.duration, "duration", 5*time.Minute,
		"how long the whole run lasts, enrollment included (at most 24h)")
	fs.DurationVar(&o.heartbeat, "heartbeat", time.Minute, "heartbeat interval of each agent")
	fs.IntVar(&o.enrollParallel, "enroll-parallel", sim.DefaultParallelism,
		"enrollments in flight at once")
	fs.IntVar(&o.connectParallel, "connect-parallel", sim.DefaultParallelism,
		"connection handshakes in flight at once")
	fs.DurationVar(&o.reconnectMin, "reconnect-min", sim.DefaultReconnectMin,
		"shortest wait before reconnecting a dropped agent")
	fs.DurationVar(&o.progress, "progress", 5*time.Second, "interval of progress lines")
	fs.IntVar(&o.measurePID, "measure-pid", 0,
		"hub process id: sample its memory before connecting and after the fleet settled")
	fs.DurationVar(&o.settle, "settle", 30*time.Second,
		"with --measure-pid, wait this long after all agents connected between samples")
	fs.StringVar(&o.logLevel, "log-level", "warn", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return o, err
	}

	if err := loopbackOnly(o.server); err != nil {
		return o, err
	}
	if o.duration <= 0 || o.duration > maxDuration {
		return o, fmt.Errorf("--duration must be between 0 and %s", maxDuration)
	}
	if o.agents <= 0 {
		return o, errors.New("--agents must be at least 1")
	}
	return o, nil
}

// loopbackOnly refuses servers off this machine: the simulator is a load generator.
func loopbackOnly(server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("--server %q: want http://127.0.0.1:PORT", server)
	}
	if u.Hostname() == "localhost" {
		return nil
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--server %q: only loopback addresses are allowed", server)
	}
	return nil
}

func main() {
	o, err := parse(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "steward-agentsim:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "steward-agentsim:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()

	fleet, err := sim.New(sim.Config{Server: o.server, Agents: o.agents, Seed: o.seed,
		Heartbeat: o.heartbeat, EnrollParallelism: o.enrollParallel,
		ConnectParallelism: o.connectParallel, ReconnectMin: o.reconnectMin, Logger: log})
	if err != nil {
		return err
	}
	if o.state != "" {
		err := fleet.Load(o.state)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return err
		default:
			fmt.Fprintf(out, "loaded %d enrolled agents from %s\n", fleet.Stats().Enrolled,
				o.state)
		}
	}

	if err := enroll(ctx, o, fleet, out); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("stopped while enrolling: %w", context.Cause(ctx))
	}
	return connect(ctx, o, fleet, out)
}

// enroll enrolls the agents the state file did not have, and saves the state.
func enroll(ctx context.Context, o options, fleet *sim.Sim, out io.Writer) error {
	missing := o.agents - fleet.Stats().Enrolled
	if missing == 0 {
		return nil
	}
	token := o.enrollToken
	if token == "" {
		if o.apiToken == "" {
			return fmt.Errorf("%d agents need enrolling: give --api-token or --enroll-token",
				missing)
		}
		var err error
		token, err = sim.CreateEnrollmentToken(ctx, nil, o.server, o.apiToken,
			sim.TokenRequest{TenantID: o.tenant, Name: "agent simulator"})
		if err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "enrolling %d agents, %d at a time\n", missing, o.enrollParallel)
	start := time.Now()
	err := fleet.Enroll(ctx, token)
	took := time.Since(start)
	st := fleet.Stats()
	fmt.Fprintf(out, "enrolled %d agents in %s (%.0f per second), %d failed\n",
		st.Enrolled, took.Round(time.Millisecond), float64(missing)/took.Seconds(),
		st.EnrollFailures)
	if o.state != "" {
		if err := fleet.Save(o.state); err != nil {
			return err
		}
	}
	if errors.Is(err, sim.ErrEnrollRefused) || st.Enrolled == 0 {
		return err
	}
	if err != nil {
		fmt.Fprintf(out, "continuing with the enrolled agents: %v\n", err)
	}
	return nil
}
