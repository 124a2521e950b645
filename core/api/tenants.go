package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/tenant"
)

func wrap(msg string, err error) error { return fmt.Errorf("%s: %w", msg, err) }

func (s *Server) tenantRoutes() {
	r := s.routes
	r.handle(http.MethodGet, "/tenants", op{summary: "List tenants", tag: "tenants",
		resp:  paging.Page[tenant.Tenant]{},
		query: append([]param{{"q", "string", "name contains"}}, pagingParams...)},
		s.listTenants)
	r.handle(http.MethodPost, "/tenants", op{summary: "Create a tenant", tag: "tenants",
		body: tenant.Input{}, resp: tenant.Tenant{}, status: http.StatusCreated}, s.createTenant)
	r.handle(http.MethodGet, "/tenants/:id", op{summary: "Get a tenant", tag: "tenants",
		resp: tenant.Tenant{}}, s.getTenant)
	r.handle(http.MethodPatch, "/tenants/:id", op{summary: "Change a tenant", tag: "tenants",
		body: tenant.Patch{}, resp: tenant.Tenant{}}, s.updateTenant)
	r.handle(http.MethodDelete, "/tenants/:id", op{summary: "Delete a tenant", tag: "tenants",
		status: http.StatusNoContent}, s.deleteTenant)
}

func (s *Server) listTenants(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	page, err := s.cfg.Tenants.List(c.Request.Context(), tenant.Filter{Query: c.Query("q")}, pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) createTenant(c *gin.Context) {
	var in tenant.Input
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	t, err := s.cfg.Tenants.Create(c.Request.Context(), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, t)
}

func (s *Server) getTenant(c *gin.Context) {
	t, err := s.cfg.Tenants.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) updateTenant(c *gin.Context) {
	var in tenant.Patch
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	t, err := s.cfg.Tenants.Update(c.Request.Context(), c.Param("id"), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) deleteTenant(c *gin.Context) {
	if err := s.cfg.Tenants.Delete(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
