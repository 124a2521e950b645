package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/agent/wire"
	"github.com/stewardhq/steward/core/agents"
	"github.com/stewardhq/steward/core/paging"
)

func (s *Server) agentRoutes() {
	r := s.routes
	r.handle(http.MethodPost, "/tenants/:id/enrollment-tokens", op{
		summary: "Create an enrollment token for agents of a tenant", tag: "agents",
		body: agents.NewEnrollmentToken{}, resp: agents.CreatedEnrollmentToken{},
		status: http.StatusCreated}, s.createEnrollmentToken)
	r.handle(http.MethodGet, "/tenants/:id/enrollment-tokens", op{
		summary: "List a tenant's enrollment tokens", tag: "agents",
		resp: []agents.EnrollmentToken{}}, s.listEnrollmentTokens)
	r.handle(http.MethodDelete, "/enrollment-tokens/:id", op{
		summary: "Revoke an enrollment token", tag: "agents", status: http.StatusNoContent},
		s.revokeEnrollmentToken)
	r.handle(http.MethodGet, "/agents", op{summary: "List agents", tag: "agents",
		resp: paging.Page[agents.Agent]{},
		query: append([]param{{"computerId", "string", "agents of one computer"}},
			pagingParams...)}, s.listAgents)
	r.handle(http.MethodGet, "/agents/:id", op{summary: "Get an agent", tag: "agents",
		resp: agents.Agent{}}, s.getAgent)
	r.handle(http.MethodDelete, "/agents/:id", op{
		summary: "Revoke an agent: disconnect it and refuse it from now on", tag: "agents",
		status: http.StatusNoContent}, s.revokeAgent)
	r.handle(http.MethodPost, "/agents/:id/revoke", op{
		summary: "Revoke an agent (same as DELETE)", tag: "agents",
		status: http.StatusNoContent}, s.revokeAgent)

	// The agent protocol lives beside the API: enrollment is authenticated by its token and
	// the connection by the agent's key, not by API tokens.
	s.engine.POST(wire.EnrollPath, s.enroll)
	if s.cfg.Gateway != nil {
		s.engine.GET(wire.ConnectPath, gin.WrapH(s.cfg.Gateway))
	}
}

func (s *Server) createEnrollmentToken(c *gin.Context) {
	var in agents.NewEnrollmentToken
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	tok, err := s.cfg.Agents.CreateEnrollmentToken(c.Request.Context(), c.Param("id"), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, tok)
}

func (s *Server) listEnrollmentTokens(c *gin.Context) {
	out, err := s.cfg.Agents.ListEnrollmentTokens(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) revokeEnrollmentToken(c *gin.Context) {
	if err := s.cfg.Agents.RevokeEnrollmentToken(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) listAgents(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	page, err := s.cfg.Agents.List(c.Request.Context(), c.Query("computerId"), pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) getAgent(c *gin.Context) {
	a, err := s.cfg.Agents.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

func (s *Server) revokeAgent(c *gin.Context) {
	if err := s.cfg.Agents.Revoke(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) enroll(c *gin.Context) {
	var req wire.EnrollRequest
	if err := decode(c, &req); err != nil {
		fail(c, s.log, err)
		return
	}
	a, err := s.cfg.Agents.Enroll(c.Request.Context(), req)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	s.log.Info("agent enrolled", "agent_id", a.ID, "tenant_id", a.TenantID,
		"hostname", a.Hostname)
	c.JSON(http.StatusCreated, wire.EnrollResponse{AgentID: a.ID, TenantID: a.TenantID})
}
