// Package spool keeps the agent's script runs on disk so that each run is executed at most
// once and its output and result reach the hub exactly once, across lost connections,
// agent restarts and power loss.
//
// The order of writes is what makes this work:
//
//  1. Begin records a run durably before the script starts. A run id that is already
//     recorded, finished or remembered as acknowledged is refused, so a repeated request
//     never starts the script again.
//  2. Output lines are appended to the run's output file as they arrive; the hub keeps one
//     copy of each sequence number, so sending a line twice is harmless.
//  3. Finish syncs the output and then writes the result durably; only then is it sent.
//  4. Ack, once the hub has stored the result, writes a small done record and deletes the
//     output. Done records are kept for KeepDone so a late duplicate request still finds
//     the run known.
//
// Open finishes every recorded run that has no result (the agent or the computer stopped
// while the script ran) with ExitCode -1 and Error StoppedMessage: such a run is reported,
// never run again.
//
// Layout under the spool folder:
//
//	runs/<name>/run.json      the record: id and when the request arrived
//	runs/<name>/output.jsonl  one sdk.OutputLine per line
//	runs/<name>/result.json   the sdk.ScriptResult
//	done/<name>.json          id and when the hub acknowledged it
//
// <name> is the run id when it is a plain lower-case name, else a hash of it (see fileName).
package spool
