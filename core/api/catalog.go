package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/paging"
)

// inlineNote tells API users that script ids may be replaced by inline scripts.
const inlineNote = "; any script id may instead be an inline script " +
	`{"language":"sh","body":"…"}, stored as a script named after the item`

var catalogQuery = append([]param{
	{"q", "string", "name contains"},
	{"tenantId", "string", "only items owned by this tenant"}}, pagingParams...)

func (s *Server) catalogRoutes() {
	r := s.routes
	svc := s.cfg.Catalog

	r.handle(http.MethodGet, "/catalog-scripts", op{summary: "List catalog scripts",
		tag: "catalog", resp: paging.Page[catalog.Script]{}, query: catalogQuery},
		listItems(s, svc.ListScripts))
	r.handle(http.MethodPost, "/catalog-scripts", op{summary: "Create a catalog script",
		tag: "catalog", body: catalog.ScriptInput{}, resp: catalog.Script{},
		status: http.StatusCreated}, createItem(s, svc.CreateScript))
	r.handle(http.MethodGet, "/catalog-scripts/:id", op{summary: "Get a catalog script",
		tag: "catalog", resp: catalog.Script{}}, getItem(s, svc.GetScript))
	r.handle(http.MethodPatch, "/catalog-scripts/:id", op{
		summary: "Change a catalog script; global scripts are read-only", tag: "catalog",
		body: catalog.ScriptInput{}, resp: catalog.Script{}}, updateItem(s, svc.UpdateScript))
	r.handle(http.MethodDelete, "/catalog-scripts/:id", op{
		summary: "Delete a catalog script that nothing uses", tag: "catalog",
		status: http.StatusNoContent}, deleteItem(s, svc.DeleteScript))

	r.handle(http.MethodGet, "/software", op{summary: "List software with their versions",
		tag: "catalog", resp: paging.Page[catalog.Software]{}, query: catalogQuery},
		listItems(s, svc.ListSoftware))
	r.handle(http.MethodPost, "/software", op{summary: "Create a software" + inlineNote,
		tag: "catalog", body: catalog.SoftwareInput{}, resp: catalog.Software{},
		status: http.StatusCreated}, createItem(s, svc.CreateSoftware))
	r.handle(http.MethodGet, "/software/:id", op{summary: "Get a software with its versions",
		tag: "catalog", resp: catalog.Software{}}, getItem(s, svc.GetSoftware))
	r.handle(http.MethodPatch, "/software/:id", op{
		summary: "Change a software; global software is read-only" + inlineNote,
		tag:     "catalog", body: catalog.SoftwareInput{}, resp: catalog.Software{}},
		updateItem(s, svc.UpdateSoftware))
	r.handle(http.MethodDelete, "/software/:id", op{
		summary: "Delete a software with its versions", tag: "catalog",
		status: http.StatusNoContent}, deleteItem(s, svc.DeleteSoftware))
	r.handle(http.MethodPost, "/software/:id/versions", op{
		summary: "Add a version; its installer is uploaded first with PUT /blobs and named " +
			"by sha256" + inlineNote, tag: "catalog", body: catalog.VersionInput{},
		resp: catalog.Version{}, status: http.StatusCreated}, s.addVersion)
	r.handle(http.MethodDelete, "/software/:id/versions/:versionId", op{
		summary: "Delete a version", tag: "catalog", status: http.StatusNoContent},
		s.deleteVersion)

	r.handle(http.MethodGet, "/tasks", op{summary: "List tasks", tag: "catalog",
		resp: paging.Page[catalog.Task]{}, query: catalogQuery}, listItems(s, svc.ListTasks))
	r.handle(http.MethodPost, "/tasks", op{
		summary: "Create a task: a combined script, or separate scripts with at least a " +
			"test script" + inlineNote, tag: "catalog", body: catalog.TaskInput{},
		resp: catalog.Task{}, status: http.StatusCreated}, createItem(s, svc.CreateTask))
	r.handle(http.MethodGet, "/tasks/:id", op{summary: "Get a task", tag: "catalog",
		resp: catalog.Task{}}, getItem(s, svc.GetTask))
	r.handle(http.MethodPatch, "/tasks/:id", op{
		summary: "Change a task; global tasks are read-only" + inlineNote, tag: "catalog",
		body: catalog.TaskInput{}, resp: catalog.Task{}}, updateItem(s, svc.UpdateTask))
	r.handle(http.MethodDelete, "/tasks/:id", op{summary: "Delete a task", tag: "catalog",
		status: http.StatusNoContent}, deleteItem(s, svc.DeleteTask))

	s.blobRoutes()
}

func listItems[T any](s *Server, list func(context.Context, catalog.Filter,
	paging.Request) (paging.Page[T], error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		pr, err := pageRequest(c)
		if err != nil {
			fail(c, s.log, err)
			return
		}
		f := catalog.Filter{Query: c.Query("q"), TenantID: c.Query("tenantId")}
		page, err := list(c.Request.Context(), f, pr)
		if err != nil {
			fail(c, s.log, err)
			return
		}
		c.JSON(http.StatusOK, page)
	}
}

func getItem[T any](s *Server, get func(context.Context, string) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		out, err := get(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, s.log, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

func createItem[In, T any](s *Server, create func(context.Context, In) (T, error),
) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if err := decode(c, &in); err != nil {
			fail(c, s.log, err)
			return
		}
		out, err := create(c.Request.Context(), in)
		if err != nil {
			fail(c, s.log, err)
			return
		}
		c.JSON(http.StatusCreated, out)
	}
}

func updateItem[In, T any](s *Server, update func(context.Context, string, In) (T, error),
) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if err := decode(c, &in); err != nil {
			fail(c, s.log, err)
			return
		}
		out, err := update(c.Request.Context(), c.Param("id"), in)
		if err != nil {
			fail(c, s.log, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

func deleteItem(s *Server, del func(context.Context, string) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := del(c.Request.Context(), c.Param("id")); err != nil {
			fail(c, s.log, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

func (s *Server) addVersion(c *gin.Context) {
	var in catalog.VersionInput
	if err := decode(c, &in); err != nil {
		fail(c, s.log, err)
		return
	}
	out, err := s.cfg.Catalog.AddVersion(c.Request.Context(), c.Param("id"), in)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) deleteVersion(c *gin.Context) {
	err := s.cfg.Catalog.DeleteVersion(c.Request.Context(), c.Param("id"), c.Param("versionId"))
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.Status(http.StatusNoContent)
}
