package client

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Event is one server-sent event.
type Event struct {
	ID   string
	Name string
	Data string
}

// Stream reads the server-sent events at path (under /api/v1) and calls fn for each until the
// stream ends, fn returns an error, or ctx ends. fn returning ErrStop ends it without error.
func (c *Client) Stream(ctx context.Context, path string, fn func(Event) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1"+path, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	// The shared client's timeout would cut a long stream; ctx bounds this one.
	resp, err := (&http.Client{Transport: c.http.Transport}).Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return c.errorFrom(resp)
	}

	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	var ev Event
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 || ev.Name != "" {
				ev.Data = strings.Join(data, "\n")
				if err := fn(ev); err != nil {
					if err == ErrStop {
						return nil
					}
					return err
				}
			}
			ev, data = Event{}, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			ev.Name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "id:"):
			ev.ID = strings.TrimSpace(strings.TrimPrefix(line, "id:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read stream %s: %w", path, err)
	}
	return ctx.Err()
}

// ErrStop ends Stream early without an error.
var ErrStop = fmt.Errorf("stop stream")
