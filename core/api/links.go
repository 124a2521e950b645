package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/links"
	"github.com/stewardhq/steward/core/paging"
)

func (s *Server) linkRoutes() {
	r := s.routes
	r.handle(http.MethodGet, "/connectors", op{
		summary: "List the connector executables in the plugin folders", tag: "links",
		resp: []links.Connector{}}, s.listConnectors)
	r.handle(http.MethodGet, "/links", op{summary: "List links", tag: "links",
		resp: paging.Page[links.Link]{}, query: pagingParams}, s.listLinks)
	r.handle(http.MethodPost, "/links", op{
		summary: "Create a link to a connector (pins its executable)", tag: "links",
		body: links.Input{}, resp: links.Link{}, status: http.StatusCreated}, s.createLink)
	r.handle(http.MethodGet, "/links/:id", op{summary: "Get a link", tag: "links",
		resp: links.Link{}}, s.getLink)
	r.handle(http.MethodPatch, "/links/:id", op{
		summary: "Change a link (a secret sent as ******** stays)", tag: "links",
		body: links.Patch{}, resp: links.Link{}}, s.updateLink)
	r.handle(http.MethodDelete, "/links/:id", op{summary: "Delete a link", tag: "links",
		status: http.StatusNoContent}, s.deleteLink)
	r.handle(http.MethodPost, "/links/:id/enable", op{
		summary: "Enable a link and start its connector", tag: "links", resp: links.Link{}},
		s.linkAction((*links.Service).Enable))
	r.handle(http.MethodPost, "/links/:id/disable", op{
		summary: "Disable a link and stop its connector", tag: "links", resp: links.Link{}},
		s.linkAction((*links.Service).Disable))
	r.handle(http.MethodPost, "/links/:id/pin", op{
		summary: "Accept the connector executable as it is now: pin its SHA-256 and enable " +
			"the link", tag: "links", resp: links.Link{}},
		s.linkAction((*links.Service).Pin))
	r.handle(http.MethodPost, "/links/:id/health", op{
		summary: "Ask a link's running connector for its health", tag: "links",
		resp: links.HealthResult{}}, s.linkHealth)
	r.handle(http.MethodGet, "/links/:id/clients", op{
		summary: "List a link's external clients with their tenant mappings and suggestions",
		tag:     "links", resp: []links.ClientMapping{}}, s.linkClients)
	r.handle(http.MethodPut, "/links/:id/clients/:clientId", op{
		summary: "Map a link's client to a tenant, to a new tenant, or to none", tag: "links",
		body: links.MapInput{}, resp: links.ClientMapping{}}, s.mapLinkClient)
	r.handle(http.MethodPost, "/links/:id/sync", op{
		summary: "Read a link's agents now and identify those of mapped clients",
		tag:     "links", resp: links.SyncSummary{}}, s.syncLink)
}

func (s *Server) listConnectors(c *gin.Context) {
	out, err := s.cfg.Links.Connectors(c.Request.Context())
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) listLinks(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	page, err := s.cfg.Links.List(c.Request.Context(), pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) createLink(c *gin.Context) {
	var in links.Input
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	l, err := s.cfg.Links.Create(c.Request.Context(), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, l)
}

func (s *Server) getLink(c *gin.Context) {
	l, err := s.cfg.Links.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, l)
}

func (s *Server) updateLink(c *gin.Context) {
	var in links.Patch
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	l, err := s.cfg.Links.Update(c.Request.Context(), c.Param("id"), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, l)
}

func (s *Server) deleteLink(c *gin.Context) {
	if err := s.cfg.Links.Delete(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// linkAction serves a bodiless POST that changes one link.
func (s *Server) linkAction(fn func(*links.Service, context.Context, string) (links.Link,
	error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		l, err := fn(s.cfg.Links, c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, s.log, err)
			return
		}
		c.JSON(http.StatusOK, l)
	}
}

func (s *Server) linkHealth(c *gin.Context) {
	res, err := s.cfg.Links.Health(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) linkClients(c *gin.Context) {
	out, err := s.cfg.Links.Clients(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) mapLinkClient(c *gin.Context) {
	var in links.MapInput
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Links.MapClient(c.Request.Context(), c.Param("id"), c.Param("clientId"),
		in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) syncLink(c *gin.Context) {
	sum, err := s.cfg.Links.Sync(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, sum)
}
