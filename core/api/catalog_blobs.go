package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/blob"
	"github.com/stewardhq/steward/core/catalog"
	"github.com/stewardhq/steward/core/errs"
)

// DefaultMaxUpload bounds an uploaded installer when Config.MaxUploadBytes is zero.
const DefaultMaxUpload = 4 << 30

// blobStore keeps uploaded installers and serves them to agents.
type blobStore interface {
	Put(ctx context.Context, r io.Reader) (string, int64, error)
	Open(ctx context.Context, sha256 string) (io.ReadCloser, int64, error)
}

// fileSigner checks the signature of an agent's download URL.
type fileSigner interface {
	Check(sha256, exp, sig string) error
}

func (s *Server) blobRoutes() {
	s.routes.handle(http.MethodPut, "/blobs", op{
		summary: "Upload an installer as the raw request body; returns its sha256, which a " +
			"version's installer names. Identical content is stored once.",
		tag: "catalog", resp: catalog.Blob{}, status: http.StatusCreated,
		query: []param{{"name", "string", "the file name agents save it as"}}},
		s.uploadBlob)
	op := s.routes.doc.Paths.Value("/blobs").Put
	op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().
		WithRequired(true).WithContent(openapi3.NewContentWithSchema(
		openapi3.NewStringSchema().WithFormat("binary"), []string{"application/octet-stream"}))}

	// Agents download with a signed, short-lived URL instead of an API token.
	s.engine.GET(blob.FilesPath+":sha256", s.agentFile)
}

func (s *Server) maxUpload() int64 {
	if s.cfg.MaxUploadBytes > 0 {
		return s.cfg.MaxUploadBytes
	}
	return DefaultMaxUpload
}

// uploadBlob streams the body into the blob store; it is never held in memory whole.
func (s *Server) uploadBlob(c *gin.Context) {
	limit := s.maxUpload()
	if c.Request.ContentLength > limit {
		fail(c, s.log, tooLarge(limit))
		return
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	b, err := s.cfg.Catalog.StoreBlob(c.Request.Context(), s.cfg.Blobs, body, c.Query("name"))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = tooLarge(limit)
	}
	if err != nil {
		fail(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, b)
}

func tooLarge(limit int64) error {
	return fmt.Errorf("the upload is larger than the limit of %d bytes: %w", limit,
		errs.ErrInvalid)
}

// agentFile serves a blob to whoever holds a valid signed URL for it. Content that does not
// match its hash aborts the response, so the download fails instead of ending cleanly.
//
// TODO(blob): answer Range requests so an agent on a poor line can resume a large installer;
// the whole-file hash check then moves to the agent alone.
func (s *Server) agentFile(c *gin.Context) {
	sum := c.Param("sha256")
	if err := s.cfg.Files.Check(sum, c.Query("exp"), c.Query("sig")); err != nil {
		fail(c, s.log, err)
		return
	}
	r, size, err := s.cfg.Blobs.Open(c.Request.Context(), sum)
	if err != nil {
		fail(c, s.log, err)
		return
	}
	defer r.Close()
	c.Header("Content-Type", "application/octet-stream")
	c.Header("Content-Length", strconv.FormatInt(size, 10))
	c.Header("Cache-Control", "private, max-age=0")
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, r); err != nil {
		s.log.Error("file download failed", "sha256", sum, "err", err)
		panic(http.ErrAbortHandler)
	}
}
