// Package inventory collects what the agent reports about the computer it runs on: the
// identity facts the hub uses to tell computers apart, the computer type, the people signed
// in and the installed programs.
//
// Linux and macOS facts come from files (read below Config.Root) and from commands (run
// through a Runner), so both collectors run and are tested on any system. Windows facts come
// from the registry and system calls, behind build tags; the parsing and mapping they rely on
// (SMBIOS tables, packed MSI GUIDs, chassis and domain roles) is plain Go and tested
// everywhere.
package inventory
