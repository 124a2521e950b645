// Package sdk is the public, versioned kit for writing Steward connectors.
//
// A connector is a separate executable that Steward starts for each configured link. It
// declares what it can do (its capabilities) and the hub uses only what it declares. The types
// in this package are plain Go values; the wire encoding between the hub and a connector is an
// internal detail that the SDK hides.
//
// The same types describe Steward's own agent, so the hub treats every pathway to a computer
// alike.
//
// # Writing a connector
//
// Implement Connector (Describe, Configure, Health) and the interfaces of the capabilities
// you offer (ClientLister, AgentLister, ScriptRunner, …), list those capabilities in the
// Description, and call Serve from main. Log with Logger: standard output carries the
// handshake and must not be written to. Return errors made with Downstream, Retryable,
// Unauthorized, NotFound, Invalid or ConfigError so the hub knows who failed; any other error
// counts as the connector's own fault. Check the executable with package sdktest or
// `steward plugin check`.
//
// # Hosting a connector
//
// Open starts an executable and returns a *Plugin, which implements every capability
// interface; calls to capabilities the connector did not declare fail with ErrNotDeclared.
// Errors come back as *Error values with the connector's kind and flags.
package sdk
