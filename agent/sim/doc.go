// Package sim runs many simulated Steward agents from one process, to load a hub the way a
// fleet would. Each simulated agent has its own Ed25519 key and its own plausible identity
// facts, enrolls with an enrollment token, keeps one WebSocket open over the real agent
// protocol (package wire), reports an inventory at every connect, says it is alive every
// heartbeat interval, answers script runs with made-up output and reconnects with backoff
// when it is dropped.
//
// The identity facts and installed programs of agent i derive only from the seed and i, so
// two runs with the same seed describe the same fleet. Keys are random; the enrolled
// identities (agent ids and private keys) are saved to a state file so a later run
// reconnects the same agents without enrolling them again.
//
// Memory is kept small per agent: the facts are generated when an inventory is sent and
// dropped afterwards, heartbeats come from one scheduler for all agents, and each connected
// agent owns exactly one goroutine, the one reading its WebSocket.
package sim
