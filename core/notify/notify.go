// Package notify wakes the readers of a live stream (a script's output, a session's log) on
// this instance when something new is stored. Readers also poll, because the writer may be
// another instance; the wake-up only makes the common case immediate.
package notify

import "sync"

// Notifier wakes waiters by key. The zero value is ready to use.
type Notifier struct {
	mu      sync.Mutex
	waiters map[string][]chan struct{}
}

// Wait returns a channel closed at the next Notify of key, and a function that stops
// waiting. Subscribe before reading what is stored, so a change in between is not missed.
func (n *Notifier) Wait(key string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	n.mu.Lock()
	if n.waiters == nil {
		n.waiters = map[string][]chan struct{}{}
	}
	n.waiters[key] = append(n.waiters[key], ch)
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		ws := n.waiters[key]
		for i, w := range ws {
			if w == ch {
				n.waiters[key] = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		if len(n.waiters[key]) == 0 {
			delete(n.waiters, key)
		}
	}
}

// Notify wakes every waiter of key.
func (n *Notifier) Notify(key string) {
	n.mu.Lock()
	ws := n.waiters[key]
	delete(n.waiters, key)
	n.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
}
