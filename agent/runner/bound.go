package runner

import (
	"fmt"
	"sync"
	"time"

	"github.com/stewardhq/steward/sdk"
)

// boundedOutput keeps the head and the tail of a run's output within a byte limit and
// delivers exactly the kept lines, in order, numbered (see "Bounded output" in the package
// documentation). It is shared by the stdout and stderr readers.
type boundedOutput struct {
	mu      sync.Mutex
	deliver func(sdk.OutputLine)
	limit   int64

	headBudget int64
	headUsed   int64
	headClosed bool

	// tail[tailStart:] are the held lines, oldest first; the prefix is evicted space
	// reclaimed now and then.
	tail      []sdk.OutputLine
	tailStart int
	tailUsed  int64

	dropped     int64
	lastDropped time.Time
	seq         int64
	finished    bool
}

func newBoundedOutput(limit int64, deliver func(sdk.OutputLine)) *boundedOutput {
	if deliver == nil {
		deliver = func(sdk.OutputLine) {}
	}
	return &boundedOutput{deliver: deliver, limit: limit, headBudget: limit / 2}
}

// lineCost is what a line counts against the limit: its text and one byte for its ending.
func lineCost(text string) int64 {
	return int64(len(text)) + 1
}

// add takes one line as it is printed. Lines that arrive after finish are ignored: they
// come from a reader that was abandoned because something kept the pipe open.
func (b *boundedOutput) add(stream, text string, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}

	line := sdk.OutputLine{Stream: stream, Text: text, Time: at}
	cost := lineCost(text)
	if !b.headClosed {
		if b.headUsed+cost <= b.headBudget {
			b.headUsed += cost
			b.send(line)
			return
		}
		b.headClosed = true
	}

	// The tail may use whatever the head left of the limit. A line too big for it evicts
	// everything, itself included, so that the kept tail stays a suffix of the output.
	b.tail = append(b.tail, line)
	b.tailUsed += cost
	for b.tailUsed > b.limit-b.headUsed && b.tailStart < len(b.tail) {
		old := b.tail[b.tailStart]
		b.tail[b.tailStart] = sdk.OutputLine{}
		b.tailStart++
		b.tailUsed -= lineCost(old.Text)
		b.dropped += lineCost(old.Text)
		b.lastDropped = old.Time
	}
	if b.tailStart > 1024 && b.tailStart > len(b.tail)/2 {
		b.tail = append([]sdk.OutputLine(nil), b.tail[b.tailStart:]...)
		b.tailStart = 0
	}
}

// finish delivers the marker of left-out output, if any, and the held tail, and reports
// the left-out byte count. Later calls to add are ignored.
func (b *boundedOutput) finish() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return b.dropped
	}
	b.finished = true

	if b.dropped > 0 {
		b.send(sdk.OutputLine{
			Stream: sdk.StreamStderr,
			Text:   droppedMarker(b.dropped),
			Time:   b.lastDropped,
		})
	}
	for _, line := range b.tail[b.tailStart:] {
		b.send(line)
	}
	b.tail = nil
	return b.dropped
}

// droppedMarker is the line that stands in for left-out output.
func droppedMarker(n int64) string {
	return fmt.Sprintf("… %d bytes of output left out …", n)
}

// send numbers a line and hands it over. It runs under the lock so that numbers and
// delivery order agree; a slow callback slows the readers and, through the pipes, the
// script, which is the back pressure wanted.
func (b *boundedOutput) send(line sdk.OutputLine) {
	b.seq++
	line.Seq = b.seq
	b.deliver(line)
}
