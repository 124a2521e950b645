package scripts_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/core/secrets"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
	"github.com/stewardhq/steward/sdk"
)

// seedLinkPathway stores a tenant, a computer and a running link that reaches it, and
// returns the computer's id.
func seedLinkPathway(t *testing.T, st *store.Store) string {
	ctx := context.Background()
	now := time.Now().UTC()
	for _, q := range []string{
		`INSERT INTO tenants (id, name, created_at, updated_at) VALUES ('t1', 'A', ?, ?)`,
		`INSERT INTO computers (id, tenant_id, name, status, created_at, updated_at)
			VALUES ('c1', 't1', 'pc', 'onboarded', ?, ?)`,
		`INSERT INTO links (id, connector, name, binary_path, binary_sha256, status,
			capabilities, created_at, updated_at) VALUES ('l1', 'fake', 'Lab', '/x', 'x',
			'running', '["agents","run_script"]', ?, ?)`,
		`INSERT INTO pathways (id, link_id, external_id, tenant_id, computer_id, online,
			first_seen_at, last_seen_at) VALUES ('p1', 'l1', 'host-1', 't1', 'c1', true, ?, ?)`,
	} {
		_, err := st.DB.ExecContext(ctx, q, now, now)
		require.NoError(t, err)
	}
	return "c1"
}

// dispatching runs a dispatcher over a fresh service whose link runs scripts with runner.
func dispatching(t *testing.T, st *store.Store, runner sdk.ScriptRunner) *scripts.Service {
	box, err := secrets.New(make([]byte, 32))
	require.NoError(t, err)
	svc := scripts.NewService(st.DB, box)
	d := scripts.NewDispatcher(svc, scripts.RunnersFunc(func(link string) sdk.ScriptRunner {
		if link == "l1" && runner != nil {
			return runner
		}
		return nil
	}), scripts.DispatchConfig{Instance: "i1", PollInterval: 20 * time.Millisecond,
		RetryAfter: 50 * time.Millisecond, Grace: 200 * time.Millisecond,
		SweepInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return svc
}

func ensure(t *testing.T, svc *scripts.Service, id string, timeout time.Duration) {
	_, created, err := svc.Ensure(context.Background(), scripts.Spec{ID: id, ComputerID: "c1",
		Language: sdk.LanguageSh, Body: "echo hi", Timeout: timeout, CreatedBy: "test"})
	require.NoError(t, err)
	require.True(t, created)
}

func ended(t *testing.T, svc *scripts.Service, id string) scripts.Run {
	var r scripts.Run
	require.Eventually(t, func() bool {
		got, err := svc.Follow(context.Background(), id, 0,
			func([]sdk.OutputLine) error { return nil })
		r = got
		return err == nil
	}, 20*time.Second, 10*time.Millisecond)
	return r
}

func TestDispatcherCarriesRunsThroughALink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedLinkPathway(t, st)
		var calls atomic.Int32
		svc := dispatching(t, st, sdk.RunScriptFunc(func(ctx context.Context, host string,
			req sdk.ScriptRequest, out sdk.OutputFunc) (sdk.ScriptResult, error) {
			n := calls.Add(1)
			switch req.ID {
			case "flaky":
				if n == 1 {
					return sdk.ScriptResult{}, sdk.Retryable(errors.New("host busy"))
				}
			case "broken":
				return sdk.ScriptResult{}, sdk.Downstream(errors.New("host key changed"))
			}
			out(sdk.OutputLine{Seq: 1, Text: "on " + host})
			return sdk.ScriptResult{ExitCode: 0}, nil
		}))

		t.Run("output and result are stored", func(t *testing.T) {
			ensure(t, svc, "plain", time.Minute)
			r := ended(t, svc, "plain")
			require.Equal(t, scripts.StatusCompleted, r.Status)
			require.Equal(t, "p1", r.PathwayID)
			lines, err := svc.Output(context.Background(), "plain", 0, 10)
			require.NoError(t, err)
			require.Equal(t, "on host-1", lines[0].Text)
		})

		t.Run("try again means the run waits and is retried", func(t *testing.T) {
			calls.Store(0)
			ensure(t, svc, "flaky", time.Minute)
			r := ended(t, svc, "flaky")
			require.Equal(t, scripts.StatusCompleted, r.Status)
			require.Equal(t, int32(2), calls.Load())
			var online bool
			require.NoError(t, st.DB.NewRaw(`SELECT online FROM pathways WHERE id = 'p1'`).
				Scan(context.Background(), &online))
			require.True(t, online, "a run that got through shows the pathway online again")
		})

		t.Run("a pathway failure ends the run with the reason", func(t *testing.T) {
			ensure(t, svc, "broken", time.Minute)
			r := ended(t, svc, "broken")
			require.Equal(t, scripts.StatusError, r.Status)
			require.Contains(t, r.Error, "host key changed")
		})
	})
}

func TestDispatcherGivesUpARunItsLinkNeverTook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedLinkPathway(t, st)
		svc := dispatching(t, st, nil)
		ensure(t, svc, "stuck", time.Second)
		r := ended(t, svc, "stuck")
		require.Equal(t, scripts.StatusError, r.Status)
		require.Contains(t, r.Error, "the link never took the run")
	})
}

func TestQueuedRunsMoveToAPathwayThatCameOnline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedLinkPathway(t, st)
		now := time.Now().UTC()
		_, err := st.DB.ExecContext(ctx, `INSERT INTO agents (id, tenant_id, computer_id,
			public_key, enrolled_at, last_seen_at) VALUES ('a1', 't1', 'c1', 'k', ?, ?)`,
			now, now)
		require.NoError(t, err)
		setOnline := func(online bool) {
			_, err := st.DB.ExecContext(ctx, `UPDATE pathways SET online = ? WHERE id = 'p1'`,
				online)
			require.NoError(t, err)
		}
		setOnline(false)

		svc := dispatching(t, st, sdk.RunScriptFunc(func(ctx context.Context, host string,
			req sdk.ScriptRequest, out sdk.OutputFunc) (sdk.ScriptResult, error) {
			return sdk.ScriptResult{ExitCode: 0}, nil
		}))
		ensure(t, svc, "waits", time.Minute)
		r, err := svc.Get(access.WithPrincipal(ctx, access.System()), "waits")
		require.NoError(t, err)
		require.Equal(t, "a1", r.AgentID, "with nothing online the agent goes first")

		// A run the agent was handed before it went away may be running there: it stays.
		_, err = st.DB.ExecContext(ctx, `INSERT INTO script_runs (id, tenant_id, computer_id,
			agent_id, language, context, body, timeout_seconds, status, created_by,
			created_at, dispatched_at) VALUES ('held', 't1', 'c1', 'a1', 'sh', 'system', 'x',
			60, 'queued', 'test', ?, ?)`, now.Add(-time.Minute), now.Add(-time.Minute))
		require.NoError(t, err)

		setOnline(true)
		r = ended(t, svc, "waits")
		require.Equal(t, scripts.StatusCompleted, r.Status)
		require.Equal(t, "p1", r.PathwayID)
		require.Empty(t, r.AgentID)

		time.Sleep(200 * time.Millisecond)
		held, err := svc.Get(access.WithPrincipal(ctx, access.System()), "held")
		require.NoError(t, err)
		require.Equal(t, scripts.StatusQueued, held.Status)
		require.Equal(t, "a1", held.AgentID)
	})
}

func TestRunOfAStoppedInstanceIsGivenUpSoon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedLinkPathway(t, st)
		now := time.Now().UTC()
		// Handed over an hour-long run, then the instance stopped vouching for it.
		_, err := st.DB.ExecContext(ctx, `INSERT INTO script_runs (id, tenant_id, computer_id,
			pathway_id, language, context, body, timeout_seconds, status, created_by,
			created_at, dispatched_at, carrier_until) VALUES ('orphan', 't1', 'c1', 'p1', 'sh',
			'system', 'x', 3600, 'dispatched', 'test', ?, ?, ?)`, now, now,
			now.Add(-time.Second))
		require.NoError(t, err)
		svc := dispatching(t, st, nil)
		r := ended(t, svc, "orphan")
		require.Equal(t, scripts.StatusError, r.Status)
		require.Contains(t, r.Error, "no result came back through the link")
	})
}
