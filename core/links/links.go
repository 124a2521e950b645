// Package links keeps the hub's links, each a configured connector executable (an RMM, a
// PSA, a directory), and runs one connector process per enabled link. A link pins its
// executable by SHA-256 when it is created; its secret settings are sealed with the hub's key
// and never returned. The host restarts connectors that exit and records each link's status.
// A link's external clients map to tenants, and a sync turns the agents of mapped clients
// into computers through identification.
package links

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/audit"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/secrets"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/sdk"
)

// Masked stands for a secret value in API responses. Sent back in an update, it keeps the
// stored secret.
const Masked = "********"

// Link statuses.
const (
	// StatusStopped: the link is disabled, or the hub has not started it yet.
	StatusStopped = "stopped"
	// StatusStarting: the connector process is being started and configured.
	StatusStarting = "starting"
	// StatusRunning: the connector is configured and its process is alive.
	StatusRunning = "running"
	// StatusRestarting: the process exited unexpectedly; the host starts it again soon.
	StatusRestarting = "restarting"
	// StatusFailed: the connector did not start or refused its configuration; the host
	// tries again with growing delays.
	StatusFailed = "failed"
	// StatusBinaryChanged: the executable no longer matches the pinned SHA-256, so the link
	// was disabled.
	StatusBinaryChanged = "binary_changed"
)

// Link is one configured connector.
type Link struct {
	bun.BaseModel `bun:"table:links"`

	ID        string `bun:"id,pk" json:"id"`
	Connector string `bun:"connector" json:"connector"`
	Name      string `bun:"name" json:"name"`
	// BinaryPath and BinarySHA256 pin the executable found when the link was created.
	BinaryPath   string `bun:"binary_path" json:"binaryPath"`
	BinarySHA256 string `bun:"binary_sha256" json:"binarySha256"`
	// Fields are the settings the pinned executable described.
	Fields []sdk.ConfigField `bun:"fields,type:text" json:"fields"`
	// Config holds the settings; in API responses every stored secret shows as Masked.
	Config map[string]string `bun:"config,type:text" json:"config"`
	// Secrets holds the secret settings, each sealed with the context "link:ID:FIELD".
	Secrets      map[string]string `bun:"secrets,type:text" json:"-"`
	Enabled      bool              `bun:"enabled" json:"enabled"`
	Status       string            `bun:"status" json:"status"`
	StatusReason string            `bun:"status_reason" json:"statusReason,omitempty"`
	// Capabilities are what the connector declared, as of its last start.
	Capabilities []sdk.Capability `bun:"capabilities,type:text" json:"capabilities"`
	// Priority orders links that reach the same computer; higher goes first. Steward's own
	// agent goes before every link while it is connected.
	Priority  int       `bun:"priority" json:"priority"`
	CreatedAt time.Time `bun:"created_at" json:"createdAt"`
	UpdatedAt time.Time `bun:"updated_at" json:"updatedAt"`
}

// LinkClient maps one of a link's external clients to a tenant.
type LinkClient struct {
	bun.BaseModel `bun:"table:link_clients"`

	LinkID     string  `bun:"link_id,pk" json:"linkId"`
	ClientID   string  `bun:"client_id,pk" json:"clientId"`
	ClientName string  `bun:"client_name" json:"clientName"`
	TenantID   *string `bun:"tenant_id" json:"tenantId,omitempty"`
}

// Input creates a link.
type Input struct {
	// Connector is the connector's described name; see GET /connectors.
	Connector string            `json:"connector"`
	Name      string            `json:"name"`
	Config    map[string]string `json:"config,omitempty"`
	Priority  int               `json:"priority,omitempty"`
	// Enabled defaults to true: the connector starts at once.
	Enabled *bool `json:"enabled,omitempty"`
}

// Patch changes a link; nil fields stay as they are. Config replaces the whole
// configuration: a secret sent as Masked keeps its stored value, one left out or sent empty
// is cleared.
type Patch struct {
	Name     *string           `json:"name,omitempty"`
	Config   map[string]string `json:"config,omitempty"`
	Priority *int              `json:"priority,omitempty"`
}

// HealthResult is a running connector's answer to a health check.
type HealthResult struct {
	Healthy bool   `json:"healthy"`
	Message string `json:"message,omitempty"`
	// Kind says who failed when Healthy is false: downstream, config, plugin, …
	Kind  sdk.Kind `json:"kind,omitempty"`
	Error string   `json:"error,omitempty"`
}

// EnvPluginsDir names the variable that sets the plugin folder when Config leaves it empty.
const EnvPluginsDir = "STEWARD_PLUGINS_DIR"

// Config sets up the service. The zero value looks for connectors in STEWARD_PLUGINS_DIR
// (else ./plugins) and next to the steward executable, and logs nothing.
type Config struct {
	// PluginsDir holds connector executables. Default: STEWARD_PLUGINS_DIR, else "plugins".
	PluginsDir string
	// NoExecutableDir skips the folder of the running executable, for tests whose
	// executable folder is the build cache.
	NoExecutableDir bool
	Logger          *slog.Logger
	// StartTimeout bounds a connector's start and its answer to Describe. Default 30s.
	StartTimeout time.Duration
	// MinBackoff and MaxBackoff bound the delay before restarting a connector that exited;
	// it doubles after each failure. Defaults 1s and 2m.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Reporter receives the agents that Sync reads; without one, Sync refuses.
	Reporter Reporter
	// SyncInterval is how often every link is synced. Default DefaultSyncInterval.
	SyncInterval time.Duration
}

// Service manages links and runs their connectors.
type Service struct {
	db          *bun.DB
	box         *secrets.Box
	disc        *discovery
	host        *host
	log         *slog.Logger
	now         func() time.Time
	callTimeout time.Duration

	reporter     Reporter
	syncInterval time.Duration
}

// NewService returns the link service. Connectors run only between Start and Stop.
func NewService(db *bun.DB, box *secrets.Box, cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PluginsDir == "" {
		cfg.PluginsDir = os.Getenv(EnvPluginsDir)
	}
	if cfg.PluginsDir == "" {
		cfg.PluginsDir = "plugins"
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = sdk.DefaultStartTimeout
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 2 * time.Minute
	}
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = DefaultSyncInterval
	}
	d := &discovery{dirs: []string{cfg.PluginsDir}, timeout: cfg.StartTimeout,
		log:  newPluginLogger(cfg.Logger.With("component", "connector discovery")),
		seen: map[string]Connector{}, bad: map[string]error{}}
	if self, err := os.Executable(); err == nil && !cfg.NoExecutableDir {
		d.self = self
		d.dirs = append(d.dirs, filepath.Dir(self))
	}
	s := &Service{db: db, box: box, disc: d, log: cfg.Logger,
		now: func() time.Time { return time.Now().UTC() }, callTimeout: cfg.StartTimeout,
		reporter: cfg.Reporter, syncInterval: cfg.SyncInterval}
	s.host = &host{db: db, box: box, log: cfg.Logger, startTimeout: cfg.StartTimeout,
		minBackoff: cfg.MinBackoff, maxBackoff: cfg.MaxBackoff, runs: map[string]*run{}}
	return s
}

// Start runs the connector of every enabled link.
func (s *Service) Start(ctx context.Context) error { return s.host.start(ctx) }

// Runner returns the link's connector while it runs and runs scripts, else nil.
func (s *Service) Runner(id string) sdk.ScriptRunner {
	p := s.host.plugin(id)
	if p == nil || !p.Has(sdk.CapRunScript) {
		return nil
	}
	return p
}

// Stop ends every connector process and waits for them to exit.
func (s *Service) Stop() { s.host.stop() }

var readers = []access.Role{access.MSPAdmin, access.MSPUser}

// Connectors describes the connector executables in the plugin folders.
func (s *Service) Connectors(ctx context.Context) ([]Connector, error) {
	if _, err := access.Require(ctx, readers...); err != nil {
		return nil, err
	}
	return s.disc.Connectors(ctx)
}

// List returns a page of links by name.
func (s *Service) List(ctx context.Context, pr paging.Request) (paging.Page[Link], error) {
	if _, err := access.Require(ctx, readers...); err != nil {
		return paging.Page[Link]{}, err
	}
	pr, err := pr.Normalize()
	if err != nil {
		return paging.Page[Link]{}, err
	}
	var items []Link
	total, err := s.db.NewSelect().Model(&items).OrderExpr("lower(name)").
		Limit(int64(pr.PageSize)).Offset(int64(pr.Offset())).ScanAndCount(ctx)
	if err != nil {
		return paging.Page[Link]{}, fmt.Errorf("list links: %w", err)
	}
	for i := range items {
		items[i] = items[i].view()
	}
	return paging.New(pr, items, int(total)), nil
}

// Get returns one link.
func (s *Service) Get(ctx context.Context, id string) (Link, error) {
	if _, err := access.Require(ctx, readers...); err != nil {
		return Link{}, err
	}
	l, err := load(ctx, s.db, id)
	return l.view(), err
}

func load(ctx context.Context, db bun.IDB, id string) (Link, error) {
	var l Link
	err := db.NewSelect().Model(&l).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, fmt.Errorf("link %s: %w", id, errs.ErrNotFound)
	}
	if err != nil {
		return Link{}, fmt.Errorf("load link %s: %w", id, err)
	}
	return l, nil
}

// Create adds a link to the connector named in.Connector, pinning the executable found now.
func (s *Service) Create(ctx context.Context, in Input) (Link, error) {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return Link{}, err
	}
	name, err := cleanName(in.Name)
	if err != nil {
		return Link{}, err
	}
	conn, err := s.disc.Find(ctx, strings.TrimSpace(in.Connector))
	if err != nil {
		return Link{}, err
	}

	now := s.now()
	l := Link{ID: uuid.Must(uuid.NewV7()).String(), Connector: conn.Name, Name: name,
		BinaryPath: conn.Path, BinarySHA256: conn.SHA256, Fields: conn.Fields,
		Capabilities: conn.Capabilities,
		Enabled:      in.Enabled == nil || *in.Enabled, Status: StatusStopped,
		Priority: in.Priority, CreatedAt: now, UpdatedAt: now}
	if err := s.setConfig(&l, in.Config); err != nil {
		return Link{}, err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&l).Exec(ctx); err != nil {
			return writeErr(err, name)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "create", ObjectType: "link",
			ObjectID: l.ID, After: l.view()})
	})
	if err != nil {
		return Link{}, err
	}
	return s.reloaded(ctx, l.ID)
}

// Update changes a link's name, priority or configuration; a running connector restarts
// with the new configuration.
func (s *Service) Update(ctx context.Context, id string, in Patch) (Link, error) {
	return s.change(ctx, id, "update", func(l *Link) error {
		if in.Name != nil {
			name, err := cleanName(*in.Name)
			if err != nil {
				return err
			}
			l.Name = name
		}
		if in.Priority != nil {
			l.Priority = *in.Priority
		}
		if in.Config != nil {
			return s.setConfig(l, in.Config)
		}
		return nil
	})
}

// Pin accepts the link's executable as it is now, after an upgrade: it pins the file's
// SHA-256, takes the settings and capabilities it describes, and enables the link. The file
// must still be the link's connector.
func (s *Service) Pin(ctx context.Context, id string) (Link, error) {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return Link{}, err
	}
	l, err := load(ctx, s.db, id)
	if err != nil {
		return Link{}, err
	}
	conn, err := s.disc.describe(ctx, l.BinaryPath)
	if err != nil {
		return Link{}, fmt.Errorf("the executable %s does not start as a connector: %v: %w",
			l.BinaryPath, err, errs.ErrInvalid)
	}
	if conn.Name != l.Connector {
		return Link{}, fmt.Errorf("the executable %s is now connector %q, not %q: %w",
			l.BinaryPath, conn.Name, l.Connector, errs.ErrInvalid)
	}
	return s.change(ctx, id, "pin", func(l *Link) error {
		l.BinarySHA256, l.Fields, l.Capabilities = conn.SHA256, conn.Fields, conn.Capabilities
		l.Enabled, l.Status, l.StatusReason = true, StatusStarting, ""
		return nil
	})
}

// Enable starts the link's connector. A link disabled for a changed executable stays
// refused until its executable matches the pinned hash again.
func (s *Service) Enable(ctx context.Context, id string) (Link, error) {
	return s.change(ctx, id, "enable", func(l *Link) error {
		l.Enabled = true
		return nil
	})
}

// Disable stops the link's connector; when Disable returns, its process has ended.
func (s *Service) Disable(ctx context.Context, id string) (Link, error) {
	return s.change(ctx, id, "disable", func(l *Link) error {
		l.Enabled = false
		l.Status, l.StatusReason = StatusStopped, ""
		return nil
	})
}

// change applies fn to a link in a transaction and records it. The connector restarts only
// when what it runs with changed: a new name or priority is the hub's own business, and
// restarting would cut off the scripts it is running.
func (s *Service) change(ctx context.Context, id, action string, fn func(*Link) error) (Link,
	error) {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return Link{}, err
	}
	restart := true
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		before, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		after := before
		if err := fn(&after); err != nil {
			return err
		}
		after.UpdatedAt = s.now()
		restart = before.Enabled != after.Enabled || !maps.Equal(before.Config, after.Config) ||
			!maps.Equal(before.Secrets, after.Secrets) || s.host.plugin(id) == nil
		if _, err := tx.NewUpdate().Model(&after).WherePK().Exec(ctx); err != nil {
			return writeErr(err, after.Name)
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "link",
			ObjectID: id, Before: before.view(), After: after.view()})
	})
	if err != nil {
		return Link{}, err
	}
	if !restart {
		l, err := load(ctx, s.db, id)
		return l.view(), err
	}
	return s.reloaded(ctx, id)
}

// reloaded brings the link's connector in line with the stored link and returns the link.
func (s *Service) reloaded(ctx context.Context, id string) (Link, error) {
	if err := s.host.reload(ctx, id); err != nil {
		return Link{}, err
	}
	l, err := load(ctx, s.db, id)
	return l.view(), err
}

// Delete stops the link's connector and removes the link with its client mapping. Its
// records of computers stay, marked gone, so the history of runs through them stays too;
// runs still waiting for the link end at once.
func (s *Service) Delete(ctx context.Context, id string) error {
	if _, err := access.Require(ctx, access.MSPAdmin); err != nil {
		return err
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		before, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(&before).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("delete link %s: %w", id, err)
		}
		if _, err := tx.NewUpdate().Table("pathways").Set("gone = ?", true).
			Set("online = ?", false).Where("link_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("mark pathways of link %s gone: %w", id, err)
		}
		_, err = tx.NewUpdate().Table("script_runs").Set("status = 'error'").
			Set("error = ?", "the link "+before.Name+" was deleted before it took the run").
			Set("finished_at = ?", s.now()).Where("status = 'queued'").
			Where("pathway_id IN (SELECT id FROM pathways WHERE link_id = ?)", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("end runs waiting for link %s: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delete", ObjectType: "link",
			ObjectID: id, Before: before.view()})
	})
	if err != nil {
		return err
	}
	return s.host.reload(ctx, id)
}

// Health asks the link's running connector whether it can use the external system. A
// connector that answers with an error is reported unhealthy, not as a failed request.
func (s *Service) Health(ctx context.Context, id string) (HealthResult, error) {
	if _, err := access.Require(ctx, readers...); err != nil {
		return HealthResult{}, err
	}
	l, err := load(ctx, s.db, id)
	if err != nil {
		return HealthResult{}, err
	}
	p := s.host.plugin(id)
	if p == nil {
		reason := ""
		if l.StatusReason != "" {
			reason = ": " + l.StatusReason
		}
		return HealthResult{}, fmt.Errorf("link %s is not running (status %s%s): %w", l.Name,
			l.Status, reason, errs.ErrConflict)
	}
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout)
	defer cancel()
	st, err := p.Health(ctx)
	if err != nil {
		return HealthResult{Kind: sdk.KindOf(err), Error: err.Error()}, nil
	}
	return HealthResult{Healthy: true, Message: st.Message}, nil
}

func writeErr(err error, name string) error {
	if store.IsUniqueViolation(err) {
		return fmt.Errorf("a link named %q exists already: %w", name, errs.ErrConflict)
	}
	return fmt.Errorf("save link: %w", err)
}

// cleanName trims a name and refuses empty, overlong or control-character names.
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fmt.Errorf("link name is required: %w", errs.ErrInvalid)
	case len([]rune(name)) > 200:
		return "", fmt.Errorf("link name is longer than 200 characters: %w", errs.ErrInvalid)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", fmt.Errorf("link name contains control characters: %w", errs.ErrInvalid)
	}
	return name, nil
}
