package runner

import (
	"slices"

	"golang.org/x/sys/unix"
)

// sZOMB is the zombie state of p_stat, from <sys/proc.h>.
const sZOMB = 5

// listProcs reads the live processes from the kernel's process table.
func listProcs() []procInfo {
	kps, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil
	}
	procs := make([]procInfo, 0, len(kps))
	for _, kp := range kps {
		if kp.Proc.P_stat == sZOMB {
			continue
		}
		procs = append(procs, procInfo{
			pid:  int(kp.Proc.P_pid),
			ppid: int(kp.Eproc.Ppid),
			pgid: int(kp.Eproc.Pgid),
		})
	}
	return procs
}

// hasEnv reports whether the process was started with the exact "NAME=value" entry.
func hasEnv(pid int, entry string) bool {
	buf, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil {
		return false
	}
	return slices.Contains(procArgsEnv(buf), entry)
}

// waitNoReap is not available: macOS has no waitid that leaves the process unreaped.
func waitNoReap(int) bool {
	return false
}
