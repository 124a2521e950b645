package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
	"github.com/stewardhq/steward/core/session"
)

// sessionLog is a page of a session's log.
type sessionLog struct {
	Lines []session.LogLine `json:"lines"`
	// Next is the line id to pass as after for the following page.
	Next     int64 `json:"next"`
	Finished bool  `json:"finished"`
}

func (s *Server) sessionRoutes() {
	r := s.routes
	r.handle(http.MethodPost, "/sessions", op{
		summary: "Start a session: full, detect (read-only) or one item",
		tag:     "sessions", body: session.NewSession{}, resp: session.Session{},
		status: http.StatusCreated}, s.createSession)
	r.handle(http.MethodGet, "/sessions", op{summary: "List sessions, newest first",
		tag: "sessions", resp: paging.Page[session.Session]{}, query: append([]param{
			{"computerId", "string", "sessions of one computer"},
			{"status", "string", "sessions in one status"}}, pagingParams...)},
		s.listSessions)
	r.handle(http.MethodGet, "/sessions/:id", op{summary: "A session with its actions",
		tag: "sessions", resp: session.Session{}}, s.getSession)
	r.handle(http.MethodPost, "/sessions/:id/cancel", op{summary: "Cancel a session",
		tag: "sessions", resp: session.Session{}}, s.cancelSession)
	r.handle(http.MethodPost, "/sessions/:id/rerun", op{summary: "Run a session again",
		tag: "sessions", resp: session.Session{}, status: http.StatusCreated}, s.rerunSession)
	r.handle(http.MethodPost, "/sessions/:id/actions/:actionId/rerun", op{
		summary: "Run one action's item again, in a new session", tag: "sessions",
		resp: session.Session{}, status: http.StatusCreated}, s.rerunSession)
	r.handle(http.MethodGet, "/sessions/:id/log", op{
		summary: "A session's log; with follow=1 a live stream of server-sent events",
		tag:     "sessions", resp: sessionLog{}, query: []param{
			{"after", "integer", "only lines after this line id"},
			{"follow", "boolean", "stream lines as server-sent events until the session ends"}}},
		s.sessionLogHandler)
}

func (s *Server) createSession(c *gin.Context) {
	var in session.NewSession
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Sessions.Create(c.Request.Context(), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) listSessions(c *gin.Context) {
	pr, err := pageRequest(c)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	page, err := s.cfg.Sessions.List(c.Request.Context(), session.Filter{
		ComputerID: c.Query("computerId"), Status: c.Query("status")}, pr)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

func (s *Server) getSession(c *gin.Context) {
	out, err := s.cfg.Sessions.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) cancelSession(c *gin.Context) {
	out, err := s.cfg.Sessions.Cancel(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) rerunSession(c *gin.Context) {
	out, err := s.cfg.Sessions.Rerun(c.Request.Context(), c.Param("id"), c.Param("actionId"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) sessionLogHandler(c *gin.Context) {
	ctx := c.Request.Context()
	ses, err := s.cfg.Sessions.Get(ctx, c.Param("id"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	var after int64
	if v := c.Query("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil {
			fail(c, s.log, fmt.Errorf("after must be a whole number: %w", errs.ErrInvalid))
			return
		}
	}
	if c.Query("follow") != "1" && c.Query("follow") != "true" {
		lines, err := s.cfg.Sessions.Log(ctx, ses.ID, after, 5000)
		if err != nil {
			fail(c, s.log, err)
			return
		}
		next := after
		if len(lines) > 0 {
			next = lines[len(lines)-1].ID
		}
		c.JSON(http.StatusOK, sessionLog{Lines: lines, Next: next,
			Finished: session.Final(ses.Status)})
		return
	}
	s.stream(c, after, feed{
		wait: func() (<-chan struct{}, func()) { return s.cfg.Sessions.Wait(ses.ID) },
		next: func(ctx context.Context, after int64) ([]event, error) {
			lines, err := s.cfg.Sessions.Log(ctx, ses.ID, after, 1000)
			return lineEvents(lines, func(l session.LogLine) int64 { return l.ID }), err
		},
		end: func(ctx context.Context) (*event, error) {
			cur, err := s.cfg.Sessions.Get(ctx, ses.ID)
			if err != nil || !session.Final(cur.Status) {
				return nil, err
			}
			return &event{name: "end", data: cur}, nil
		},
	})
}
