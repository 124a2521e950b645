package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/jobs"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
)

type sleepArgs struct{ N int }

func (sleepArgs) Kind() string { return "test_sleep" }
func (sleepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "work"}
}

type sleeper struct {
	river.WorkerDefaults[sleepArgs]
	running, peak atomic.Int32
}

func (w *sleeper) Work(ctx context.Context, job *river.Job[sleepArgs]) error {
	n := w.running.Add(1)
	defer w.running.Add(-1)
	for {
		p := w.peak.Load()
		if n <= p || w.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(2 * time.Second)
	return nil
}

func TestJobsRunSideBySide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		q := jobs.New(s, jobs.Config{PollInterval: 50 * time.Millisecond,
			Queues: map[string]int{"work": 4}})
		w := &sleeper{}
		jobs.Register(q, w)
		ctx := context.Background()
		require.NoError(t, q.Start(ctx))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })
		require.NoError(t, q.Insert(ctx, sleepArgs{N: 1}, nil))
		time.Sleep(300 * time.Millisecond)
		require.NoError(t, q.Insert(ctx, sleepArgs{N: 2}, nil))
		require.Eventually(t, func() bool { return w.peak.Load() == 2 }, 10*time.Second,
			20*time.Millisecond, "a second job started while the first ran")
	})
}
