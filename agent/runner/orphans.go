//go:build unix

package runner

import "syscall"

// EndOrphans ends the processes still running for a run the agent lost track of, such as
// one interrupted by the agent's own crash, and returns how many it ended. A run's script
// must never go on unobserved: its result could no longer be reported, and the hub would
// start the next change over it. On Windows the run's job object already ends them when the
// agent dies; where processes cannot be listed it ends none.
func EndOrphans(runID string) int {
	if runID == "" {
		return 0
	}
	entry := markerVar + "=" + markerToken(runID)
	n := 0
	for _, p := range listProcs() {
		if hasEnv(p.pid, entry) && syscall.Kill(p.pid, syscall.SIGKILL) == nil {
			n++
		}
	}
	return n
}
