// Package jobs runs the hub's durable work on the job queue (River) over the hub's own
// database, PostgreSQL or SQLite. Jobs survive restarts, are claimed from the database so
// several instances share them, and periodic work fires on one instance of a cluster only (the
// queue's elected leader).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/stewardhq/steward/core/store"
)

// Config tunes the queue. The zero value is a sensible default.
type Config struct {
	Logger *slog.Logger
	// MaxWorkers is how many jobs one instance runs at once; default 10.
	MaxWorkers int
	// PollInterval is how often an idle instance looks for new jobs; default 500ms. The
	// queue runs in poll mode on both databases so it behaves the same on each.
	PollInterval time.Duration
	// Queues adds named queues with their own limit of jobs at once on this instance.
	Queues map[string]int
}

// Queue is the job queue of one hub instance.
type Queue struct {
	store    *store.Store
	cfg      Config
	log      *slog.Logger
	workers  *river.Workers
	periodic []*river.PeriodicJob
	tasks    map[string]func(context.Context) error
	client   *river.Client[*sql.Tx]
}

// New prepares a queue over the store; register workers and periodic tasks, then Start.
func New(s *store.Store, cfg Config) *Queue {
	if cfg.MaxWorkers == 0 {
		cfg.MaxWorkers = 10
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{store: s, cfg: cfg, log: log, workers: river.NewWorkers(),
		tasks: map[string]func(context.Context) error{}}
	river.AddWorker(q.workers, &taskWorker{q: q})
	return q
}

// Register adds the worker for one kind of job. Call it before Start.
func Register[T river.JobArgs](q *Queue, w river.Worker[T]) {
	river.AddWorker(q.workers, w)
}

// Every runs fn every interval on one instance of the cluster, and once soon after start.
// A failing run is logged and retried by the next interval. Call it before Start.
//
// A task runs at most once per interval. Uniqueness is by period rather than by state on
// purpose: a run left "running" by an instance that was killed would otherwise keep every
// later run out until the queue rescues it, an hour later.
func (q *Queue) Every(name string, interval time.Duration, fn func(context.Context) error) {
	q.tasks[name] = fn
	q.periodic = append(q.periodic, river.NewPeriodicJob(
		river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			// The queue's unique periods are whole seconds.
			return taskArgs{Name: name}, &river.InsertOpts{MaxAttempts: 1,
				UniqueOpts: river.UniqueOpts{ByArgs: true,
					ByPeriod: max(interval, time.Second)}}
		},
		&river.PeriodicJobOpts{ID: name, RunOnStart: true},
	))
}

// Start begins working jobs.
func (q *Queue) Start(ctx context.Context) error {
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.MaxWorkers}}
	for name, n := range q.cfg.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	client, err := river.NewClient(q.store.RiverDriver(), &river.Config{
		Logger:            slog.New(quiet{q.log.Handler()}).With("component", "jobs"),
		Queues:            queues,
		Workers:           q.workers,
		PeriodicJobs:      q.periodic,
		PollOnly:          true,
		FetchPollInterval: q.cfg.PollInterval,
		FetchCooldown:     q.cfg.PollInterval / 5,
	})
	if err != nil {
		return fmt.Errorf("create job queue: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	q.client = client
	return nil
}

// Stop lets running jobs finish until ctx ends, then cancels them.
func (q *Queue) Stop(ctx context.Context) error {
	if q.client == nil {
		return nil
	}
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return q.client.StopAndCancel(context.Background())
	}
	return err
}

// Insert enqueues a job in its own transaction.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if q.client == nil {
		return errors.New("insert job: queue not started")
	}
	if _, err := q.client.Insert(ctx, args, opts); err != nil {
		return fmt.Errorf("insert %s job: %w", args.Kind(), err)
	}
	return nil
}

// InsertTx enqueues a job inside tx, so it exists exactly when tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs,
	opts *river.InsertOpts) error {
	if q.client == nil {
		return errors.New("insert job: queue not started")
	}
	if _, err := q.client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("insert %s job: %w", args.Kind(), err)
	}
	return nil
}

type taskArgs struct {
	Name string `json:"name"`
}

func (taskArgs) Kind() string { return "periodic_task" }

type taskWorker struct {
	river.WorkerDefaults[taskArgs]
	q *Queue
}

func (w *taskWorker) Work(ctx context.Context, job *river.Job[taskArgs]) error {
	fn, ok := w.q.tasks[job.Args.Name]
	if !ok {
		// A task that an older or newer instance registered; nothing to do here.
		return river.JobCancel(fmt.Errorf("unknown periodic task %q", job.Args.Name))
	}
	if err := fn(ctx); err != nil {
		w.q.log.Warn("periodic task failed", "task", job.Args.Name, "err", err)
		return err
	}
	return nil
}

// quiet passes on only warnings and errors: the queue reports routine progress at Info every
// few seconds, which would drown the hub's own lifecycle messages.
type quiet struct{ slog.Handler }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}

func (q quiet) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quiet{q.Handler.WithAttrs(attrs)}
}

func (q quiet) WithGroup(name string) slog.Handler { return quiet{q.Handler.WithGroup(name)} }
