package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/apitoken"
)

func (s *Server) tokenRoutes() {
	s.routes.handle(http.MethodGet, "/tokens", op{
		summary: "List API tokens (never their secrets)", tag: "access",
		resp: []apitoken.Token{}}, s.listTokens)
	s.routes.handle(http.MethodDelete, "/tokens/:id", op{
		summary: "Revoke an API token", tag: "access", status: http.StatusNoContent},
		s.revokeToken)
}

func (s *Server) listTokens(c *gin.Context) {
	out, err := s.cfg.Tokens.List(c.Request.Context())
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) revokeToken(c *gin.Context) {
	if err := s.cfg.Tokens.Revoke(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
