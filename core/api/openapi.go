package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gin-gonic/gin"
)

// op documents one route. Every /api/v1 route is registered through routes.handle with its
// op, so the OpenAPI document cannot fall behind the router (a test checks it).
type op struct {
	summary string
	tag     string
	// body is a value of the request body's type, nil for none.
	body any
	// resp is a value of the success response's type, nil for an empty 204.
	resp   any
	status int
	query  []param
	// public routes need no bearer token.
	public bool
	// stream marks a text/event-stream response.
	stream bool
}

type param struct {
	name, kind, help string
}

// pagingParams are the query parameters every list takes.
var pagingParams = []param{
	{"page", "integer", "page number, from 1"},
	{"pageSize", "integer", "items per page, 1 to 500 (default 50)"},
}

type routes struct {
	group *gin.RouterGroup
	doc   *openapi3.T
	gen   *openapi3gen.Generator
}

func newRoutes(group *gin.RouterGroup, version string) *routes {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{Title: "Steward API", Version: version,
			Description: "Keeps managed computers in their desired state."},
		Servers: openapi3.Servers{{URL: "/api/v1"}},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			SecuritySchemes: openapi3.SecuritySchemes{"bearer": &openapi3.SecuritySchemeRef{
				Value: openapi3.NewJWTSecurityScheme().WithBearerFormat("opaque")}},
			Schemas: openapi3.Schemas{},
		},
		Security: openapi3.SecurityRequirements{{"bearer": []string{}}},
	}
	r := &routes{group: group, doc: doc, gen: openapi3gen.NewGenerator()}
	doc.Components.Schemas["Error"] = r.schema(errorBody{})
	return r
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// handle registers h for method and path (gin syntax, relative to /api/v1) and documents it.
func (r *routes) handle(method, path string, o op, h ...gin.HandlerFunc) {
	r.group.Handle(method, path, h...)

	oaPath := ginParam.ReplaceAllString(path, "{$1}")
	operation := openapi3.NewOperation()
	operation.Summary = o.summary
	operation.Tags = []string{o.tag}
	operation.OperationID = strings.ToLower(method) + operationName(oaPath)
	if o.public {
		operation.Security = &openapi3.SecurityRequirements{}
	}
	for _, m := range ginParam.FindAllStringSubmatch(path, -1) {
		operation.AddParameter(openapi3.NewPathParameter(m[1]).
			WithSchema(openapi3.NewStringSchema()))
	}
	for _, q := range o.query {
		s := openapi3.NewStringSchema()
		switch q.kind {
		case "integer":
			s = openapi3.NewIntegerSchema()
		case "boolean":
			s = openapi3.NewBoolSchema()
		}
		p := openapi3.NewQueryParameter(q.name).WithSchema(s)
		p.Description = q.help
		operation.AddParameter(p)
	}
	if o.body != nil {
		operation.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().
			WithRequired(true).WithJSONSchemaRef(r.schema(o.body))}
	}

	status := o.status
	if status == 0 {
		status = http.StatusOK
	}
	resp := openapi3.NewResponse().WithDescription(http.StatusText(status))
	switch {
	case o.stream:
		resp.Content = openapi3.NewContentWithSchema(openapi3.NewStringSchema(),
			[]string{"text/event-stream"})
	case o.resp != nil:
		resp.Content = openapi3.NewContentWithJSONSchemaRef(r.schema(o.resp))
	}
	operation.AddResponse(status, resp)
	errRef := &openapi3.SchemaRef{Ref: "#/components/schemas/Error"}
	operation.AddResponse(0, openapi3.NewResponse().WithDescription("error").
		WithContent(openapi3.NewContentWithJSONSchemaRef(errRef)))

	r.doc.AddOperation("/"+strings.TrimPrefix(oaPath, "/"), method, operation)
}

func (r *routes) schema(v any) *openapi3.SchemaRef {
	ref, err := r.gen.NewSchemaRefForValue(v, r.doc.Components.Schemas)
	if err != nil {
		// The values are our own types; a failure here is a programming error.
		panic("openapi schema: " + err.Error())
	}
	return ref
}

// operationName turns /tenants/{id}/tokens into TenantsIdTokens.
func operationName(path string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(path, func(r rune) bool {
		return r == '/' || r == '{' || r == '}' || r == '-'
	}) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
