// Package hub assembles one instance of the Steward hub: it opens and migrates the database,
// builds the services and the API, and serves HTTP until told to stop. cmd/steward and the
// end-to-end tests both start the hub through this package.
package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/api"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/blob"
	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/deploy"
	"github.com/stewardhq/steward/core/gateway"
	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/core/jobs"
	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/person"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/core/secrets"
	"github.com/stewardhq/steward/core/session"
	"github.com/stewardhq/steward/core/store"
	"github.com/stewardhq/steward/core/tenant"
	globalcatalog "github.com/stewardhq/steward/examples/catalog"
	"github.com/stewardhq/steward/sdk"
)

// Config says where the hub keeps its data and where it listens. The zero value runs on an
// embedded SQLite file under ./data and listens on 127.0.0.1:8080.
type Config struct {
	// DataDir holds the SQLite file (when DatabaseURL is empty), the blob folder and the
	// generated keys. Default "./data".
	DataDir string
	// DatabaseURL selects PostgreSQL (postgres://…) instead of the embedded SQLite file.
	DatabaseURL string
	// Listen is the HTTP address. Default "127.0.0.1:8080".
	Listen string
	// MSPName names the MSP's own tenant when it is created at the first start.
	MSPName string
	// MaxSessions is how many sessions this instance runs at once. Default 20.
	MaxSessions int
	// HousekeepingInterval is how often expired tokens are removed. Default 1h.
	HousekeepingInterval time.Duration
	// JobPollInterval is how often an idle instance looks for jobs. Default 500ms.
	JobPollInterval time.Duration
	// BlobURL selects where installers are kept (see core/blob). Default: the variable
	// STEWARD_BLOB_URL, else the folder blobs/ in DataDir.
	BlobURL string
	// MaxUploadBytes bounds one uploaded installer. Default 4 GiB.
	MaxUploadBytes int64
	// PluginsDir holds connector executables; the folder of the steward executable is
	// searched too (see core/links). Default: STEWARD_PLUGINS_DIR, else plugins/ in DataDir.
	PluginsDir string
	// Links adjusts how connectors are found and run; its PluginsDir and Logger are set
	// from this Config.
	Links   links.Config
	Logger  *slog.Logger
	Version string
}

func (c *Config) defaults() {
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if c.MSPName == "" {
		c.MSPName = "MSP"
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = 20
	}
	if c.HousekeepingInterval == 0 {
		c.HousekeepingInterval = time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Version == "" {
		c.Version = "dev"
	}
}

// Hub is one running instance.
type Hub struct {
	cfg Config
	// key is the secret key shared by the cluster's instances: Files signs with it.
	key       []byte
	log       *slog.Logger
	Store     *store.Store
	Jobs      *jobs.Queue
	Tenants   *tenant.Service
	Tokens    *apitoken.Service
	Agents    *agents.Service
	Computers *computer.Service
	Identify  *identify.Service
	Scripts   *scripts.Service
	Persons   *person.Service
	Catalog   *catalog.Service
	// Blobs keeps installers; Files signs the short-lived URLs agents download them with.
	Blobs       *blob.Store
	Files       *blob.Signer
	Deployments *deploy.Service
	Sessions    *session.Service
	Engine      *session.Engine
	Gateway     *gateway.Gateway
	Dispatcher  *scripts.Dispatcher
	Links       *links.Service
	API         *api.Server
	// Instance identifies this process among the instances sharing the database.
	Instance string
}

// Open prepares an instance: data folders and keys, database and migrations, the MSP tenant,
// the services. It serves nothing until Run.
func Open(ctx context.Context, cfg Config) (*Hub, error) {
	cfg.defaults()
	for _, dir := range []string{cfg.DataDir, filepath.Join(cfg.DataDir, "blobs")} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	key, err := LoadOrCreateKey(filepath.Join(cfg.DataDir, "keys"))
	if err != nil {
		return nil, err
	}
	if cfg.BlobURL == "" {
		cfg.BlobURL = os.Getenv(blob.EnvURL)
	}
	blobs, err := blob.Open(ctx, blob.Config{URL: cfg.BlobURL,
		Dir: filepath.Join(cfg.DataDir, "blobs")})
	if err != nil {
		return nil, err
	}

	st, err := store.Open(ctx, store.Config{DatabaseURL: cfg.DatabaseURL,
		DataDir: cfg.DataDir, Logger: cfg.Logger})
	if err != nil {
		blobs.Close()
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		blobs.Close()
		return nil, err
	}

	h := &Hub{cfg: cfg, key: key, log: cfg.Logger, Store: st, Blobs: blobs,
		Files:   blob.NewSigner(key),
		Tenants: tenant.NewService(st.DB), Tokens: apitoken.NewService(st.DB),
		Catalog: catalog.NewService(st.DB)}
	if _, err := h.Tenants.EnsureMSP(ctx, cfg.MSPName); err != nil {
		h.Close()
		return nil, err
	}
	n, err := h.Catalog.SyncGlobal(ctx, globalcatalog.FS())
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("load the global catalog: %w", err)
	}
	if n > 0 {
		h.log.Info("global catalog loaded", "changed", n)
	}

	h.Jobs = jobs.New(st, jobs.Config{Logger: cfg.Logger, PollInterval: cfg.JobPollInterval,
		Queues: map[string]int{session.Queue: cfg.MaxSessions}})
	h.Jobs.Every("housekeeping", cfg.HousekeepingInterval, h.housekeeping)

	h.Instance = uuid.NewString()
	h.Agents = agents.NewService(st.DB)
	h.Computers = computer.NewService(st.DB)
	h.Identify = identify.NewService(st, cfg.Logger)
	box, err := secrets.New(key)
	if err != nil {
		h.Close()
		return nil, err
	}
	h.Scripts = scripts.NewService(st.DB, box)
	h.Persons = person.NewService(st.DB)
	h.Gateway = gateway.New(gateway.Config{Logger: cfg.Logger, Instance: h.Instance},
		h.Agents, h.Identify, h.Scripts)
	h.Deployments = deploy.NewService(st.DB, h.Catalog, box)
	h.Sessions = session.NewService(st.DB, h.Jobs, h.Scripts, cfg.Logger)
	h.Engine = session.NewEngine(session.EngineConfig{Logger: cfg.Logger, Instance: h.Instance},
		h.Jobs, h.Sessions, h.Catalog, h.Deployments, h.Scripts, h.Agents, installerURLs{h})

	if cfg.PluginsDir == "" {
		cfg.PluginsDir = os.Getenv(links.EnvPluginsDir)
	}
	if cfg.PluginsDir == "" {
		cfg.PluginsDir = filepath.Join(cfg.DataDir, "plugins")
	}
	lc := cfg.Links
	lc.PluginsDir, lc.Logger, lc.Reporter = cfg.PluginsDir, cfg.Logger, h.Identify
	h.Links = links.NewService(st.DB, box, lc)
	jobs.Register(h.Jobs, &links.SyncWorker{Links: h.Links})
	h.Jobs.Every("link-sync", h.Links.SyncInterval(), func(ctx context.Context) error {
		return h.Links.QueueSyncs(ctx, h.Jobs)
	})
	native := h.Gateway.Native()
	h.Dispatcher = scripts.NewDispatcher(h.Scripts, scripts.RunnersFunc(
		func(linkID string) sdk.ScriptRunner {
			if linkID == identify.NativeLink {
				return native
			}
			return h.Links.Runner(linkID)
		}), scripts.DispatchConfig{Logger: cfg.Logger, Instance: h.Instance})

	h.API = api.New(api.Config{Logger: cfg.Logger, Version: cfg.Version, Auth: h.Tokens,
		Tokens:  h.Tokens,
		Tenants: h.Tenants, Agents: h.Agents, Computers: h.Computers, Scripts: h.Scripts,
		Identify: h.Identify, Persons: h.Persons, Gateway: h.Gateway, Ready: h.ready,
		Catalog: h.Catalog, Blobs: h.Blobs, Files: h.Files, Deployments: h.Deployments,
		Sessions: h.Sessions, Planner: h.Engine,
		MaxUploadBytes: cfg.MaxUploadBytes, Links: h.Links})
	return h, nil
}

// Run starts the job queue and serves HTTP until ctx ends, then shuts down gracefully. When
// listening has begun, onListen (if set) receives the address.
func (h *Hub) Run(ctx context.Context, onListen func(addr string)) error {
	ln, err := net.Listen("tcp", h.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", h.cfg.Listen, err)
	}
	if err := h.Jobs.Start(ctx); err != nil {
		ln.Close()
		return err
	}

	if err := h.Links.Start(ctx); err != nil {
		ln.Close()
		return errors.Join(err, h.Jobs.Stop(context.Background()))
	}
	// Connector processes must not outlive the hub, whatever way Run returns.
	defer h.Links.Stop()

	gwCtx, stopGateway := context.WithCancel(ctx)
	defer stopGateway()
	go h.Gateway.Run(gwCtx)
	h.Dispatcher.FileBase = localURL(ln.Addr())
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		h.Dispatcher.Run(gwCtx)
	}()
	// Stop dispatching before the connectors stop (defers run last first), so runs through
	// links are not failed for a connector the hub itself is stopping.
	defer func() {
		stopGateway()
		<-dispatched
	}()

	srv := &http.Server{Handler: h.API, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	srv.RegisterOnShutdown(h.API.StopStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	h.log.Info("hub listening", "addr", ln.Addr().String(), "database", h.Store.Dialect())
	if onListen != nil {
		onListen(ln.Addr().String())
	}

	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	h.log.Info("hub stopping")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Agent connections are hijacked, so Shutdown does not wait for them: close them first.
	h.Gateway.Close()
	shutErr := srv.Shutdown(shutCtx)
	jobErr := h.Jobs.Stop(shutCtx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, shutErr, jobErr)
}

// localURL is the address a process on this machine, such as a connector, uses to reach a
// listener: all-interfaces and unspecified hosts become the loopback address.
func localURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Close releases the database and the blob store.
func (h *Hub) Close() error { return errors.Join(h.Store.Close(), h.Blobs.Close()) }

// SignedFileURL returns a URL under baseURL (the hub's address as agents reach it) from
// which an agent downloads the blob with the SHA-256 until ttl has passed, without an API
// token. Every instance sharing the secret key accepts it.
func (h *Hub) SignedFileURL(baseURL, sha256 string, ttl time.Duration) string {
	return h.Files.SignedFileURL(baseURL, sha256, ttl)
}

func (h *Hub) ready(ctx context.Context) error {
	if err := h.Store.DB.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	pending, err := h.Store.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d migrations pending", len(pending))
	}
	return nil
}

// housekeeping removes what has expired.
func (h *Hub) housekeeping(ctx context.Context) error {
	n, err := h.Tokens.DeleteExpired(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		h.log.Info("expired api tokens removed", "count", n)
	}
	n, err = h.Catalog.RemoveUnusedBlobs(ctx, h.Blobs, time.Now().Add(-24*time.Hour))
	if n > 0 {
		h.log.Info("unused installers removed", "count", n)
	}
	return err
}

// installerURLs gives sessions the short-lived download address of an installer. The address
// is relative: the agent resolves it against the hub it is connected to.
type installerURLs struct{ h *Hub }

// installerTTL bounds how long a download address works; a script's timeout is the usual
// upper bound of the time between queuing and downloading.
const installerTTL = 6 * time.Hour

func (u installerURLs) FileURL(sha256 string) string {
	return u.h.SignedFileURL("", sha256, installerTTL)
}
