package notify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNotifyWakesOnlyItsKey(t *testing.T) {
	var n Notifier
	a, stopA := n.Wait("a")
	b, stopB := n.Wait("b")
	defer stopA()
	defer stopB()

	n.Notify("a")
	select {
	case <-a:
	default:
		t.Fatal("waiter of a not woken")
	}
	select {
	case <-b:
		t.Fatal("waiter of b woken by a")
	default:
	}

	stopB()
	n.Notify("b") // a stopped waiter is gone: no panic, nothing to close
	require.Empty(t, n.waiters)
}
