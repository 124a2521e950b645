package scripts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/sdk"
)

// Spec is a run the hub itself asks for, such as a session's step. Its ID is chosen by the
// caller and derived from the work it belongs to, so asking again returns the same run.
type Spec struct {
	ID         string
	SessionID  string
	ComputerID string
	Language   string
	Context    string
	Body       string
	Params     map[string]string
	// Secrets are parameters kept sealed at rest, never shown, and masked in the output.
	Secrets   map[string]string
	Files     []sdk.FileRef
	Timeout   time.Duration
	CreatedBy string
}

// Ensure queues the run unless a run with the same id exists, and returns it and whether it
// was queued now. A run that already exists is never queued again, which is what keeps a
// resumed session from running a script twice.
func (s *Service) Ensure(ctx context.Context, sp Spec) (Run, bool, error) {
	if r, err := s.load(ctx, sp.ID); err == nil {
		return r, false, nil
	} else if !errors.Is(err, errs.ErrNotFound) {
		return Run{}, false, err
	}

	in := NewRun{Language: sp.Language, Context: sp.Context, Body: sp.Body,
		TimeoutSeconds: int(sp.Timeout / time.Second)}
	if err := validate(&in); err != nil {
		return Run{}, false, err
	}
	t, err := s.target(ctx, sp.ComputerID)
	if err != nil {
		return Run{}, false, err
	}
	if t.AgentID == "" && t.PathwayID == "" {
		return Run{}, false, fmt.Errorf("computer %s has no pathway that can run scripts: %w",
			sp.ComputerID, errs.ErrConflict)
	}
	params := map[string]string{}
	for k, v := range sp.Params {
		params[k] = v
	}
	params[VarComputerName] = t.ComputerName
	params[VarTenantName] = t.TenantName
	params[VarRunID] = sp.ID
	files := sp.Files
	if files == nil {
		files = []sdk.FileRef{}
	}
	run := Run{ID: sp.ID, TenantID: t.TenantID, ComputerID: sp.ComputerID, AgentID: t.AgentID,
		PathwayID: t.PathwayID, Language: in.Language, Context: in.Context, Body: in.Body,
		Params: params,
		Files:  files, TimeoutSeconds: in.TimeoutSeconds, Status: StatusQueued,
		CreatedBy: sp.CreatedBy, CreatedAt: s.now()}
	if sp.SessionID != "" {
		run.SessionID = &sp.SessionID
	}
	if run.SealedSecrets, _, err = s.sealSecrets(sp.ID, sp.Secrets); err != nil {
		return Run{}, false, err
	}
	if _, err := s.db.NewInsert().Model(&run).On("CONFLICT (id) DO NOTHING").
		Exec(ctx); err != nil {
		return Run{}, false, fmt.Errorf("queue run %s: %w", sp.ID, err)
	}
	s.queued()
	r, err := s.load(ctx, sp.ID)
	return r, err == nil, err
}

// Follow calls onLines with a run's output as it arrives, from after the sequence number
// after, and returns the run once it has finished and every line was passed on.
func (s *Service) Follow(ctx context.Context, runID string, after int64,
	onLines func([]sdk.OutputLine) error) (Run, error) {
	for {
		changed, stop := s.Wait(runID)
		lines, err := s.Output(ctx, runID, after, 1000)
		if err != nil {
			stop()
			return Run{}, err
		}
		if len(lines) > 0 {
			stop()
			if err := onLines(lines); err != nil {
				return Run{}, err
			}
			after = lines[len(lines)-1].Seq
			continue
		}
		r, err := s.load(ctx, runID)
		if err != nil {
			stop()
			return Run{}, err
		}
		if Finished(r.Status) {
			// One more read: lines stored just before the result may have been missed.
			lines, err := s.Output(ctx, runID, after, 1000)
			stop()
			if err != nil {
				return Run{}, err
			}
			if len(lines) == 0 {
				return r, nil
			}
			if err := onLines(lines); err != nil {
				return Run{}, err
			}
			after = lines[len(lines)-1].Seq
			continue
		}
		select {
		case <-ctx.Done():
			stop()
			return Run{}, ctx.Err()
		case <-changed:
		case <-time.After(500 * time.Millisecond):
		}
		stop()
	}
}
