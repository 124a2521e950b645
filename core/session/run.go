package session

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/resolve"
	"github.com/stewardhq/steward/sdk"
)

// run is one execution of a session's stages by the engine; after a restart a new run picks
// up the stored progress.
type run struct {
	e   *Engine
	ses *Session
	// programs is the latest inventory's software list; refreshed after changes.
	programs []sdk.Program
}

func (r *run) log(ctx context.Context, a *Action, level, format string, args ...any) {
	var id *string
	if a != nil {
		id = &a.ID
	}
	r.e.sessions.logLine(ctx, r.ses.ID, id, level, fmt.Sprintf(format, args...))
}

// stage records the stage the session is in, and stops if it was cancelled meanwhile.
func (r *run) stage(ctx context.Context, stage string) error {
	var status string
	err := r.e.db.NewSelect().Model((*Session)(nil)).Column("status").
		Where("id = ?", r.ses.ID).Scan(ctx, &status)
	if err != nil {
		return fmt.Errorf("check session status: %w", err)
	}
	if status == StatusCancelled {
		return errCancelled
	}
	if r.ses.Stage == stage && r.ses.Status == StatusRunning {
		return nil
	}
	now := r.e.now()
	r.ses.Stage, r.ses.Status = stage, StatusRunning
	if r.ses.StartedAt == nil {
		r.ses.StartedAt = &now
	}
	_, err = r.e.db.NewUpdate().Model(r.ses).Column("stage", "status", "started_at").
		WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("record stage %s: %w", stage, err)
	}
	r.log(ctx, nil, "info", "stage: %s", stage)
	return nil
}

// execute runs the stages in order, skipping what a previous run of the session finished.
func (r *run) execute(ctx context.Context) error {
	if err := r.stage(ctx, StageInventory); err != nil {
		return err
	}
	if link, ok, err := r.throughLink(ctx); err != nil {
		return err
	} else if ok {
		// Without an agent the stored programs may be old: read them now.
		if err := r.programsByScript(ctx, nil, link, "start"); err != nil {
			r.log(ctx, nil, "warn", "programs not read: %s; using the stored inventory", err)
		}
	}
	inv, at, err := r.e.sessions.inventory(ctx, r.ses.ComputerID)
	if err != nil {
		return err
	}
	r.programs = inv.Programs
	r.log(ctx, nil, "info", "inventory of %s: %d programs", at.Format(time.RFC3339),
		len(inv.Programs))

	if len(r.ses.Actions) == 0 {
		if err := r.stage(ctx, StageResolution); err != nil {
			return err
		}
		winners, err := r.resolve(ctx)
		if err != nil {
			return err
		}
		if r.ses.Onboarding {
			if err := r.stage(ctx, StageOnboarding); err != nil {
				return err
			}
			if err := r.setComputerStatus(ctx, computer.StatusOnboarding); err != nil {
				return err
			}
		}
		if err := r.stage(ctx, StageDetection); err != nil {
			return err
		}
		if err := r.detect(ctx, winners); err != nil {
			return err
		}
	}
	if r.ses.Mode == ModeDetect {
		return nil
	}
	if err := r.stage(ctx, StageExecution); err != nil {
		return err
	}
	for i := range r.ses.Actions {
		a := &r.ses.Actions[i]
		if a.Status != ActionPending && a.Status != ActionRunning {
			continue
		}
		if err := r.stage(ctx, StageExecution); err != nil {
			return err
		}
		if err := r.perform(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// resolve lists the winning deployment of each item, in a stable order.
func (r *run) resolve(ctx context.Context) ([]resolve.Explanation, error) {
	byItem, err := r.e.resolver.Winners(ctx, r.ses.ComputerID)
	if err != nil {
		return nil, err
	}
	var out []resolve.Explanation
	for item, e := range byItem {
		if r.ses.Mode == ModeItem && item != r.ses.ItemID {
			continue
		}
		if e.Winner == nil {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ItemID < out[j].ItemID })
	if len(out) == 0 {
		r.log(ctx, nil, "info", "no deployment applies to this computer")
	}
	for _, e := range out {
		r.log(ctx, nil, "info", "%s %s: deployment %s (%s) %s", e.Winner.ItemKind,
			e.ItemID, e.Winner.ID, e.Winner.State, e.WinnerReason)
	}
	return out, nil
}

// detect decides each item's action without changing anything, and stores the actions.
func (r *run) detect(ctx context.Context, winners []resolve.Explanation) error {
	actions := make([]Action, 0, len(winners))
	for i, e := range winners {
		d := *e.Winner
		a := Action{ID: uuid.Must(uuid.NewV7()).String(), SessionID: r.ses.ID, Position: i,
			ItemKind: string(d.ItemKind), ItemID: d.ItemID, ItemName: d.ItemID,
			DeploymentID: d.ID, State: string(d.State), Status: ActionPending}
		var err error
		if d.ItemKind == resolve.ItemSoftware {
			err = r.detectSoftware(ctx, &a, d)
		} else {
			err = r.detectTask(ctx, &a, d)
		}
		if err != nil {
			a.Type, a.Status = ActionNone, ActionFailed
			a.Result, a.ResultReason = "detection failed", err.Error()
		}
		if a.Type == ActionNone && a.Status == ActionPending {
			a.Status, a.Result = ActionPassed, "no change needed"
		}
		if r.ses.Mode == ModeDetect && a.Status == ActionPending {
			a.Status = ActionSkipped
			a.Result = "detection only"
		}
		r.log(ctx, nil, "info", "%s: %s (%s)", a.ItemName, a.Type, a.Reason)
		actions = append(actions, a)
	}
	if len(actions) > 0 {
		if _, err := r.e.db.NewInsert().Model(&actions).Exec(ctx); err != nil {
			return fmt.Errorf("store actions: %w", err)
		}
	}
	r.ses.Actions = actions
	return nil
}

func (r *run) detectSoftware(ctx context.Context, a *Action, d resolve.Deployment) error {
	sw, err := r.e.catalog.LoadSoftware(ctx, d.ItemID)
	if err != nil {
		return err
	}
	a.ItemName = sw.Name
	found, err := r.detectVersion(ctx, a, sw, "detect")
	if err != nil {
		return err
	}
	latest := ""
	if v, ok := catalog.Latest(sw); ok {
		latest = v.Version
	}
	plan := PlanSoftware(d.State, d.Version, found, latest)
	a.Type, a.Reason, a.TargetVersion = plan.Type, plan.Reason, plan.Target
	a.DetectedVersion = found.Version
	return nil
}

func (r *run) detectTask(ctx context.Context, a *Action, d resolve.Deployment) error {
	t, err := r.e.catalog.LoadTask(ctx, d.ItemID)
	if err != nil {
		return err
	}
	a.ItemName = t.Name
	params, err := r.params(ctx, d.ID)
	if err != nil {
		return err
	}
	plan := PlanTask(d.State)
	a.Type, a.Reason = plan.Type, plan.Reason
	switch plan.Type {
	case ActionTaskEnforce, ActionAudit:
		ok, err := r.taskTest(ctx, a, t, params, "detect-test")
		if err != nil {
			return err
		}
		if ok {
			a.Type, a.Reason = ActionNone, "compliant"
		} else if plan.Type == ActionTaskEnforce {
			a.Reason = "not compliant"
		} else {
			// An audit only reports: its finding is its result.
			a.Status, a.Result, a.ResultReason = ActionFailed, "not compliant",
				"the audit's test answered false"
		}
		if plan.Type == ActionAudit && ok {
			a.Type, a.Status, a.Result = ActionAudit, ActionPassed, "compliant"
		}
	case ActionMonitor:
		value, err := r.taskGet(ctx, a, t, params)
		if err != nil {
			return err
		}
		a.Status, a.Result = ActionPassed, value
	}
	return nil
}

// finish records how the session ended and what that means for the computer.
func (r *run) finish(ctx context.Context, runErr error) error {
	status := StatusPassed
	passed, failed := 0, 0
	for _, a := range r.ses.Actions {
		switch a.Status {
		case ActionPassed, ActionSkipped:
			passed++
		case ActionFailed:
			failed++
		}
	}
	summary := fmt.Sprintf("%s passed, %d failed", plural(passed, "action"), failed)
	if r.ses.Mode == ModeDetect {
		summary = detectSummary(r.ses.Actions)
	}
	switch {
	case runErr != nil:
		status, summary = StatusFailed, runErr.Error()
	case failed > 0 && passed > 0:
		status = StatusPartiallyPassed
	case failed > 0:
		status = StatusFailed
	}

	var current string
	if err := r.e.db.NewSelect().Model((*Session)(nil)).Column("status").
		Where("id = ?", r.ses.ID).Scan(ctx, &current); err != nil {
		return fmt.Errorf("check session %s: %w", r.ses.ID, err)
	}
	if current == StatusCancelled {
		return nil
	}
	// The last lines are written before the status: a follower that sees the end has them.
	if r.ses.Onboarding {
		next := computer.StatusOnboarded
		if status == StatusFailed {
			next = computer.StatusNeedsOnboarding
		}
		if err := r.setComputerStatus(ctx, next); err != nil {
			return err
		}
	}
	level := "info"
	if status != StatusPassed {
		level = "error"
	}
	r.log(ctx, nil, level, "session %s: %s", status, summary)

	now := r.e.now()
	r.ses.Status, r.ses.Summary, r.ses.Stage, r.ses.FinishedAt = status, summary, StageDone, &now
	res, err := r.e.db.NewUpdate().Model(r.ses).Column("status", "summary", "stage",
		"finished_at").WherePK().Where("status <> ?", StatusCancelled).Exec(ctx)
	if err != nil {
		return fmt.Errorf("finish session %s: %w", r.ses.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // cancelled meanwhile
	}
	r.e.log.Info("session finished", "session_id", r.ses.ID, "computer_id", r.ses.ComputerID,
		"status", status)
	return nil
}

func (r *run) setComputerStatus(ctx context.Context, status string) error {
	_, err := r.e.db.NewUpdate().Model((*computer.Computer)(nil)).Set("status = ?", status).
		Set("status_reason = ?", "session "+r.ses.ID).Set("updated_at = ?", r.e.now()).
		Where("id = ?", r.ses.ComputerID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set computer status %s: %w", status, err)
	}
	r.log(ctx, nil, "info", "computer is now %s", status)
	return nil
}

// detectSummary says what a detection-only session found.
func detectSummary(actions []Action) string {
	change, fine, failed := 0, 0, 0
	for _, a := range actions {
		switch {
		case a.Status == ActionFailed:
			failed++
		case a.Type == ActionNone || a.Type == ActionMonitor || a.Type == ActionAudit:
			fine++
		default:
			change++
		}
	}
	return fmt.Sprintf("detection only: %d to change, %d as wanted, %d failed", change, fine,
		failed)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
