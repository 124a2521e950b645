package sim_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/agent/sim"
	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/hub/hubtest"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

const fleetSize = 50

// runFleet runs the fleet until the returned stop is called or the test ends.
func runFleet(t *testing.T, s *sim.Sim) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitConnected(t *testing.T, s *sim.Sim, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return s.Stats().Connected == n }, 60*time.Second,
		20*time.Millisecond, "connected: %+v", s.Stats())
}

func listComputers(t *testing.T, h *hubtest.Hub) paging.Page[computer.Computer] {
	var page paging.Page[computer.Computer]
	require.NoError(t, h.Client.Do(context.Background(), http.MethodGet,
		"/computers?pageSize=500", nil, &page))
	return page
}

func online(page paging.Page[computer.Computer]) int {
	n := 0
	for _, c := range page.Items {
		if c.Online {
			n++
		}
	}
	return n
}

// runScript runs body on the computer and waits until the hub has the result.
func runScript(t *testing.T, h *hubtest.Hub, computerID, body string) (scripts.Run,
	[]sdk.OutputLine) {
	ctx := context.Background()
	var run scripts.Run
	require.NoError(t, h.Client.Do(ctx, http.MethodPost, "/computers/"+computerID+
		"/scripts/run", map[string]any{"language": "sh", "body": body}, &run))
	require.Eventually(t, func() bool {
		require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/script-runs/"+run.ID, nil, &run))
		return scripts.Finished(run.Status)
	}, 30*time.Second, 20*time.Millisecond)
	var out struct {
		Lines []sdk.OutputLine `json:"lines"`
	}
	require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/script-runs/"+run.ID+"/output", nil,
		&out))
	return run, out.Lines
}

func texts(lines []sdk.OutputLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

func TestFleetAgainstARealHub(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	ctx := context.Background()
	token, err := sim.CreateEnrollmentToken(ctx, nil, h.URL, h.Token,
		sim.TokenRequest{Name: "load"})
	require.NoError(t, err)

	// Agents reach the hub through a relay the test can cut, as a network failure would.
	relay := startProxy(t, strings.TrimPrefix(h.URL, "http://"))
	cfg := sim.Config{Server: relay.URL(), Agents: fleetSize, Seed: 7,
		Heartbeat: 200 * time.Millisecond, ReconnectMin: 50 * time.Millisecond,
		ReconnectMax: 400 * time.Millisecond}
	fleet, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, fleet.Enroll(ctx, token))
	require.Len(t, fleet.Identities(), fleetSize)
	state := filepath.Join(t.TempDir(), "fleet.json")
	require.NoError(t, fleet.Save(state))

	stop := runFleet(t, fleet)
	waitConnected(t, fleet, fleetSize)

	var pcs paging.Page[computer.Computer]
	t.Run("every agent is an online computer with its facts", func(t *testing.T) {
		require.Eventually(t, func() bool {
			pcs = listComputers(t, h)
			return pcs.Total == fleetSize && online(pcs) == fleetSize
		}, 30*time.Second, 50*time.Millisecond)

		var names, want []string
		for i, pc := range pcs.Items {
			names = append(names, pc.Name)
			want = append(want, sim.Hostname(i))
		}
		slices.Sort(names)
		require.Equal(t, want, names)

		i := slices.IndexFunc(pcs.Items, func(c computer.Computer) bool {
			return c.Name == sim.Hostname(3)
		})
		facts := sim.Inventory(cfg.Seed, 3, sim.DefaultPrograms).Facts
		require.Equal(t, facts.SMBIOSUUID, pcs.Items[i].SMBIOSUUID)
		require.Equal(t, facts.Serial, pcs.Items[i].Serial)
		require.Equal(t, facts.OSName, pcs.Items[i].OSName)
	})

	t.Run("heartbeats flow", func(t *testing.T) {
		// Each agent sent its inventory; heartbeats come on top, several per agent.
		require.Eventually(t, func() bool {
			return fleet.Stats().MessagesOut >= 4*fleetSize
		}, 30*time.Second, 20*time.Millisecond)
	})

	t.Run("scripts run to their exit code", func(t *testing.T) {
		cases := []struct {
			name, body string
			exit       int
			last       string
		}{
			{"success", "echo hi", 0, "hi"},
			{"failure", "echo checking\nexit 3", 3, "script exited with status 3"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				run, lines := runScript(t, h, pcs.Items[0].ID, c.body)
				require.Equal(t, scripts.StatusCompleted, run.Status)
				require.NotNil(t, run.ExitCode)
				require.Equal(t, c.exit, *run.ExitCode)
				require.NotEmpty(t, lines)
				require.Contains(t, lines[0].Text, pcs.Items[0].Name)
				require.Equal(t, c.last, texts(lines)[len(lines)-1])
			})
		}
		require.EqualValues(t, len(cases), fleet.Stats().Runs)
	})

	t.Run("dropped agents reconnect", func(t *testing.T) {
		before := fleet.Stats()
		relay.cut()

		require.Eventually(t, func() bool {
			st := fleet.Stats()
			return st.Drops >= before.Drops+fleetSize && st.Connected == fleetSize
		}, 60*time.Second, 20*time.Millisecond, "%+v", fleet.Stats())
		// The old connections' ends are recorded before the new ones' starts, so every
		// computer is online again at once, not after the agents' next touch.
		require.Eventually(t, func() bool {
			return online(listComputers(t, h)) == fleetSize
		}, 10*time.Second, 50*time.Millisecond, "every computer is online again")
		run, _ := runScript(t, h, pcs.Items[1].ID, "echo again")
		require.Equal(t, scripts.StatusCompleted, run.Status)
	})

	t.Run("a revoked agent stops", func(t *testing.T) {
		victim := fleet.Identities()[fleetSize-1]
		require.NoError(t, h.Client.Do(ctx, http.MethodDelete, "/agents/"+victim.AgentID,
			nil, nil))
		require.Eventually(t, func() bool {
			st := fleet.Stats()
			return st.Refused == 1 && st.Connected == fleetSize-1
		}, 30*time.Second, 20*time.Millisecond, "%+v", fleet.Stats())
	})

	stop()
	require.Zero(t, fleet.Stats().Connected)

	t.Run("a second run reconnects from the state file", func(t *testing.T) {
		again, err := sim.New(cfg)
		require.NoError(t, err)
		require.NoError(t, again.Load(state))
		require.Equal(t, fleet.Identities(), again.Identities())
		require.NoError(t, again.Enroll(ctx, "stwe_not-needed"), "nothing left to enroll")

		runFleet(t, again)
		require.Eventually(t, func() bool {
			st := again.Stats()
			return st.Connected == fleetSize-1 && st.Refused == 1
		}, 60*time.Second, 20*time.Millisecond, "%+v", again.Stats())

		var enrolled paging.Page[agents.Agent]
		require.NoError(t, h.Client.Do(ctx, http.MethodGet, "/agents", nil, &enrolled))
		require.Equal(t, fleetSize, enrolled.Total, "no agent enrolled twice")
		require.Equal(t, fleetSize, listComputers(t, h).Total)
	})
}

func TestEnrollStopsWhenTheTokenIsRefused(t *testing.T) {
	h := hubtest.Start(t, "sqlite")
	fleet, err := sim.New(sim.Config{Server: h.URL, Agents: 5})
	require.NoError(t, err)

	err = fleet.Enroll(context.Background(), "stwe_unknown")
	require.ErrorIs(t, err, sim.ErrEnrollRefused)
	var he *sim.HubError
	require.ErrorAs(t, err, &he)
	require.Equal(t, http.StatusUnauthorized, he.StatusCode)
	require.Empty(t, fleet.Identities())
	require.ErrorIs(t, fleet.Run(context.Background()), sim.ErrNoAgents)
}

func TestNewRefusesABadServer(t *testing.T) {
	for _, server := range []string{"", "127.0.0.1:8080", "ftp://127.0.0.1"} {
		t.Run(fmt.Sprintf("%q", server), func(t *testing.T) {
			_, err := sim.New(sim.Config{Server: server})
			require.ErrorIs(t, err, sim.ErrBadServer)
		})
	}
}
