//go:build !linux && !darwin

package inventory

import "time"

// birthTime is not available here; install dates come from other sources.
func birthTime(string) (time.Time, bool) {
	return time.Time{}, false
}
