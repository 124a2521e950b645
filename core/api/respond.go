package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/errs"
	"github.com/stewardhq/steward/core/paging"
)

// errorBody is the shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	// Code is stable: invalid, unauthorized, forbidden, not_found, conflict, internal.
	Code    string `json:"code"`
	Message string `json:"message"`
}

var statusOf = map[string]int{
	"invalid":      http.StatusBadRequest,
	"unauthorized": http.StatusUnauthorized,
	"forbidden":    http.StatusForbidden,
	"not_found":    http.StatusNotFound,
	"conflict":     http.StatusConflict,
	"internal":     http.StatusInternalServerError,
}

// fail writes err as an error response. Internal errors are logged here, once, and their
// text is not shown to the caller.
func fail(c *gin.Context, log *slog.Logger, err error) {
	code := errs.Code(err)
	msg := errs.Message(err)
	if code == "internal" {
		log.Error("request failed", "method", c.Request.Method, "path", c.FullPath(),
			"err", err)
		msg = "internal error; the server log has the details"
	}
	c.AbortWithStatusJSON(statusOf[code], errorBody{Error: errorDetail{Code: code, Message: msg}})
}

// maxBody bounds request bodies; installers are uploaded through their own streaming route.
const maxBody = 4 << 20

// decode reads a JSON body into v, refusing unknown fields, trailing data and oversize bodies
// with ErrInvalid and a message that says what is wrong.
func decode(c *gin.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("read request body: %w", errs.ErrInvalid)
	}
	if len(body) > maxBody {
		return fmt.Errorf("request body is larger than %d bytes: %w", maxBody, errs.ErrInvalid)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("request body is empty; send a JSON object: %w", errs.ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %s: %w", describeJSONError(err), errs.ErrInvalid)
	}
	if dec.More() {
		return fmt.Errorf("request body has data after the JSON object: %w", errs.ErrInvalid)
	}
	return nil
}

func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return fmt.Sprintf("the body must be a JSON object, not %s", typeErr.Value)
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q must be %s, not %s", typeErr.Field,
			jsonKind(typeErr.Type.Kind()), typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON ends too early"
	default:
		return err.Error()
	}
}

// pageRequest reads the page and pageSize query parameters.
func pageRequest(c *gin.Context) (paging.Request, error) {
	var pr paging.Request
	var err error
	if pr.Page, err = intQuery(c, "page"); err != nil {
		return pr, err
	}
	if pr.PageSize, err = intQuery(c, "pageSize"); err != nil {
		return pr, err
	}
	return pr.Normalize()
}

func intQuery(c *gin.Context, name string) (int, error) {
	s := c.Query(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("query parameter %s must be a whole number, got %q: %w",
			name, s, errs.ErrInvalid)
	}
	return n, nil
}

// jsonKind names a Go kind the way a JSON author thinks of it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another kind of value"
}
