// Package sdk is the public, versioned kit for writing Steward connectors.
//
// A connector is a separate executable that Steward starts for each configured link. It
// declares what it can do (its capabilities) and the hub uses only what it declares. The types
// in this package are plain Go values; the wire encoding between the hub and a connector is an
// internal detail that the SDK hides.
//
// The same types describe Steward's own agent, so the hub treats every pathway to a computer
// alike.
package sdk
