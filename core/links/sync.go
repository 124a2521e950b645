package links

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/sdk"
)

// DefaultSyncInterval is how often every running link's agents are synced when Config leaves
// SyncInterval zero.
const DefaultSyncInterval = 15 * time.Minute

// Reporter turns a pathway's report into a computer; identify.Service is the real one.
type Reporter interface {
	Report(ctx context.Context, r identify.Report) (string, error)
}

// SyncSummary counts what one sync of a link did.
type SyncSummary struct {
	// Seen is the number of agents the connector reported.
	Seen int `json:"seen"`
	// Identified agents were reported to identification and are linked to a computer.
	Identified int `json:"identified"`
	// Skipped agents belong to clients not mapped to a tenant; pathways they already have
	// are left as they are.
	Skipped int `json:"skipped"`
	// Gone is the number of pathways marked gone because the connector stopped reporting
	// their agent.
	Gone int `json:"gone"`
	// Errors is the number of agents whose identification failed; the next sync retries them.
	Errors int `json:"errors"`
}

// syncedPathway is what a sync needs to know of a link's stored pathways.
type syncedPathway struct {
	ID         string  `bun:"id"`
	ExternalID string  `bun:"external_id"`
	TenantID   string  `bun:"tenant_id"`
	ComputerID *string `bun:"computer_id"`
	Gone       bool    `bun:"gone"`
}

// goneBatch bounds the ids in one update, below every database's parameter limit.
const goneBatch = 500

// SyncInterval is how often every link is synced.
func (s *Service) SyncInterval() time.Duration { return s.syncInterval }

// Sync reads the agents of the link's running connector and reports each agent of a mapped
// client to identification.
func (s *Service) Sync(ctx context.Context, id string) (SyncSummary, error) {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return SyncSummary{}, err
	}
	return s.sync(ctx, id)
}

// SyncArgs is the job that syncs one link; each enabled link gets its own, so a slow or
// failing link neither delays nor fails the others, and a failed sync is retried.
type SyncArgs struct {
	LinkID string `json:"linkId"`
}

// Kind names the job.
func (SyncArgs) Kind() string { return "link_sync" }

// InsertOpts allows one sync per link a minute, and two retries. Uniqueness is by period, not
// by state: a sync left "running" by a killed instance must not keep the link's later syncs
// out.
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByPeriod: time.Minute}}
}

// SyncWorker runs link sync jobs.
type SyncWorker struct {
	river.WorkerDefaults[SyncArgs]
	Links *Service
}

// Work syncs one link. A link deleted or disabled since the job was queued is skipped.
func (w *SyncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	ctx = access.WithPrincipal(ctx, access.System())
	id := job.Args.LinkID
	l, err := load(ctx, w.Links.db, id)
	if errors.Is(err, errs.ErrNotFound) || err == nil && !l.Enabled {
		return nil
	}
	if err != nil {
		return err
	}
	sum, err := w.Links.sync(ctx, id)
	if err != nil {
		w.Links.log.Warn("link sync failed", "link", l.Name, "attempt", job.Attempt,
			"err", err)
		return err
	}
	w.Links.log.Info("link synced", "link", l.Name, "seen", sum.Seen,
		"identified", sum.Identified, "skipped", sum.Skipped, "gone", sum.Gone,
		"errors", sum.Errors)
	return nil
}

// inserter queues jobs; jobs.Queue is the real one.
type inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// QueueSyncs queues a sync job for every enabled link whose connector offers agents.
func (s *Service) QueueSyncs(ctx context.Context, q inserter) error {
	var ids []string
	err := s.db.NewSelect().Table("links").Column("id").Where("enabled").
		Where("capabilities LIKE ?", `%"`+string(sdk.CapAgents)+`"%`).Scan(ctx, &ids)
	if err != nil {
		return fmt.Errorf("list links to sync: %w", err)
	}
	var failed []error
	for _, id := range ids {
		if err := q.Insert(ctx, SyncArgs{LinkID: id}, nil); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

func (s *Service) sync(ctx context.Context, id string) (SyncSummary, error) {
	if s.reporter == nil {
		return SyncSummary{}, fmt.Errorf("sync link %s: no identification service: %w", id,
			errs.ErrConflict)
	}
	var agents []sdk.Agent
	p, err := s.call(ctx, id, sdk.CapAgents, func(ctx context.Context, p *sdk.Plugin) error {
		var err error
		agents, err = p.Agents(ctx)
		return err
	})
	if err != nil {
		// Nothing is marked gone: a failed list says nothing about which agents remain.
		return SyncSummary{}, fmt.Errorf("list agents of link %s: %w", id, err)
	}

	tenants, err := s.mappedTenants(ctx, id)
	if err != nil {
		return SyncSummary{}, err
	}
	known, err := s.pathways(ctx, id)
	if err != nil {
		return SyncSummary{}, err
	}

	sum := SyncSummary{Seen: len(agents)}
	reported := make(map[string]bool, len(agents))
	for _, a := range agents {
		reported[a.ID] = true
		tenantID, ok := tenants[a.ClientID]
		if !ok {
			sum.Skipped++
			continue
		}
		r := identify.Report{TenantID: tenantID, Pathway: identify.Pathway{LinkID: id,
			ExternalID: a.ID, Online: a.Online, LastSeen: a.LastSeen},
			Inventory: sdk.Inventory{Facts: agentFacts(a)}}
		// A pathway already linked in the same tenant reports as known, so its computer
		// gets the new facts instead of being matched again.
		if pw, ok := known[a.ID]; ok && pw.TenantID == tenantID && pw.ComputerID != nil {
			r.ComputerID = *pw.ComputerID
		} else if a.HardwareUUID == "" && a.Online && p.Has(sdk.CapIdentify) {
			r.Inventory.Facts = s.identifyAgent(ctx, id, a, r.Inventory.Facts)
		}
		// TODO(remap): a client moved to another tenant gets new computers there; the
		// pathway rows keep their first tenant until identification moves them.
		if _, err := s.reporter.Report(ctx, r); err != nil {
			if ctx.Err() != nil {
				return sum, fmt.Errorf("sync link %s: %w", id, ctx.Err())
			}
			s.log.Warn("identify agent", "link_id", id, "agent_id", a.ID, "err", err)
			sum.Errors++
			continue
		}
		sum.Identified++
	}

	var gone []string
	for ext, pw := range known {
		if !reported[ext] && !pw.Gone {
			gone = append(gone, pw.ID)
		}
	}
	if sum.Gone, err = s.markGone(ctx, gone); err != nil {
		return sum, err
	}
	return sum, nil
}

// identifyAgent asks the connector to read a new agent's identity on the computer itself,
// when its record carries no hardware UUID, and merges what it finds over the record's facts.
// A failure leaves the record's facts, with which identification may still succeed.
func (s *Service) identifyAgent(ctx context.Context, id string, a sdk.Agent,
	facts sdk.IdentityFacts) sdk.IdentityFacts {
	var got sdk.IdentityFacts
	_, err := s.call(ctx, id, sdk.CapIdentify, func(ctx context.Context, p *sdk.Plugin) error {
		var err error
		got, err = p.Identify(ctx, a.ID)
		return err
	})
	if err != nil {
		s.log.Warn("identity of agent not read", "link_id", id, "agent_id", a.ID, "err", err)
		return facts
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&facts.SMBIOSUUID, got.SMBIOSUUID}, {&facts.Serial, got.Serial},
		{&facts.Manufacturer, got.Manufacturer}, {&facts.Model, got.Model},
		{&facts.Hostname, got.Hostname}, {&facts.OSName, got.OSName},
		{&facts.OSVersion, got.OSVersion}, {&facts.OSInstallID, got.OSInstallID},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if got.OSInstallDate != nil {
		facts.OSInstallDate = got.OSInstallDate
	}
	return facts
}

// callAttempts bounds how often a call is tried when the connector dies under it.
const callAttempts = 3

// call makes one call to the link's running connector with a deadline. When the connector
// process dies during the call, it waits for the host to restart it and tries again, so a
// sync survives a connector crash. It returns the connector that answered.
func (s *Service) call(ctx context.Context, id string, c sdk.Capability,
	fn func(context.Context, *sdk.Plugin) error) (*sdk.Plugin, error) {
	for attempt := 1; ; attempt++ {
		_, p, err := s.running(ctx, id, c)
		if err != nil {
			return nil, err
		}
		callCtx, cancel := context.WithTimeout(ctx, s.callTimeout)
		err = fn(callCtx, p)
		cancel()
		if err == nil || attempt == callAttempts || ctx.Err() != nil || !s.died(p) {
			return p, err
		}
		s.log.Warn("connector died during a call; waiting for its restart", "link_id", id,
			"err", err)
		if err := s.host.awaitRestart(ctx, id, p, s.restartWait()); err != nil {
			return nil, err
		}
	}
}

// died reports whether p's process has ended, waiting briefly: a call can fail a moment
// before the exit is noticed.
func (s *Service) died(p *sdk.Plugin) bool {
	deadline := time.Now().Add(2 * time.Second)
	for !p.Exited() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(exitPoll / 4)
	}
	return true
}

// restartWait is how long a call waits for a crashed connector to come back.
func (s *Service) restartWait() time.Duration {
	return s.host.maxBackoff + s.host.startTimeout + 5*time.Second
}

// agentFacts are the identity facts an external system's agent record carries.
func agentFacts(a sdk.Agent) sdk.IdentityFacts {
	return sdk.IdentityFacts{SMBIOSUUID: a.HardwareUUID, Serial: a.Serial,
		Manufacturer: a.Manufacturer, Model: a.Model, Hostname: a.Name, OSName: a.OS,
		OSVersion: a.OSVersion}
}

// mappedTenants returns the tenant of each mapped client of the link.
func (s *Service) mappedTenants(ctx context.Context, id string) (map[string]string, error) {
	var rows []LinkClient
	err := s.db.NewSelect().Model(&rows).Where("link_id = ?", id).
		Where("tenant_id IS NOT NULL").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load client mappings of link %s: %w", id, err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ClientID] = *r.TenantID
	}
	return out, nil
}

// pathways returns the link's stored pathways by external id.
func (s *Service) pathways(ctx context.Context, id string) (map[string]syncedPathway, error) {
	var rows []syncedPathway
	err := s.db.NewSelect().Table("pathways").
		Column("id", "external_id", "tenant_id", "computer_id", "gone").
		Where("link_id = ?", id).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load pathways of link %s: %w", id, err)
	}
	out := make(map[string]syncedPathway, len(rows))
	for _, r := range rows {
		out[r.ExternalID] = r
	}
	return out, nil
}

// markGone flags pathways whose agents the connector no longer reports. The rows stay, so
// the computer keeps its history and a returning agent links to it again.
func (s *Service) markGone(ctx context.Context, ids []string) (int, error) {
	n := 0
	for len(ids) > 0 {
		batch := ids[:min(goneBatch, len(ids))]
		ids = ids[len(batch):]
		res, err := s.db.NewUpdate().Table("pathways").Set("gone = ?", true).
			Set("online = ?", false).Where("id IN (?)", bun.In(batch)).Exec(ctx)
		if err != nil {
			return n, fmt.Errorf("mark pathways gone: %w", err)
		}
		rows, err := res.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("mark pathways gone: %w", err)
		}
		n += int(rows)
	}
	return n, nil
}
