// Package e2e holds the end-to-end tests: a real hub (`steward serve` as a process, so it can
// be killed), real agent processes (`steward-agent`) running real scripts on this machine,
// and real package tools. The package has no code of its own besides the test harness.
package e2e
