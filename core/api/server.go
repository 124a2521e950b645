// Package api is the hub's REST API under /api/v1: JSON with camelCase fields, errors as
// {"error":{"code","message"}} with stable codes, paged lists, bearer-token authentication, and
// an OpenAPI 3 document built from the same registrations as the router.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/access"
	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/apitoken"
	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/deploy"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/identify"
	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/person"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/core/session"
	"github.com/stewardhq/steward/core/tenant"
)

type authenticator interface {
	Authenticate(ctx context.Context, secret string) (access.Principal, error)
}

// Config holds what the API serves. Every service must be set.
type Config struct {
	Logger    *slog.Logger
	Version   string
	Auth      authenticator
	Tokens    *apitoken.Service
	Tenants   *tenant.Service
	Agents    *agents.Service
	Computers *computer.Service
	Scripts   *scripts.Service
	Identify  *identify.Service
	Persons   *person.Service
	Catalog   *catalog.Service
	// Deployments, Sessions and Planner serve the main job: rules, resolution, sessions.
	Deployments *deploy.Service
	Sessions    *session.Service
	Planner     deploy.Planner
	// Blobs keeps uploaded installers; Files checks the signed URLs agents download them with.
	Blobs blobStore
	Files fileSigner
	// MaxUploadBytes bounds one uploaded installer. Default DefaultMaxUpload (4 GiB).
	MaxUploadBytes int64
	// Links manages the links to connectors and runs them.
	Links *links.Service
	// Gateway serves agent connections.
	Gateway http.Handler
	// Ready reports whether the instance can serve (database reachable, migrated).
	Ready func(ctx context.Context) error
}

// Server is the HTTP handler of the hub.
type Server struct {
	cfg    Config
	log    *slog.Logger
	engine *gin.Engine
	routes *routes
	// streams ends long-lived responses (live logs) when the server shuts down, so a
	// graceful shutdown does not wait for them.
	streams     context.Context
	stopStreams context.CancelFunc
}

// New builds the handler with every route registered.
func New(cfg Config) *Server {
	gin.SetMode(gin.ReleaseMode)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, engine: gin.New()}
	s.streams, s.stopStreams = context.WithCancel(context.Background())
	s.engine.ContextWithFallback = true
	s.engine.Use(s.recover, s.logRequests)
	s.engine.NoRoute(func(c *gin.Context) {
		fail(c, log, errNoRoute(c))
	})
	s.engine.HandleMethodNotAllowed = true
	s.engine.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{
			Code: "invalid", Message: c.Request.Method + " is not allowed on " + c.Request.URL.Path}})
	})

	s.engine.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	s.engine.GET("/readyz", s.ready)

	v1 := s.engine.Group("/api/v1", s.authenticate)
	s.routes = newRoutes(v1, cfg.Version)
	s.routes.handle(http.MethodGet, "/openapi.json", op{summary: "This API's OpenAPI document",
		tag: "meta", resp: map[string]any{}, public: true}, s.openAPI)
	s.routes.handle(http.MethodGet, "/me", op{summary: "Who the caller is", tag: "meta",
		resp: access.Principal{}}, s.me)
	s.tenantRoutes()
	s.tokenRoutes()
	s.agentRoutes()
	s.computerRoutes()
	s.identifyRoutes()
	s.catalogRoutes()
	s.deploymentRoutes()
	s.sessionRoutes()
	s.linkRoutes()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// StopStreams ends every live stream; call it when shutdown begins.
func (s *Server) StopStreams() { s.stopStreams() }

// Doc returns the OpenAPI document.
func (s *Server) Doc() *openapi3.T { return s.routes.doc }

// Routes lists every method and path the router serves.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

func (s *Server) openAPI(c *gin.Context) { c.JSON(http.StatusOK, s.routes.doc) }

func (s *Server) me(c *gin.Context) {
	p, _ := access.FromContext(c.Request.Context())
	c.JSON(http.StatusOK, p)
}

func (s *Server) ready(c *gin.Context) {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable",
				"reason": err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// authenticate puts the bearer token's principal on the request context. The OpenAPI
// document is public so tools can fetch it without a token.
func (s *Server) authenticate(c *gin.Context) {
	if c.Request.URL.Path == "/api/v1/openapi.json" {
		c.Next()
		return
	}
	scheme, secret, ok := strings.Cut(strings.TrimSpace(c.GetHeader("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		fail(c, s.log, errMissingToken)
		return
	}
	p, err := s.cfg.Auth.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.Request = c.Request.WithContext(access.WithPrincipal(c.Request.Context(), p))
	c.Next()
}

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("handler panicked", "path", c.Request.URL.Path, "panic", r)
			c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error: errorDetail{
				Code: "internal", Message: "internal error; the server log has the details"}})
		}
	}()
	c.Next()
}

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.log.Debug("request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "duration", time.Since(start))
}

var errMissingToken = wrap("send an API token as 'Authorization: Bearer TOKEN'",
	errs.ErrUnauthorized)

func errNoRoute(c *gin.Context) error {
	return wrap("no route "+c.Request.Method+" "+c.Request.URL.Path, errs.ErrNotFound)
}
