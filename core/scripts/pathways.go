package scripts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/sdk"
)

// Pathway is one way the hub reaches a computer to run scripts.
type Pathway struct {
	// AgentID is set for Steward's own agent; PathwayID and Link for a link's record.
	AgentID   string `bun:"agent_id" json:"agentId,omitempty"`
	PathwayID string `bun:"pathway_id" json:"pathwayId,omitempty"`
	Link      string `bun:"link" json:"link,omitempty"`
	// ExternalID is the computer's id in the link's system, or the agent id.
	ExternalID string    `bun:"external_id" json:"externalId"`
	Online     bool      `bun:"online" json:"online"`
	Priority   int       `bun:"priority" json:"priority"`
	LastSeen   time.Time `bun:"last_seen_at" json:"lastSeenAt"`
}

// Pathways lists how the hub can reach a computer to run scripts, in the order it picks
// them: the first is the one the next run takes.
func (s *Service) Pathways(ctx context.Context, computerID string) ([]Pathway, error) {
	p, err := access.Anyone(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.target(ctx, computerID)
	if err != nil {
		return nil, err
	}
	if !p.SeesTenant(t.TenantID) {
		return nil, fmt.Errorf("computer %s: %w", computerID, errs.ErrNotFound)
	}
	return s.pathwaysOf(ctx, computerID)
}

// NextPathway returns the pathway the next run on the computer takes; the zero value when
// it has none. It checks no access: it is for the hub's own use.
func (s *Service) NextPathway(ctx context.Context, computerID string) (Pathway, error) {
	all, err := s.pathwaysOf(ctx, computerID)
	if err != nil || len(all) == 0 {
		return Pathway{}, err
	}
	return all[0], nil
}

// pathwaysOf orders how to reach a computer: a pathway that is online now before one that is
// not; among those, Steward's own agent first, then links by priority, higher first, then the
// one heard from most recently. A run for an offline pathway waits until it comes back.
// Only links that are enabled and whose connector runs scripts count.
func (s *Service) pathwaysOf(ctx context.Context, computerID string) ([]Pathway, error) {
	var agents []Pathway
	err := s.db.NewRaw(`SELECT id AS agent_id, '' AS pathway_id, '' AS link,
			id AS external_id, connected_instance IS NOT NULL AS online, 0 AS priority,
			COALESCE(last_seen_at, enrolled_at) AS last_seen_at
		FROM agents WHERE computer_id = ? AND revoked_at IS NULL`, computerID).
		Scan(ctx, &agents)
	if err != nil {
		return nil, fmt.Errorf("find agents of computer %s: %w", computerID, err)
	}
	var linked []Pathway
	err = s.db.NewRaw(`SELECT '' AS agent_id, p.id AS pathway_id, l.name AS link,
			p.external_id, (p.online AND l.status = 'running') AS online, l.priority,
			COALESCE(p.last_seen_at, p.first_seen_at) AS last_seen_at
		FROM pathways p JOIN links l ON l.id = p.link_id
		WHERE p.computer_id = ? AND NOT p.gone AND l.enabled AND l.capabilities LIKE ?`,
		computerID, `%"`+string(sdk.CapRunScript)+`"%`).Scan(ctx, &linked)
	if err != nil {
		return nil, fmt.Errorf("find link pathways of computer %s: %w", computerID, err)
	}

	all := append(agents, linked...)
	slices.SortStableFunc(all, func(a, b Pathway) int {
		switch {
		case a.Online != b.Online:
			return boolFirst(a.Online)
		case (a.AgentID != "") != (b.AgentID != ""):
			return boolFirst(a.AgentID != "")
		case a.Priority != b.Priority:
			return b.Priority - a.Priority
		}
		return b.LastSeen.Compare(a.LastSeen)
	})
	return all, nil
}

// boolFirst orders a before b when a is true.
func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

// route is where a run goes: the link and the link's own id of the computer.
type route struct {
	LinkID     string
	ExternalID string
}

// routeOf returns where a run goes: for Steward's agent, the native link and the agent id.
func (s *Service) routeOf(ctx context.Context, r Run) (route, error) {
	if r.AgentID != "" {
		return route{LinkID: identify.NativeLink, ExternalID: r.AgentID}, nil
	}
	var rt route
	err := s.db.NewRaw(`SELECT link_id, external_id FROM pathways WHERE id = ?`, r.PathwayID).
		Scan(ctx, &rt)
	if err != nil {
		return route{}, fmt.Errorf("load pathway of run %s: %w", r.ID, err)
	}
	return rt, nil
}

// describe fills in how runs reach their computers, for people.
func (s *Service) describe(ctx context.Context, runs []Run) {
	for i := range runs {
		if runs[i].AgentID != "" {
			runs[i].Via = "agent"
			continue
		}
		var name string
		err := s.db.NewRaw(`SELECT l.name FROM pathways p JOIN links l ON l.id = p.link_id
			WHERE p.id = ?`, runs[i].PathwayID).Scan(ctx, &name)
		switch {
		case err == nil:
			runs[i].Via = "link " + name
		case errors.Is(err, sql.ErrNoRows):
			runs[i].Via = "a deleted link"
		}
	}
}

// reachable returns queued runs this instance may hand over: those of agents connected here
// and those through any link, whose connectors every instance runs.
func (s *Service) reachable(ctx context.Context, instance string) ([]Run, error) {
	var out []Run
	err := s.db.NewSelect().Model(&out).
		Join("LEFT JOIN agents AS a ON a.id = r.agent_id").
		Where("r.status = ?", StatusQueued).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("a.connected_instance = ?", instance).
				WhereOr("r.pathway_id IS NOT NULL")
		}).
		Order("r.created_at").Limit(1000).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list queued runs: %w", err)
	}
	return out, nil
}

// claim marks a queued run dispatched, vouched for until until; false means another instance
// took it first.
func (s *Service) claim(ctx context.Context, id string, until time.Time) (bool, error) {
	res, err := s.db.NewUpdate().Model((*Run)(nil)).Set("status = ?", StatusDispatched).
		Set("dispatched_at = ?", s.now()).Set("carrier_until = ?", until).
		Where("id = ?", id).Where("status = ?", StatusQueued).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("mark run %s dispatched: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// requeue puts a dispatched run back in the queue, to be handed over again; note says why it
// waits, and shows as the run's error until it ends. untouched says the pathway never got
// the run, so another pathway may take it; otherwise only the same one may.
func (s *Service) requeue(ctx context.Context, id, note string, untouched bool) error {
	q := s.db.NewUpdate().Model((*Run)(nil)).Set("status = ?", StatusQueued).
		Set("error = ?", note)
	if untouched {
		q = q.Set("dispatched_at = NULL")
	}
	_, err := q.Where("id = ?", id).Where("status = ?", StatusDispatched).Exec(ctx)
	if err != nil {
		return fmt.Errorf("queue run %s again: %w", id, err)
	}
	return nil
}

// Requeue puts an agent's dispatched runs back in the queue after it connects, so they are
// offered again: the agent runs those it never got and resends the output and result of the
// others, never running one twice.
func (s *Service) Requeue(ctx context.Context, agentID string) error {
	_, err := s.db.NewUpdate().Model((*Run)(nil)).Set("status = ?", StatusQueued).
		Where("agent_id = ?", agentID).Where("status = ?", StatusDispatched).Exec(ctx)
	if err != nil {
		return fmt.Errorf("offer runs of agent %s again: %w", agentID, err)
	}
	s.queued()
	return nil
}

// cancelsAmong returns those of ids whose cancel was asked and not yet passed on, and notes
// that it is being passed on now.
func (s *Service) cancelsAmong(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var asked []string
	err := s.db.NewSelect().Model((*Run)(nil)).Column("id").Where("id IN (?)", bun.In(ids)).
		Where("cancel_requested_at IS NOT NULL").Where("cancel_sent_at IS NULL").
		Scan(ctx, &asked)
	if err != nil || len(asked) == 0 {
		return nil, err
	}
	_, err = s.db.NewUpdate().Model((*Run)(nil)).Set("cancel_sent_at = ?", s.now()).
		Where("id IN (?)", bun.In(asked)).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("note cancels passed on: %w", err)
	}
	return asked, nil
}

// lostThroughLinks returns runs through links whose result can no longer come: runs handed
// over whose carrier stopped vouching for them (the instance carrying them stopped), and
// runs still queued longer than their timeout and grace (their link was stopped, disabled or
// deleted all along). following are the runs this instance carries.
func (s *Service) lostThroughLinks(ctx context.Context, grace time.Duration,
	following []string) ([]Run, error) {
	var runs []Run
	q := s.db.NewSelect().Model(&runs).Where("pathway_id IS NOT NULL").
		Where("status IN (?)", bun.In([]string{StatusQueued, StatusDispatched}))
	if len(following) > 0 {
		q = q.Where("id NOT IN (?)", bun.In(following))
	}
	if err := q.Order("created_at").Limit(1000).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list runs through links: %w", err)
	}
	now := s.now()
	return slices.DeleteFunc(runs, func(r Run) bool {
		if r.Status == StatusDispatched && r.CarrierUntil != nil {
			return now.Before(*r.CarrierUntil)
		}
		since := r.CreatedAt
		if r.DispatchedAt != nil {
			since = *r.DispatchedAt
		}
		return now.Sub(since) < time.Duration(r.TimeoutSeconds)*time.Second+grace
	}), nil
}

// vouch extends, until until, the runs this instance carries through links.
func (s *Service) vouch(ctx context.Context, ids []string, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.NewUpdate().Model((*Run)(nil)).Set("carrier_until = ?", until).
		Where("id IN (?)", bun.In(ids)).Where("pathway_id IS NOT NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("renew runs carried here: %w", err)
	}
	return nil
}

// markOffline records that a link's record could not reach its computer just now, so runs
// and sessions prefer other pathways until the link's next sync says otherwise.
func (s *Service) markOffline(ctx context.Context, pathwayID string) error {
	_, err := s.db.NewUpdate().Table("pathways").Set("online = ?", false).
		Where("id = ?", pathwayID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark pathway %s offline: %w", pathwayID, err)
	}
	return nil
}

// markOnline records that a link's record just reached its computer.
func (s *Service) markOnline(ctx context.Context, pathwayID string) error {
	_, err := s.db.NewUpdate().Table("pathways").Set("online = ?", true).
		Set("last_seen_at = ?", s.now()).Where("id = ?", pathwayID).Where("NOT gone").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark pathway %s online: %w", pathwayID, err)
	}
	return nil
}

// repath moves runs still queued for a pathway that cannot take them now (offline, disabled,
// revoked) to the computer's first pathway, when that one is online. Only runs no pathway has
// had are moved: one an agent may hold would otherwise run twice. A run waits settle before
// it is looked at, so a pathway reconnecting at once keeps its runs.
func (s *Service) repath(ctx context.Context, settle time.Duration) (int, error) {
	var runs []Run
	err := s.db.NewSelect().Model(&runs).Column("id", "computer_id", "agent_id", "pathway_id").
		Where("status = ?", StatusQueued).Where("created_at < ?", s.now().Add(-settle)).
		Where("dispatched_at IS NULL").Where("started_at IS NULL").
		Order("created_at").Limit(500).Scan(ctx)
	if err != nil {
		return 0, fmt.Errorf("list queued runs: %w", err)
	}
	byComputer := map[string][]Pathway{}
	moved := 0
	for _, r := range runs {
		ps, ok := byComputer[r.ComputerID]
		if !ok {
			if ps, err = s.pathwaysOf(ctx, r.ComputerID); err != nil {
				return moved, err
			}
			byComputer[r.ComputerID] = ps
		}
		current := slices.IndexFunc(ps, func(p Pathway) bool {
			return p.AgentID == r.AgentID && p.PathwayID == r.PathwayID
		})
		if len(ps) == 0 || !ps[0].Online || current == 0 ||
			current > 0 && ps[current].Online {
			continue
		}
		next := ps[0]
		var agentID, pathwayID any
		if next.AgentID != "" {
			agentID = next.AgentID
		} else {
			pathwayID = next.PathwayID
		}
		res, err := s.db.NewUpdate().Model((*Run)(nil)).Set("agent_id = ?", agentID).
			Set("pathway_id = ?", pathwayID).Set("error = ''").
			Where("id = ?", r.ID).Where("status = ?", StatusQueued).
			Where("dispatched_at IS NULL").Exec(ctx)
		if err != nil {
			return moved, fmt.Errorf("move run %s to another pathway: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			moved++
		}
	}
	return moved, nil
}
