package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/scripts"
)

// followPoll bounds how late a line stored through another instance reaches a follower.
const followPoll = 500 * time.Millisecond

// followOutput streams a run's output as server-sent events: one "line" event per line (id
// is the sequence number, so a client reconnects with Last-Event-ID), then one "end" event
// with the run when it has finished and every line was sent.
func (s *Server) followOutput(c *gin.Context, run scripts.Run, after int64) {
	ctx := c.Request.Context()
	if v := c.GetHeader("Last-Event-ID"); v != "" {
		fmt.Sscan(v, &after)
	}
	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	w.Flush()

	keepalive := time.Now()
	for {
		// Subscribe before reading, so a change between the read and the wait is not missed.
		changed, stop := s.cfg.Scripts.Wait(run.ID)
		lines, err := s.cfg.Scripts.Output(ctx, run.ID, after, 1000)
		if err == nil && len(lines) == 0 {
			run, err = s.cfg.Scripts.Get(ctx, run.ID)
			if err == nil && scripts.Finished(run.Status) {
				// Lines stored before the result may still be arriving from another instance;
				// one more read after seeing the end makes the stream complete.
				lines, err = s.cfg.Scripts.Output(ctx, run.ID, after, 1000)
				if err == nil && len(lines) == 0 {
					stop()
					b, _ := json.Marshal(run)
					fmt.Fprintf(w, "event: end\ndata: %s\n\n", b)
					w.Flush()
					return
				}
			}
		}
		if err != nil {
			stop()
			s.log.Warn("output stream ended", "run_id", run.ID, "err", err)
			fmt.Fprintf(w, "event: error\ndata: %q\n\n", "the hub could not read the output")
			w.Flush()
			return
		}
		for _, l := range lines {
			b, _ := json.Marshal(l)
			fmt.Fprintf(w, "id: %d\nevent: line\ndata: %s\n\n", l.Seq, b)
			after = l.Seq
		}
		if len(lines) > 0 {
			w.Flush()
			stop()
			continue
		}
		if time.Since(keepalive) > 15*time.Second {
			fmt.Fprint(w, ": keepalive\n\n")
			w.Flush()
			keepalive = time.Now()
		}
		select {
		case <-ctx.Done():
			stop()
			return
		case <-s.streams.Done():
			stop()
			return
		case <-changed:
		case <-time.After(followPoll):
		}
		stop()
	}
}
