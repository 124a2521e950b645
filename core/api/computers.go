package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

// inventoryResponse is a computer's latest inventory and when it was reported.
type inventoryResponse struct {
	ReportedAt time.Time     `json:"reportedAt"`
	Inventory  sdk.Inventory `json:"inventory"`
}

// outputResponse is a page of a run's output.
type outputResponse struct {
	Lines []sdk.OutputLine `json:"lines"`
	// Next is the sequence number to pass as after for the following page.
	Next int64 `json:"next"`
	// Finished says the run has ended; with an empty page, the output is complete.
	Finished bool `json:"finished"`
}

func (s *Server) computerRoutes() {
	r := s.routes
	r.handle(http.MethodGet, "/computers", op{summary: "List computers", tag: "computers",
		resp: paging.Page[computer.Computer]{}, query: append([]param{
			{"tenantId", "string", "computers of one tenant"},
			{"status", "string", "computers in one status"},
			{"q", "string", "name contains"}}, pagingParams...)}, s.listComputers)
	r.handle(http.MethodGet, "/computers/:id", op{summary: "Get a computer", tag: "computers",
		resp: computer.Computer{}}, s.getComputer)
	r.handle(http.MethodPut, "/computers/:id/tags", op{
		summary: "Replace a computer's tags (deployments may target a tag)", tag: "computers",
		body: tagsRequest{}, resp: computer.Computer{}}, s.setComputerTags)
	r.handle(http.MethodDelete, "/computers/:id", op{
		summary: "Delete a computer that is gone: its records go, its agents are revoked",
		tag:     "computers", status: http.StatusNoContent}, s.deleteComputer)
	r.handle(http.MethodGet, "/computers/:id/software", op{
		summary: "A computer's installed programs, from its latest inventory",
		tag:     "computers", resp: paging.Page[computer.Program]{},
		query: append([]param{{"q", "string", "name contains"}}, pagingParams...)},
		s.computerSoftware)
	r.handle(http.MethodGet, "/computers/:id/inventory", op{
		summary: "A computer's latest inventory as reported", tag: "computers",
		resp: inventoryResponse{}}, s.computerInventory)
	r.handle(http.MethodGet, "/computers/:id/pathways", op{
		summary: "How the hub reaches a computer, in the order runs take: the first is next",
		tag:     "computers", resp: []scripts.Pathway{}}, s.computerPathways)
	r.handle(http.MethodPost, "/computers/:id/scripts/run", op{
		summary: "Run a script on a computer", tag: "scripts", body: scripts.NewRun{},
		resp: scripts.Run{}, status: http.StatusCreated}, s.runScript)
	r.handle(http.MethodGet, "/script-runs/:id", op{summary: "A script run's status and result",
		tag: "scripts", resp: scripts.Run{}}, s.getScriptRun)
	r.handle(http.MethodPost, "/script-runs/:id/cancel", op{
		summary: "Stop a run: a queued one at once, a running one through its agent",
		tag:     "scripts", resp: scripts.Run{}}, s.cancelScriptRun)
	r.handle(http.MethodGet, "/script-runs/:id/output", op{
		summary: "A script run's output; with follow=1 a live stream of server-sent events",
		tag:     "scripts", resp: outputResponse{}, query: []param{
			{"after", "integer", "only lines after this sequence number"},
			{"follow", "boolean", "stream lines as server-sent events until the run ends"}}},
		s.scriptOutput)
}

func (s *Server) listComputers(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	f := computer.Filter{TenantID: c.Query("tenantId"), Status: c.Query("status"),
		Query: c.Query("q")}
	page, err := s.cfg.Computers.List(c.Request.Context(), f, pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) getComputer(c *gin.Context) {
	out, err := s.cfg.Computers.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) computerSoftware(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Computers.Software(c.Request.Context(), c.Param("id"), c.Query("q"), pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) computerInventory(c *gin.Context) {
	inv, at, err := s.cfg.Computers.Inventory(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, inventoryResponse{ReportedAt: at, Inventory: inv})
}

func (s *Server) computerPathways(c *gin.Context) {
	ps, err := s.cfg.Scripts.Pathways(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	if ps == nil {
		ps = []scripts.Pathway{}
	}
	c.JSON(http.StatusOK, ps)
}

func (s *Server) runScript(c *gin.Context) {
	var in scripts.NewRun
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	run, err := s.cfg.Scripts.Create(c.Request.Context(), c.Param("id"), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, run)
}

func (s *Server) getScriptRun(c *gin.Context) {
	run, err := s.cfg.Scripts.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, run)
}

func (s *Server) scriptOutput(c *gin.Context) {
	ctx := c.Request.Context()
	run, err := s.cfg.Scripts.Get(ctx, c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	after := int64(0)
	if v := c.Query("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil {
			fail(c, s.log, fmt.Errorf("after must be a whole number: %w", errs.ErrInvalid))
			return
		}
	}
	if c.Query("follow") == "1" || c.Query("follow") == "true" {
		s.followOutput(c, run, after)
		return
	}
	lines, err := s.cfg.Scripts.Output(ctx, run.ID, after, 5000)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	next := after
	if len(lines) > 0 {
		next = lines[len(lines)-1].Seq
	}
	c.JSON(http.StatusOK, outputResponse{Lines: lines, Next: next,
		Finished: scripts.Finished(run.Status)})
}

func (s *Server) cancelScriptRun(c *gin.Context) {
	run, err := s.cfg.Scripts.Cancel(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, run)
}

func (s *Server) deleteComputer(c *gin.Context) {
	if err := s.cfg.Computers.Delete(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type tagsRequest struct {
	Tags []string `json:"tags"`
}

func (s *Server) setComputerTags(c *gin.Context) {
	var in tagsRequest
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Computers.SetTags(c.Request.Context(), c.Param("id"), in.Tags)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
