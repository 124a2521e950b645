package sim

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// ErrNoAgents: Run was called before any agent of the fleet was enrolled or loaded.
var ErrNoAgents = errors.New("no enrolled agents to connect")

// Sim is one simulated fleet.
type Sim struct {
	cfg Config

	mu sync.Mutex
	// ids holds an entry for every index below Config.Agents, and for any further index
	// loaded from a state file; entries without an AgentID are not enrolled yet.
	ids []Identity

	c counters
}

// counters are updated by every agent's goroutine without a lock.
type counters struct {
	connected, connects, enrollFailures, connectFailures, drops, refused atomic.Int64
	in, out, runs                                                        atomic.Int64
	// total is how many agents Run keeps connected; start is when Run began and
	// allConnected how long after it every agent was connected for the first time.
	total, start, allConnected atomic.Int64
}

// Stats is a snapshot of the fleet's counters.
type Stats struct {
	// Agents is the size of the fleet; Enrolled how many of them have an identity.
	Agents   int
	Enrolled int
	// Connected is how many are connected now; Connects counts completed handshakes,
	// reconnections included.
	Connected int
	Connects  int64
	// EnrollFailures counts agents that could not enroll, ConnectFailures handshakes that
	// failed, Drops established connections that ended while the fleet was running.
	EnrollFailures  int64
	ConnectFailures int64
	Drops           int64
	// Refused counts agents the hub refused for good (revoked or unknown); they stop.
	Refused int64
	// MessagesIn and MessagesOut count protocol messages received from and sent to the hub.
	MessagesIn  int64
	MessagesOut int64
	// Runs counts the scripts the fleet simulated.
	Runs int64
	// AllConnected is how long after Run began every agent was connected at once for the
	// first time; zero until then.
	AllConnected time.Duration
}

// Failures is the sum of all kinds of failure.
func (s Stats) Failures() int64 {
	return s.EnrollFailures + s.ConnectFailures + s.Drops + s.Refused
}

// New returns a fleet of cfg.Agents agents, none enrolled yet: call Load, Enroll or both,
// then Run.
func New(cfg Config) (*Sim, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	s := &Sim{cfg: cfg, ids: make([]Identity, cfg.Agents)}
	for i := range s.ids {
		s.ids[i].Index = i
	}
	return s, nil
}

// Identities returns a copy of the enrolled identities of the fleet, in index order.
func (s *Sim) Identities() []Identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Identity, 0, s.cfg.Agents)
	for _, id := range s.ids[:s.cfg.Agents] {
		if id.AgentID != "" {
			out = append(out, id)
		}
	}
	return out
}

func (s *Sim) enrolled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range s.ids[:s.cfg.Agents] {
		if id.AgentID != "" {
			n++
		}
	}
	return n
}

// Stats returns the counters as they are now.
func (s *Sim) Stats() Stats {
	st := Stats{
		Agents:          s.cfg.Agents,
		Enrolled:        s.enrolled(),
		Connected:       int(s.c.connected.Load()),
		Connects:        s.c.connects.Load(),
		EnrollFailures:  s.c.enrollFailures.Load(),
		ConnectFailures: s.c.connectFailures.Load(),
		Drops:           s.c.drops.Load(),
		Refused:         s.c.refused.Load(),
		MessagesIn:      s.c.in.Load(),
		MessagesOut:     s.c.out.Load(),
		Runs:            s.c.runs.Load(),
		AllConnected:    time.Duration(s.c.allConnected.Load()),
	}
	return st
}

// Run connects every enrolled agent of the fleet, at most Config.ConnectParallelism
// handshakes at a time, and keeps them connected until ctx ends. Then it closes every
// connection with a close handshake and returns once all agents have stopped. Run one
// Run of a fleet at a time.
func (s *Sim) Run(ctx context.Context) error {
	ids := s.Identities()
	if len(ids) == 0 {
		return ErrNoAgents
	}
	agents := make([]*agent, len(ids))
	for i, id := range ids {
		agents[i] = &agent{Identity: id}
	}
	s.c.total.Store(int64(len(agents)))
	s.c.start.Store(time.Now().UnixNano())
	s.c.allConnected.Store(0)

	handshakes := make(chan struct{}, s.cfg.ConnectParallelism)
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Go(func() { s.live(ctx, a, handshakes) })
	}
	wg.Go(func() { s.heartbeats(ctx, agents) })

	<-ctx.Done()
	s.closeAll(agents)
	wg.Wait()
	return nil
}

// connectedNow counts a completed handshake and notes when the whole fleet is connected.
func (s *Sim) connectedNow() {
	s.c.connects.Add(1)
	if s.c.connected.Add(1) == s.c.total.Load() && s.c.allConnected.Load() == 0 {
		took := time.Since(time.Unix(0, s.c.start.Load()))
		s.c.allConnected.CompareAndSwap(0, int64(max(took, 1)))
	}
}

// heartbeatSlots is how many groups the fleet's heartbeats are spread over within one
// interval, so the hub sees a steady trickle instead of the whole fleet at once.
func heartbeatSlots(interval time.Duration) int {
	return min(max(int(interval/(250*time.Millisecond)), 1), 240)
}

// heartbeats sends every connected agent a heartbeat once per interval from one goroutine
// for the fleet, the writes themselves on at most a few goroutines at a time.
func (s *Sim) heartbeats(ctx context.Context, agents []*agent) {
	slots := heartbeatSlots(s.cfg.Heartbeat)
	tick := time.NewTicker(s.cfg.Heartbeat / time.Duration(slots))
	defer tick.Stop()
	writers := make(chan struct{}, 16)
	var wg sync.WaitGroup
	defer wg.Wait()

	for slot := 0; ; slot = (slot + 1) % slots {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for i := slot; i < len(agents); i += slots {
			ws := agents[i].conn.Load()
			if ws == nil {
				continue
			}
			select {
			case writers <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer func() { <-writers }()
				if err := s.writeRaw(ws, heartbeatMessage); err != nil {
					// The agent's reader sees the broken connection and reconnects.
					s.cfg.Logger.Debug("heartbeat not sent", "agent", Hostname(agents[i].Index),
						"err", err)
				}
			})
		}
	}
}

// closeAll ends the agents' connections politely, a bounded number at a time, so the hub
// records each agent as disconnected rather than timed out.
func (s *Sim) closeAll(agents []*agent) {
	closers := make(chan struct{}, 4*s.cfg.ConnectParallelism)
	var wg sync.WaitGroup
	for _, a := range agents {
		ws := a.conn.Load()
		if ws == nil {
			continue
		}
		closers <- struct{}{}
		wg.Go(func() {
			defer func() { <-closers }()
			_ = ws.Close(websocket.StatusGoingAway, "simulator stopping")
		})
	}
	wg.Wait()
}
