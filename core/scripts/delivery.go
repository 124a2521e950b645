package scripts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

// Get returns a run the caller may see.
func (s *Service) Get(ctx context.Context, id string) (Run, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return Run{}, err
	}
	r, err := s.load(ctx, id)
	if err != nil {
		return Run{}, err
	}
	if !p.SeesTenant(r.TenantID) {
		return Run{}, fmt.Errorf("script run %s: %w", id, errs.ErrNotFound)
	}
	runs := []Run{r}
	s.describe(ctx, runs)
	return runs[0], nil
}

func (s *Service) load(ctx context.Context, id string) (Run, error) {
	var r Run
	err := s.db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("script run %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("load script run %s: %w", id, err)
	}
	if r.SealedSecrets != "" {
		if secrets, err := s.secrets(r); err == nil {
			for k := range secrets {
				r.SecretNames = append(r.SecretNames, k)
			}
		}
	}
	return r, nil
}

// Output returns up to limit lines of a run after sequence number after, in order. The caller
// must have passed Get for the run.
func (s *Service) Output(ctx context.Context, runID string, after int64, limit int) (
	[]sdk.OutputLine, error) {
	var rows []outputRow
	err := s.db.NewSelect().Model(&rows).Where("run_id = ?", runID).Where("seq > ?", after).
		Order("seq").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read output of run %s: %w", runID, err)
	}
	out := make([]sdk.OutputLine, len(rows))
	for i, r := range rows {
		out[i] = sdk.OutputLine{Seq: r.Seq, Stream: r.Stream, Text: r.Line, Time: r.At}
	}
	return out, nil
}

// AppendOutput stores lines an agent reported for one of its runs. Lines already stored are
// skipped, so resending after a reconnect is harmless.
func (s *Service) AppendOutput(ctx context.Context, agentID, runID string,
	lines []sdk.OutputLine) error {
	if len(lines) == 0 {
		return nil
	}
	if err := s.owned(ctx, agentID, runID); err != nil {
		return err
	}
	r, err := s.load(ctx, runID)
	if err != nil {
		return err
	}
	secrets, err := s.secrets(r)
	if err != nil {
		return err
	}
	return s.storeLines(ctx, r, secrets, lines)
}

// storeLines masks the run's secrets in lines and stores those not stored yet. The caller
// opens the secrets once per run, not once per line.
func (s *Service) storeLines(ctx context.Context, r Run, secrets map[string]string,
	lines []sdk.OutputLine) error {
	runID := r.ID
	mask(lines, secrets)
	rows := make([]outputRow, len(lines))
	var first time.Time
	for i, l := range lines {
		at := l.Time.UTC()
		if at.IsZero() {
			at = s.now()
		}
		if i == 0 {
			first = at
		}
		rows[i] = outputRow{RunID: runID, Seq: l.Seq, Stream: l.Stream, Line: l.Text, At: at}
	}
	for start := 0; start < len(rows); start += 500 {
		chunk := rows[start:min(start+500, len(rows))]
		if _, err := s.db.NewInsert().Model(&chunk).On("CONFLICT DO NOTHING").
			Exec(ctx); err != nil {
			return fmt.Errorf("store output of run %s: %w", runID, err)
		}
	}
	if r.StartedAt == nil {
		_, err := s.db.NewUpdate().Model((*Run)(nil)).Set("started_at = ?", first).
			Where("id = ?", runID).Where("started_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark run %s started: %w", runID, err)
		}
	}
	s.notify(runID)
	return nil
}

// Complete stores how a run ended. A result for a run that already ended is ignored, so a
// resent result changes nothing.
func (s *Service) Complete(ctx context.Context, agentID, runID string,
	res sdk.ScriptResult) error {
	if err := s.owned(ctx, agentID, runID); err != nil {
		return err
	}
	return s.finish(ctx, runID, res)
}

// finish stores how a run ended, unless it already has.
func (s *Service) finish(ctx context.Context, runID string, res sdk.ScriptResult) error {
	var asked int
	if err := s.db.NewSelect().Model((*Run)(nil)).ColumnExpr("count(*)").
		Where("id = ?", runID).Where("cancel_requested_at IS NOT NULL").
		Scan(ctx, &asked); err != nil {
		return fmt.Errorf("check run %s: %w", runID, err)
	}
	status := StatusCompleted
	switch {
	case asked > 0 && (res.Error != "" || res.ExitCode != 0):
		status = StatusCancelled
	case res.TimedOut:
		status = StatusTimedOut
	case res.Error != "":
		status = StatusError
	}
	finished := res.FinishedAt.UTC()
	if finished.IsZero() {
		finished = s.now()
	}
	q := s.db.NewUpdate().Model((*Run)(nil)).Set("status = ?", status).
		Set("exit_code = ?", res.ExitCode).Set("error = ?", res.Error).
		Set("timed_out = ?", res.TimedOut).Set("dropped_bytes = ?", res.DroppedBytes).
		Set("finished_at = ?", finished).
		Where("id = ?", runID).
		Where("status IN (?)", bun.In([]string{StatusQueued, StatusDispatched}))
	if !res.StartedAt.IsZero() {
		q = q.Set("started_at = ?", res.StartedAt.UTC())
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("store result of run %s: %w", runID, err)
	}
	s.notify(runID)
	return nil
}

// owned checks that the run belongs to the agent reporting on it.
func (s *Service) owned(ctx context.Context, agentID, runID string) error {
	n, err := s.db.NewSelect().Model((*Run)(nil)).Where("id = ?", runID).
		Where("agent_id = ?", agentID).Count(ctx)
	if err != nil {
		return fmt.Errorf("check run %s: %w", runID, err)
	}
	if n == 0 {
		return fmt.Errorf("run %s is not a run of agent %s: %w", runID, agentID,
			errs.ErrForbidden)
	}
	return nil
}

// Wait returns a channel closed at the next change on this instance, and a function that
// stops waiting. Changes made through other instances are not signalled: readers poll too.
func (s *Service) Wait(id string) (<-chan struct{}, func()) { return s.changes.Wait(id) }

func (s *Service) notify(id string) { s.changes.Notify(id) }

// CancelRuns stops runs that have not finished: queued ones are cancelled at once, and for
// dispatched ones a cancel is asked of their agent, whose result then says so. It returns
// how many runs were touched.
func (s *Service) CancelRuns(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	now := s.now()
	res, err := s.db.NewUpdate().Model((*Run)(nil)).Set("status = ?", StatusCancelled).
		Set("finished_at = ?", now).Set("error = ?", "cancelled before it started").
		Where("id IN (?)", bun.In(ids)).Where("status = ?", StatusQueued).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("cancel queued runs: %w", err)
	}
	queued, _ := res.RowsAffected()
	res, err = s.db.NewUpdate().Model((*Run)(nil)).Set("cancel_requested_at = ?", now).
		Where("id IN (?)", bun.In(ids)).Where("status = ?", StatusDispatched).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("ask runs to stop: %w", err)
	}
	dispatched, _ := res.RowsAffected()
	for _, id := range ids {
		s.notify(id)
	}
	return int(queued + dispatched), nil
}

// Cancel stops an ad-hoc run the caller may see.
func (s *Service) Cancel(ctx context.Context, id string) (Run, error) {
	if _, err := access.Require(ctx, access.MSPAdmin, access.MSPUser,
		access.TenantAdmin); err != nil {
		return Run{}, err
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Run{}, err
	}
	if Finished(r.Status) {
		return Run{}, fmt.Errorf("run %s has already ended (%s): %w", id, r.Status,
			errs.ErrConflict)
	}
	if _, err := s.CancelRuns(ctx, []string{id}); err != nil {
		return Run{}, err
	}
	s.stopping()
	return s.load(ctx, id)
}

// CancelSession stops the unfinished runs a session started.
func (s *Service) CancelSession(ctx context.Context, sessionID string) error {
	var runs []Run
	err := s.db.NewSelect().Model(&runs).Column("id").
		Where("session_id = ?", sessionID).
		Where("status IN (?)", bun.In([]string{StatusQueued, StatusDispatched})).Scan(ctx)
	if err != nil {
		return fmt.Errorf("find runs of session %s: %w", sessionID, err)
	}
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	if _, err := s.CancelRuns(ctx, ids); err != nil {
		return err
	}
	if len(runs) > 0 {
		s.stopping()
	}
	return nil
}
