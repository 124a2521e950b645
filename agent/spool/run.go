package spool

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/stewardhq/steward/sdk"
)

// errClosed is returned by a Run used after Finish.
var errClosed = errors.New("run output already closed")

// Run is the spooled output of one running script. Append and Flush may be called from
// several goroutines.
type Run struct {
	s   *Spool
	id  string
	dir string

	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
}

func openRun(s *Spool, id, dir string) (*Run, error) {
	f, err := os.OpenFile(filepath.Join(dir, outputFile),
		os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	return &Run{s: s, id: id, dir: dir, f: f, w: w, enc: json.NewEncoder(w)}, nil
}

// ID is the run id.
func (r *Run) ID() string { return r.id }

// Append buffers lines for the output file; Flush, Finish or a full buffer write them.
func (r *Run) Append(lines ...sdk.OutputLine) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return fmt.Errorf("append output of %s: %w", r.id, errClosed)
	}
	for _, l := range lines {
		if err := r.enc.Encode(l); err != nil {
			return fmt.Errorf("append output of %s: %w", r.id, err)
		}
	}
	return nil
}

// Flush writes the buffered lines to the output file. It does not sync: lines lost to a
// power cut belong to a run that is then reported as stopped anyway.
func (r *Run) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flushLocked()
}

func (r *Run) flushLocked() error {
	if r.f == nil {
		return nil
	}
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("write output of %s: %w", r.id, err)
	}
	return nil
}

// Finish syncs the output and writes res durably. Only after it returns may the result be
// sent: the hub's acknowledgement deletes what Finish wrote. The run is closed either way;
// on error the result is not spooled and the run stays Running until the next Open
// reports it as stopped.
func (r *Run) Finish(res sdk.ScriptResult) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return fmt.Errorf("finish run %s: %w", r.id, errClosed)
	}

	err := r.flushLocked()
	if err == nil {
		if serr := r.f.Sync(); serr != nil {
			err = fmt.Errorf("sync output of %s: %w", r.id, serr)
		}
	}
	if cerr := r.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close output of %s: %w", r.id, cerr)
	}
	r.f = nil
	if err == nil {
		if werr := writeJSON(filepath.Join(r.dir, resultFile), res); werr != nil {
			err = fmt.Errorf("finish run %s: %w", r.id, werr)
		}
	}
	r.s.finished(r.id, err == nil)
	return err
}

func (r *Run) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.flushLocked()
	if cerr := r.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close output of %s: %w", r.id, cerr)
	}
	r.f = nil
	return err
}
