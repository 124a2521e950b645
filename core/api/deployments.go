package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/deploy"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/resolve"
)

func (s *Server) deploymentRoutes() {
	r := s.routes
	r.handle(http.MethodGet, "/deployments", op{summary: "List deployments", tag: "deployments",
		resp: paging.Page[resolve.Deployment]{}, query: append([]param{
			{"itemId", "string", "deployments of one item"},
			{"tenantId", "string", "deployments of one tenant"}}, pagingParams...)},
		s.listDeployments)
	r.handle(http.MethodPost, "/deployments", op{
		summary: "Create a deployment (it changes nothing until a session runs)",
		tag:     "deployments", body: deploy.Input{}, resp: resolve.Deployment{},
		status: http.StatusCreated}, s.createDeployment)
	r.handle(http.MethodPost, "/deployments/preview", op{
		summary: "Which computers a deployment not yet saved would reach, and what each gets",
		tag:     "deployments", body: deploy.Input{}, resp: []deploy.PreviewComputer{}},
		s.previewDeployment)
	r.handle(http.MethodGet, "/deployments/:id", op{summary: "Get a deployment",
		tag: "deployments", resp: resolve.Deployment{}}, s.getDeployment)
	r.handle(http.MethodPatch, "/deployments/:id", op{summary: "Change a deployment",
		tag: "deployments", body: deploy.Patch{}, resp: resolve.Deployment{}},
		s.updateDeployment)
	r.handle(http.MethodDelete, "/deployments/:id", op{summary: "Delete a deployment",
		tag: "deployments", status: http.StatusNoContent}, s.deleteDeployment)
	r.handle(http.MethodGet, "/computers/:id/resolution", op{
		summary: "Every deployment of each item for a computer: matched or not, and the winner",
		tag:     "deployments", resp: []resolve.Explanation{},
		query: []param{{"item", "string", "one item only"}}}, s.resolution)
}

func (s *Server) listDeployments(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	page, err := s.cfg.Deployments.List(c.Request.Context(), deploy.Filter{
		ItemID: c.Query("itemId"), TenantID: c.Query("tenantId")}, pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) createDeployment(c *gin.Context) {
	var in deploy.Input
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	d, err := s.cfg.Deployments.Create(c.Request.Context(), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, d)
}

func (s *Server) previewDeployment(c *gin.Context) {
	var in deploy.Input
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Deployments.Preview(c.Request.Context(), in, s.cfg.Planner)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getDeployment(c *gin.Context) {
	d, err := s.cfg.Deployments.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) updateDeployment(c *gin.Context) {
	var in deploy.Patch
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	d, err := s.cfg.Deployments.Update(c.Request.Context(), c.Param("id"), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) deleteDeployment(c *gin.Context) {
	if err := s.cfg.Deployments.Delete(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) resolution(c *gin.Context) {
	out, err := s.cfg.Deployments.Explain(c.Request.Context(), c.Param("id"), c.Query("item"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
