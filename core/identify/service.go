package identify

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/sdk"
)

// NativeLink is the link id of Steward's own agents, whose pathways are the agents themselves.
const NativeLink = "native"

// Report is what a pathway tells the hub about the computer behind it.
type Report struct {
	TenantID string
	// Pathway is the record reporting: for Steward's agent, link NativeLink and the agent id.
	Pathway Pathway
	// ComputerID is the computer the pathway is already linked to, if any.
	ComputerID  string
	Tags        []string
	Inventory   sdk.Inventory
	Fingerprint string
}

// Service is the one entry point through which every pathway's report becomes, or joins, a
// computer, and where technicians settle the cases the rules cannot.
type Service struct {
	db      *bun.DB
	dialect string
	log     *slog.Logger
	now     func() time.Time
	retry   func(computerID string)
}

// NewService returns the identification service over the store.
func NewService(st *store.Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: st.DB, dialect: st.Dialect(), log: log,
		now: func() time.Time { return time.Now().UTC() }}
}

// OnRetry registers fn to ask a computer's pathways for fresh facts when a technician retries
// its identification.
func (s *Service) OnRetry(fn func(computerID string)) { s.retry = fn }

// Report identifies the reporting pathway's computer, records the facts and inventory on it,
// and returns its id.
func (s *Service) Report(ctx context.Context, r Report) (string, error) {
	now := s.now()
	if r.Pathway.FirstSeen.IsZero() {
		r.Pathway.FirstSeen = now
	}
	// Steward's agent reports while connected; a link's record says itself when it was last
	// seen and whether it is online.
	if r.Pathway.LinkID == NativeLink || r.Pathway.LastSeen.IsZero() {
		r.Pathway.LastSeen = now
	}
	if r.Pathway.LinkID == NativeLink {
		r.Pathway.Online = true
	}

	var id string
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		keys := LookupKeys(r.Inventory.Facts)
		if err := s.lock(ctx, tx, r.TenantID, keys); err != nil {
			return err
		}
		var err error
		if r.ComputerID != "" {
			id, err = s.known(ctx, tx, r, now)
		} else {
			id, err = s.identify(ctx, tx, r, keys, now)
		}
		if err != nil {
			return err
		}
		// A link's record carries identity facts only: it must not replace the programs
		// and users Steward's agent or an inventory script reported.
		if r.Pathway.LinkID != NativeLink && r.Inventory.Programs == nil {
			return nil
		}
		if _, err := computer.SaveInventory(ctx, tx, id, r.Inventory, r.Fingerprint,
			now); err != nil {
			return err
		}
		return s.noteUsers(ctx, tx, id, r.Inventory.Users)
	})
	return id, err
}

// lock serialises identification of records that share a lookup key, so two pathways of one
// machine reporting at the same moment make one computer. SQLite's write lock, taken at the
// start of every transaction, already does this.
func (s *Service) lock(ctx context.Context, tx bun.Tx, tenantID string, k Keys) error {
	if s.dialect != store.Postgres {
		return nil
	}
	var locks []int64
	for _, v := range []string{k.UUIDKey, k.Serial} {
		if v != "" {
			h := fnv.New64a()
			h.Write([]byte(tenantID + "\x00" + v))
			locks = append(locks, int64(h.Sum64()))
		}
	}
	slices.Sort(locks) // one order for every transaction, so they cannot deadlock
	for _, l := range locks {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", l); err != nil {
			return fmt.Errorf("lock identity %x: %w", l, err)
		}
	}
	return nil
}

// known handles a report from a pathway already linked to a computer: new facts, and a new
// operating system installation meaning the computer was wiped.
func (s *Service) known(ctx context.Context, tx bun.Tx, r Report, now time.Time) (string,
	error) {
	c, err := loadComputer(ctx, tx, r.ComputerID)
	if err != nil {
		return "", err
	}
	cand, err := s.candidate(ctx, tx, c)
	if err != nil {
		return "", err
	}
	d := Match(Incoming{Facts: r.Inventory.Facts, Pathway: r.Pathway}, []Candidate{cand},
		DistrustSet{}, now)
	if err := s.apply(ctx, tx, &c, r, now); err != nil {
		return "", err
	}
	if d.Outcome == OutcomeSamePathway && d.Wiped && c.Status != computer.StatusNeedsDecision {
		c.Status = computer.StatusNeedsOnboarding
		c.StatusReason = d.Reason
		s.log.Info("computer wiped", "computer_id", c.ID, "reason", d.Reason)
	}
	if err := s.save(ctx, tx, &c); err != nil {
		return "", err
	}
	if r.Pathway.LinkID == NativeLink {
		return c.ID, nil
	}
	// The link's record says afresh whether the computer is online, and that it is there.
	return c.ID, linkPathway(ctx, tx, r.TenantID, r.Pathway, c.ID)
}

// apply puts a report's facts on a computer it belongs to. A link's record only fills gaps
// when Steward's agent reports the computer itself, so names do not flip between pathways.
func (s *Service) apply(ctx context.Context, tx bun.IDB, c *computer.Computer, r Report,
	now time.Time) error {
	if r.Pathway.LinkID == NativeLink {
		applyFacts(c, r.Inventory, now, now, false)
		return nil
	}
	seen := time.Time{}
	if r.Pathway.Online {
		seen = r.Pathway.LastSeen
	}
	gaps, err := agentReports(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	applyFacts(c, r.Inventory, now, seen, gaps)
	return nil
}

// identify matches a pathway new to the hub against the tenant's computers.
func (s *Service) identify(ctx context.Context, tx bun.Tx, r Report, keys Keys,
	now time.Time) (string, error) {
	cands, err := s.candidates(ctx, tx, r.TenantID, keys)
	if err != nil {
		return "", err
	}
	distrust, err := loadDistrust(ctx, tx)
	if err != nil {
		return "", err
	}
	d := Match(Incoming{Facts: r.Inventory.Facts, Pathway: r.Pathway}, cands, distrust, now)
	if err := saveDistrust(ctx, tx, d.Distrust, now); err != nil {
		return "", err
	}
	s.log.Debug("identified", "outcome", d.Outcome, "computer_id", d.ComputerID,
		"reason", d.Reason)

	switch d.Outcome {
	case OutcomeAttach, OutcomeSamePathway:
		c, err := loadComputer(ctx, tx, d.ComputerID)
		if err != nil {
			return "", err
		}
		if err := s.apply(ctx, tx, &c, r, now); err != nil {
			return "", err
		}
		if d.Wiped {
			c.Status, c.StatusReason = computer.StatusNeedsOnboarding, d.Reason
		}
		if err := s.save(ctx, tx, &c); err != nil {
			return "", err
		}
		return c.ID, linkPathway(ctx, tx, r.TenantID, r.Pathway, c.ID)
	case OutcomeNeedsDecision:
		c, err := s.create(ctx, tx, r, now, computer.StatusNeedsDecision)
		if err != nil {
			return "", err
		}
		c.DecisionSuggestion, c.DecisionReason = string(d.Suggestion), d.Reason
		c.DecisionComputerID = &d.ComputerID
		c.StatusReason = "matches computer " + d.ComputerID
		if err := s.save(ctx, tx, &c); err != nil {
			return "", err
		}
		return c.ID, linkPathway(ctx, tx, r.TenantID, r.Pathway, c.ID)
	default:
		status, err := newStatus(ctx, tx, r.TenantID)
		if err != nil {
			return "", err
		}
		c, err := s.create(ctx, tx, r, now, status)
		if err != nil {
			return "", err
		}
		return c.ID, linkPathway(ctx, tx, r.TenantID, r.Pathway, c.ID)
	}
}

// candidates loads the tenant's live computers sharing a lookup key, with their pathways.
func (s *Service) candidates(ctx context.Context, tx bun.Tx, tenantID string, k Keys) (
	[]Candidate, error) {
	if k.UUIDKey == "" && k.Serial == "" {
		return nil, nil
	}
	var cs []computer.Computer
	q := tx.NewSelect().Model(&cs).Where("tenant_id = ?", tenantID).
		Where("status NOT IN (?)", bun.In([]string{computer.StatusRetired,
			computer.StatusNeedsDecision})).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			if k.UUIDKey != "" {
				q = q.WhereOr("uuid_key = ?", k.UUIDKey)
			}
			if k.Serial != "" {
				q = q.WhereOr("serial_key = ?", k.Serial)
			}
			return q
		}).Limit(50)
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("find matching computers: %w", err)
	}
	out := make([]Candidate, 0, len(cs))
	for _, c := range cs {
		cand, err := s.candidate(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, cand)
	}
	return out, nil
}

func (s *Service) candidate(ctx context.Context, tx bun.Tx, c computer.Computer) (Candidate,
	error) {
	paths, err := pathwaysOf(ctx, tx, c.ID, s.now())
	if err != nil {
		return Candidate{}, err
	}
	return Candidate{ComputerID: c.ID, UUIDKey: c.UUIDKey, Serial: c.Serial,
		Manufacturer: c.Manufacturer, Model: c.Model, OSInstallID: c.OSInstallID,
		Hostname: c.Name, Pathways: paths}, nil
}

func (s *Service) create(ctx context.Context, tx bun.Tx, r Report, now time.Time,
	status string) (computer.Computer, error) {
	tags := slices.Clone(r.Tags)
	if tags == nil {
		tags = []string{}
	}
	c := computer.Computer{ID: uuid.Must(uuid.NewV7()).String(), TenantID: r.TenantID,
		Status: status, Tags: tags, RecentUsers: []string{}, CreatedAt: now}
	seen := now
	if r.Pathway.LinkID != NativeLink && !r.Pathway.Online {
		seen = time.Time{}
	}
	applyFacts(&c, r.Inventory, now, seen, false)
	if _, err := tx.NewInsert().Model(&c).Exec(ctx); err != nil {
		return c, fmt.Errorf("create computer: %w", err)
	}
	s.log.Info("computer created", "computer_id", c.ID, "tenant_id", c.TenantID,
		"name", c.Name, "status", status)
	return c, audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "computer",
		ObjectID: c.ID, TenantID: c.TenantID, After: c})
}

func (s *Service) save(ctx context.Context, tx bun.IDB, c *computer.Computer) error {
	if _, err := tx.NewUpdate().Model(c).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update computer %s: %w", c.ID, err)
	}
	return nil
}

func loadComputer(ctx context.Context, tx bun.IDB, id string) (computer.Computer, error) {
	var c computer.Computer
	if err := tx.NewSelect().Model(&c).Where("id = ?", id).Scan(ctx); err != nil {
		return c, fmt.Errorf("load computer %s: %w", id, err)
	}
	return c, nil
}

// newStatus is the status of a new computer: onboarding first, unless the tenant turned it off.
func newStatus(ctx context.Context, tx bun.IDB, tenantID string) (string, error) {
	var on bool
	err := tx.NewSelect().Table("tenants").Column("onboarding_enabled").
		Where("id = ?", tenantID).Scan(ctx, &on)
	if err != nil {
		return "", fmt.Errorf("load tenant %s: %w", tenantID, err)
	}
	if on {
		return computer.StatusNeedsOnboarding, nil
	}
	return computer.StatusOnboarded, nil
}

// pathwaysOf lists a computer's pathways: its Steward agents and its links' records.
func pathwaysOf(ctx context.Context, tx bun.IDB, computerID string, now time.Time) (
	[]Pathway, error) {
	var agents []struct {
		ID         string     `bun:"id"`
		EnrolledAt time.Time  `bun:"enrolled_at"`
		LastSeenAt *time.Time `bun:"last_seen_at"`
		Instance   *string    `bun:"connected_instance"`
	}
	err := tx.NewSelect().Table("agents").Column("id", "enrolled_at", "last_seen_at",
		"connected_instance").Where("computer_id = ?", computerID).
		Where("revoked_at IS NULL").Scan(ctx, &agents)
	if err != nil {
		return nil, fmt.Errorf("load agents of computer %s: %w", computerID, err)
	}
	var out []Pathway
	for _, a := range agents {
		p := Pathway{LinkID: NativeLink, ExternalID: a.ID, FirstSeen: a.EnrolledAt}
		if a.LastSeenAt != nil {
			p.LastSeen = *a.LastSeenAt
			p.Online = a.Instance != nil && now.Sub(*a.LastSeenAt) < computer.OnlineWindow
		}
		out = append(out, p)
	}

	var links []pathwayRow
	err = tx.NewSelect().Model(&links).Where("computer_id = ?", computerID).
		Where("NOT gone").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load pathways of computer %s: %w", computerID, err)
	}
	for _, l := range links {
		p := Pathway{LinkID: l.LinkID, ExternalID: l.ExternalID, Online: l.Online,
			FirstSeen: l.FirstSeenAt}
		if l.LastSeenAt != nil {
			p.LastSeen = *l.LastSeenAt
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FirstSeen.Before(out[j].FirstSeen) })
	return out, nil
}
