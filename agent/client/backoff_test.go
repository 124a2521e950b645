package client

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffCeilingDoublesUpToTheMaximum(t *testing.T) {
	// A source that always returns almost 1 shows the ceilings themselves.
	b := newBackoff(time.Second, 5*time.Minute, func() float64 { return 0.999999 })
	want := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}
	for i, w := range want {
		t.Run(time.Duration(i).String(), func(t *testing.T) {
			got := b.next()
			require.LessOrEqual(t, got, w*time.Second)
			require.Greater(t, got, w*time.Second*99/100)
		})
	}
}

func TestBackoffWaitsAreJitteredBelowTheCeiling(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := newBackoff(time.Second, 5*time.Minute, r.Float64)
	for range 12 {
		b.next()
	}

	seen := map[time.Duration]bool{}
	for range 100 {
		d := b.next()
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.Less(t, d, 5*time.Minute)
		seen[d] = true
	}
	require.Greater(t, len(seen), 90, "waits at the same ceiling differ")
}

func TestBackoffResetStartsOver(t *testing.T) {
	b := newBackoff(time.Second, time.Minute, func() float64 { return 0.5 })
	for range 10 {
		b.next()
	}
	require.Equal(t, 30*time.Second, b.next())

	b.reset()

	require.Equal(t, 500*time.Millisecond, b.next())
	require.Equal(t, time.Second, b.next())
}
