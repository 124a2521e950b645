package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stewardhq/steward/core/jobs"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/store/storetest"
)

func TestPeriodicTaskRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		q := jobs.New(s, jobs.Config{PollInterval: 50 * time.Millisecond})
		var runs atomic.Int32
		q.Every("count", 100*time.Millisecond, func(context.Context) error {
			runs.Add(1)
			return nil
		})
		ctx := context.Background()
		require.NoError(t, q.Start(ctx))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })

		require.Eventually(t, func() bool { return runs.Load() >= 2 },
			30*time.Second, 20*time.Millisecond, "the task runs at start and again later")

		var done int
		require.NoError(t, s.DB.NewRaw(
			"SELECT count(*) FROM river_job WHERE kind = 'periodic_task' AND state = 'completed'",
		).Scan(ctx, &done))
		require.GreaterOrEqual(t, done, 1, "runs are recorded as completed jobs")
	})
}

// TestAHungRunDoesNotStopTheNext stands for a run left "running" by an instance that was
// killed: the next interval's run goes ahead anyway.
func TestAHungRunDoesNotStopTheNext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		q := jobs.New(s, jobs.Config{PollInterval: 50 * time.Millisecond})
		var runs atomic.Int32
		release := make(chan struct{})
		q.Every("hang-once", 200*time.Millisecond, func(ctx context.Context) error {
			if runs.Add(1) == 1 {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return nil
		})
		require.NoError(t, q.Start(context.Background()))
		t.Cleanup(func() {
			close(release)
			_ = q.Stop(context.Background())
		})
		require.Eventually(t, func() bool { return runs.Load() >= 3 },
			30*time.Second, 20*time.Millisecond, "later runs go ahead of a hung one")
	})
}
