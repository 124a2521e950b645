// Package runner runs the scripts the hub sends to the agent on the computer the agent is
// installed on, and reports their output and outcome.
//
// A run writes the script body to a file in a private temporary folder, starts the
// language's interpreter on it in the requested context (the agent's own account, or the
// user signed in at the console), passes the parameters as variables of the same name,
// streams what the script prints line by line as UTF-8, and ends every process the script
// started once the script ends, times out or is canceled.
//
// # Bounded output
//
// Output is limited to Config.MaxOutputBytes. A line counts as the bytes of its UTF-8 text
// plus one for its line ending, so for UTF-8 output with LF endings the count equals the
// bytes printed. The first half of the limit is the head: its lines are delivered to the
// callback as soon as they are printed. The first line that does not fit in the head closes
// it; from then on lines are held in a tail buffer that keeps only the most recent lines
// fitting in what is left of the limit. When the script ends, a marker line saying how many
// bytes were left out (on the stderr stream, only if any were) and then the held tail lines
// are delivered. So the callback receives exactly the kept output, in order, and nothing it
// received is later taken back; the price is that lines after the head arrive only at the
// end of the run. ScriptResult.DroppedBytes counts the bytes left out, in the same unit.
//
// Sequence numbers start at 1 and grow by one for each delivered line, across stdout and
// stderr and including the marker. The two streams are read through separate pipes, so the
// relative order of lines printed to stdout and stderr at nearly the same moment is the
// order in which the agent read them, not necessarily the order in which they were written.
//
// # Line endings and encodings
//
// Lines end at LF, CRLF, or a run of CRs (a progress display rewriting its line yields one
// line per update). A line longer than 64 KiB is delivered in chunks of at most 64 KiB
// without splitting a character. At the start of every line the stream's encoding is
// guessed again: a byte order mark or a pattern of NUL bytes marks UTF-16 (little or big
// endian), since tools on Windows switch to UTF-16 when their output is a pipe; other lines
// pass as UTF-8 when valid, are decoded from the OEM code page when one is configured (the
// console code page on Windows), and otherwise have invalid bytes replaced by U+FFFD.
//
// # Ending the process tree
//
// On Unix the script starts in its own process group and carries a random marker in its
// environment that every descendant inherits. When the script's main process ends (or on
// timeout or cancellation) every process still in the group, carrying the marker, or
// descending from one of those is sent SIGTERM, and SIGKILL after Config.KillGrace. This
// finds children that moved to a new session or were re-parented after their parent exited.
// On Windows the script runs in a job object that is terminated as a whole. Background
// processes therefore never outlive the run.
package runner
