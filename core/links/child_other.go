//go:build !linux

package links

import "syscall"

// childAttr sets nothing where the kernel offers no parent-death signal: connectors end with
// the hub's orderly exit only.
func childAttr() *syscall.SysProcAttr { return nil }
