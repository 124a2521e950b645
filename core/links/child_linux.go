package links

import "syscall"

// childAttr makes a connector die with the hub when the hub is killed. The kernel sends the
// signal when the thread that started the child exits; Go keeps its threads for the life of
// the process unless a goroutine locked to one ends, which the host never does.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
