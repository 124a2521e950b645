// Package client is the agent's side of the connection to the hub: enrollment, and the
// loop that keeps one outbound WebSocket to the hub's gateway, proves the agent's identity,
// reports the inventory, and runs the scripts the hub asks for.
//
// The connection comes and goes; the agent's work does not depend on it. Scripts run to
// their end while the agent is disconnected. Their output and results go to the spool
// (package spool) first and to the hub when a connection is up; after every reconnect all
// that the hub has not acknowledged is sent again. A run id the agent already knows is
// never started twice, so the hub can repeat a request without fear.
//
// Reconnection uses exponential backoff with full jitter. A refusal the hub calls final
// (the agent was revoked or is unknown) ends Run with a *RefusedError.
package client
