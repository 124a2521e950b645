package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/stewardhq/steward/core/scripts"
	"github.com/stewardhq/steward/sdk"
)

// followPoll bounds how late a line stored through another instance reaches a follower.
const followPoll = 500 * time.Millisecond

// event is one server-sent event of a live stream.
type event struct {
	id   int64
	name string
	data any
}

// feed is a live stream's source: lines after a cursor, whether it has ended, and a wake-up
// for changes made on this instance.
type feed struct {
	wait func() (<-chan struct{}, func())
	// next returns the lines after the cursor, each with its id as the new cursor.
	next func(ctx context.Context, after int64) ([]event, error)
	// end returns the final event once the source has ended, or nil.
	end func(ctx context.Context) (*event, error)
}

// stream writes a feed as server-sent events: "line" events whose id lets a client resume
// with Last-Event-ID, then one "end" event when the source has ended and every line was
// sent. Lines stored before the end may still be arriving from another instance, so the end
// is only sent after one more read finds nothing.
func (s *Server) stream(c *gin.Context, after int64, f feed) {
	ctx := c.Request.Context()
	if v := c.GetHeader("Last-Event-ID"); v != "" {
		fmt.Sscan(v, &after)
	}
	w := c.Writer
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	w.Flush()
	write := func(e event) {
		b, _ := json.Marshal(e.data)
		if e.id > 0 {
			fmt.Fprintf(w, "id: %d\n", e.id)
		}
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.name, b)
	}

	keepalive := time.Now()
	for {
		// Subscribe before reading, so a change between the read and the wait is not missed.
		changed, stop := f.wait()
		lines, err := f.next(ctx, after)
		var end *event
		if err == nil && len(lines) == 0 {
			if end, err = f.end(ctx); err == nil && end != nil {
				lines, err = f.next(ctx, after)
			}
		}
		if err != nil {
			stop()
			s.log.Warn("live stream ended", "path", c.FullPath(), "err", err)
			write(event{name: "error", data: "the hub could not read the log"})
			w.Flush()
			return
		}
		for _, l := range lines {
			write(l)
			after = l.id
		}
		if len(lines) > 0 {
			w.Flush()
			stop()
			continue
		}
		if end != nil {
			stop()
			write(*end)
			w.Flush()
			return
		}
		if time.Since(keepalive) > 15*time.Second {
			fmt.Fprint(w, ": keepalive\n\n")
			w.Flush()
			keepalive = time.Now()
		}
		select {
		case <-ctx.Done():
		case <-s.streams.Done():
		case <-changed:
		case <-time.After(followPoll):
		}
		stop()
		if ctx.Err() != nil || s.streams.Err() != nil {
			return
		}
	}
}

// followOutput streams a run's output: one "line" event per line, then "end" with the run.
func (s *Server) followOutput(c *gin.Context, run scripts.Run, after int64) {
	s.stream(c, after, feed{
		wait: func() (<-chan struct{}, func()) { return s.cfg.Scripts.Wait(run.ID) },
		next: func(ctx context.Context, after int64) ([]event, error) {
			lines, err := s.cfg.Scripts.Output(ctx, run.ID, after, 1000)
			return lineEvents(lines, func(l sdk.OutputLine) int64 { return l.Seq }), err
		},
		end: func(ctx context.Context) (*event, error) {
			r, err := s.cfg.Scripts.Get(ctx, run.ID)
			if err != nil || !scripts.Finished(r.Status) {
				return nil, err
			}
			return &event{name: "end", data: r}, nil
		},
	})
}

func lineEvents[T any](lines []T, id func(T) int64) []event {
	out := make([]event, len(lines))
	for i, l := range lines {
		out[i] = event{id: id(l), name: "line", data: l}
	}
	return out
}
