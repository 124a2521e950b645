//go:build unix

package runner

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"syscall"
	"time"
)

// Pauses between looks at the process table while waiting for processes to end, and the
// time forced ending gets before the run gives up on a process (one stuck in the kernel).
const (
	pollEvery  = 50 * time.Millisecond
	forceLimit = 10 * time.Second
)

// procInfo is one entry of the process table.
type procInfo struct {
	pid, ppid, pgid int
}

// unixTree tracks a run's processes by process group, by the marker in their environment,
// and by descent from either.
// TODO(cgroup): a process that clears its environment, leaves the group and is re-parented
// is not found; a cgroup per run would hold every descendant where systemd delegates one.
type unixTree struct {
	cmd    *exec.Cmd
	pgid   int
	marker string

	// reaped is set once the main process was reaped; from then on its pid and process
	// group id may belong to someone else.
	reaped  atomic.Bool
	waitErr error
}

func startTree(cmd *exec.Cmd, l launch, marker string) (tree, error) {
	attr := &syscall.SysProcAttr{Setpgid: true}
	if l.acct != nil {
		attr.Credential = l.acct.credential()
	}
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &unixTree{cmd: cmd, pgid: cmd.Process.Pid, marker: marker}, nil
}

func (t *unixTree) awaitExit() {
	if waitNoReap(t.cmd.Process.Pid) {
		return
	}
	t.waitErr = t.cmd.Wait()
	t.reaped.Store(true)
}

func (t *unixTree) wait() (*os.ProcessState, error) {
	if !t.reaped.Load() {
		t.waitErr = t.cmd.Wait()
		t.reaped.Store(true)
	}
	return t.cmd.ProcessState, t.waitErr
}

func (t *unixTree) release() {}

func (t *unixTree) stop(grace time.Duration) error {
	if t.empty() {
		return nil
	}

	t.signal(syscall.SIGTERM)
	// A stopped process only acts on SIGTERM once it runs again.
	t.signal(syscall.SIGCONT)
	for end := time.Now().Add(grace); time.Now().Before(end); {
		time.Sleep(pollEvery)
		if t.empty() {
			return nil
		}
	}

	// SIGKILL cannot be refused, but a process may fork between a look and the kill, so
	// look again until nothing is left.
	var left []int
	for end := time.Now().Add(forceLimit); time.Now().Before(end); {
		if left = t.signal(syscall.SIGKILL); len(left) == 0 && t.empty() {
			return nil
		}
		time.Sleep(pollEvery / 5)
	}
	return fmt.Errorf("%w: pids %v", ErrProcessesLeft, left)
}

// empty reports whether no process of the run is left. It looks twice because a process
// in the middle of exec shows no environment for a moment, and so no marker.
func (t *unixTree) empty() bool {
	return len(t.members()) == 0 && len(t.members()) == 0
}

// signal sends sig to every live process of the run and returns their pids.
func (t *unixTree) signal(sig syscall.Signal) []int {
	if !t.reaped.Load() {
		// The whole group at once leaves no gap for a fork; safe only while the
		// unreaped leader keeps the group id from being reused. Where the platform
		// cannot wait without reaping, the leader may be reaped right after the check.
		_ = syscall.Kill(-t.pgid, sig)
	}
	pids := t.members()
	for _, pid := range pids {
		_ = syscall.Kill(pid, sig)
	}
	return pids
}

// members lists the live processes of the run: those carrying the run's marker, those in
// its process group while the group id is still the run's, and all their descendants.
// Zombies are dead already and left to whoever reaps them.
func (t *unixTree) members() []int {
	procs := listProcs()
	self := os.Getpid()

	in := make(map[int]bool)
	for _, p := range procs {
		if p.pid == self || p.pid == 1 {
			continue
		}
		if (!t.reaped.Load() && p.pgid == t.pgid) || hasEnv(p.pid, t.marker) {
			in[p.pid] = true
		}
	}
	for grown := true; grown; {
		grown = false
		for _, p := range procs {
			if !in[p.pid] && in[p.ppid] && p.pid != self {
				in[p.pid] = true
				grown = true
			}
		}
	}

	pids := make([]int, 0, len(in))
	for pid := range in {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}
