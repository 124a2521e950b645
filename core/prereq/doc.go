// Package prereq orders the prerequisites of a software before it is installed. A software may
// require other items to be installed or removed first, or refuse to install at all, under a
// condition on what the computer has installed: "if any of these are installed, uninstall
// them", "always install that first", "if all of these are missing, fail".
//
// [Order] turns the rules into a plan for one computer: prerequisites first, each item once,
// the requested software last. [CheckCycles] refuses rules that could never be ordered, when a
// software is saved, whatever a computer has installed. The package is pure: the caller says
// what is installed through a function.
package prereq
