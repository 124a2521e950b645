package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/computer"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/person"
)

type decisionRequest struct {
	// Decision is overwrite, keep_both or wiped.
	Decision string `json:"decision"`
}

type decisionResponse struct {
	// ComputerID is the computer that now holds the newcomer's pathway.
	ComputerID string `json:"computerId"`
}

type primaryPersonRequest struct {
	// PersonID fixes the primary person; empty returns the choice to user affinity.
	PersonID string `json:"personId"`
}

// newStatuses are the statuses shown on the New Computers page, in order of urgency.
var newStatuses = []string{computer.StatusNeedsDecision, computer.StatusIdentificationFailed,
	computer.StatusIdentifying, computer.StatusNeedsOnboarding, computer.StatusOnboarding}

func (s *Server) identifyRoutes() {
	r := s.routes
	r.handle(http.MethodGet, "/new-computers", op{
		summary: "Computers that need attention: decisions, failed identification, onboarding",
		tag:     "computers", resp: paging.Page[computer.Computer]{},
		query: append([]param{{"status", "string", "one status; default all new statuses"},
			{"tenantId", "string", "one tenant's computers"}}, pagingParams...)},
		s.listNewComputers)
	r.handle(http.MethodPost, "/computers/:id/decide", op{
		summary: "Decide about a computer that matched a known one: overwrite, keep_both, wiped",
		tag:     "computers", body: decisionRequest{}, resp: decisionResponse{}}, s.decide)
	r.handle(http.MethodPost, "/computers/:id/retry-identification", op{
		summary: "Ask a computer whose identification failed to report again",
		tag:     "computers", status: http.StatusNoContent}, s.retryIdentification)
	r.handle(http.MethodPost, "/computers/:id/needs-onboarding", op{
		summary: "Send a computer back to onboarding", tag: "computers",
		resp: computer.Computer{}}, s.setStatus(computer.StatusNeedsOnboarding))
	r.handle(http.MethodPost, "/computers/:id/onboarded", op{
		summary: "Mark a computer onboarded", tag: "computers",
		resp: computer.Computer{}}, s.setStatus(computer.StatusOnboarded))
	r.handle(http.MethodPut, "/computers/:id/primary-person", op{
		summary: "Fix a computer's primary person, or clear the override",
		tag:     "computers", body: primaryPersonRequest{}, resp: computer.Computer{}},
		s.setPrimaryPerson)

	r.handle(http.MethodGet, "/persons", op{summary: "List persons", tag: "persons",
		resp: paging.Page[person.Person]{}, query: append([]param{
			{"tenantId", "string", "one tenant's persons"},
			{"q", "string", "UPN or name contains"}}, pagingParams...)}, s.listPersons)
	r.handle(http.MethodPost, "/persons", op{summary: "Create a person", tag: "persons",
		body: person.Input{}, resp: person.Person{}, status: http.StatusCreated},
		s.createPerson)
	r.handle(http.MethodGet, "/persons/:id", op{summary: "Get a person", tag: "persons",
		resp: person.Person{}}, s.getPerson)
	r.handle(http.MethodPatch, "/persons/:id", op{summary: "Change a person", tag: "persons",
		body: person.Input{}, resp: person.Person{}}, s.updatePerson)
	r.handle(http.MethodDelete, "/persons/:id", op{summary: "Delete a person", tag: "persons",
		status: http.StatusNoContent}, s.deletePerson)
}

func (s *Server) listNewComputers(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	f := computer.Filter{TenantID: c.Query("tenantId"), Status: c.Query("status")}
	if f.Status == "" {
		f.Statuses = newStatuses
	}
	page, err := s.cfg.Computers.List(c.Request.Context(), f, pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) decide(c *gin.Context) {
	var in decisionRequest
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	id, err := s.cfg.Identify.Decide(c.Request.Context(), c.Param("id"), in.Decision)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, decisionResponse{ComputerID: id})
}

func (s *Server) retryIdentification(c *gin.Context) {
	if err := s.cfg.Identify.Retry(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) setStatus(status string) gin.HandlerFunc {
	return func(c *gin.Context) {
		out, err := s.cfg.Identify.SetStatus(c.Request.Context(), c.Param("id"), status)
		if err != nil {
			fail(c, s.log, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

func (s *Server) setPrimaryPerson(c *gin.Context) {
	var in primaryPersonRequest
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Identify.SetPrimaryPerson(c.Request.Context(), c.Param("id"), in.PersonID)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) listPersons(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	page, err := s.cfg.Persons.List(c.Request.Context(), person.Filter{
		TenantID: c.Query("tenantId"), Query: c.Query("q")}, pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) createPerson(c *gin.Context) {
	var in person.Input
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Persons.Create(c.Request.Context(), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) getPerson(c *gin.Context) {
	out, err := s.cfg.Persons.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) updatePerson(c *gin.Context) {
	var in person.Input
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Persons.Update(c.Request.Context(), c.Param("id"), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) deletePerson(c *gin.Context) {
	if err := s.cfg.Persons.Delete(c.Request.Context(), c.Param("id")); err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
