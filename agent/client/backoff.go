package client

import (
	"math/rand/v2"
	"time"
)

// backoff spaces reconnection attempts: the ceiling doubles from base to limit after each
// failure and each wait is drawn uniformly below it ("full jitter"), so a fleet of agents
// that lost the hub at the same moment does not come back at the same moment.
type backoff struct {
	base, limit time.Duration
	// rand returns a number in [0, 1).
	rand    func() float64
	attempt int
}

func newBackoff(base, limit time.Duration, rand func() float64) *backoff {
	return &backoff{base: base, limit: limit, rand: rand}
}

// ceiling is the largest wait of the current attempt.
func (b *backoff) ceiling() time.Duration {
	c := b.base
	for range b.attempt {
		if c >= b.limit/2 {
			return b.limit
		}
		c *= 2
	}
	return min(c, b.limit)
}

// next returns the wait before the next attempt and raises the ceiling.
func (b *backoff) next() time.Duration {
	d := time.Duration(b.rand() * float64(b.ceiling()))
	b.attempt++
	return d
}

// reset starts over from base, after a connection that lasted.
func (b *backoff) reset() { b.attempt = 0 }

// defaultRand is the jitter source outside tests.
func defaultRand() float64 { return rand.Float64() }
