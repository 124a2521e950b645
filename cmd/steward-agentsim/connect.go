package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/stewardhq/steward/agent/sim"
)

// connect runs the fleet until ctx ends, printing progress, and the hub's memory when
// asked to measure it.
func connect(ctx context.Context, o options, fleet *sim.Sim, out io.Writer) error {
	var m *measurement
	if o.measurePID > 0 {
		var err error
		if m, err = startMeasurement(o.measurePID, out); err != nil {
			return err
		}
	}

	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- fleet.Run(ctx) }()
	fmt.Fprintf(out, "connecting %d agents, %d at a time, heartbeat every %s\n",
		fleet.Stats().Enrolled, o.connectParallel, o.heartbeat)

	tick := time.NewTicker(o.progress)
	defer tick.Stop()
	var allAt time.Time
	// connectedMemory is the simulator's own footprint the last time the whole fleet was
	// connected; at the end the connections are closed already.
	connectedMemory := "not measured (the fleet never was all connected)"
	for {
		select {
		case err := <-done:
			summary(out, fleet.Stats(), time.Since(start), m, connectedMemory)
			return err
		case now := <-tick.C:
			st := fleet.Stats()
			progress(out, st, now.Sub(start))
			if st.AllConnected > 0 && allAt.IsZero() {
				allAt = start.Add(st.AllConnected)
			}
			if st.Connected == st.Enrolled {
				connectedMemory = selfMemory()
			}
			if m != nil && !allAt.IsZero() {
				m.sampleDue(now.Sub(allAt), o.settle, st.Connected)
			}
		}
	}
}

func progress(out io.Writer, st sim.Stats, elapsed time.Duration) {
	fmt.Fprintf(out, "%7s  enrolled %d/%d  connected %d  connects %d  failures %d"+
		"  messages in %d out %d\n", elapsed.Round(time.Second), st.Enrolled, st.Agents,
		st.Connected, st.Connects, st.Failures(), st.MessagesIn, st.MessagesOut)
}

func summary(out io.Writer, st sim.Stats, elapsed time.Duration, m *measurement,
	connectedMemory string) {
	fmt.Fprintf(out, "\nsummary after %s\n", elapsed.Round(time.Second))
	fmt.Fprintf(out, "  agents              %d (enrolled %d)\n", st.Agents, st.Enrolled)
	if st.AllConnected > 0 {
		fmt.Fprintf(out, "  all connected after %s\n", st.AllConnected.Round(time.Millisecond))
	} else {
		fmt.Fprintf(out, "  all connected after not reached\n")
	}
	fmt.Fprintf(out, "  connects            %d\n", st.Connects)
	fmt.Fprintf(out, "  failures            enroll %d, connect %d, dropped %d, refused %d\n",
		st.EnrollFailures, st.ConnectFailures, st.Drops, st.Refused)
	fmt.Fprintf(out, "  messages            in %d, out %d\n", st.MessagesIn, st.MessagesOut)
	fmt.Fprintf(out, "  scripts run         %d\n", st.Runs)
	fmt.Fprintf(out, "  simulator memory    %s\n", connectedMemory)
	if m != nil {
		m.report(out)
	}
}
