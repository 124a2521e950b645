// Package state keeps what the agent must remember between runs in its state directory: the
// hub it enrolled with, the identity the hub gave it (state.json) and its Ed25519 key pair.
//
// The private key is written once, at enrollment, to a file only the agent's account can
// read, and never leaves the computer: the hub knows only the public half and checks a
// signature over a fresh challenge on every connection.
//
// Every file is replaced atomically (a temporary file in the same folder, synced, renamed
// over the old one, and the folder synced), so a crash or power loss leaves either the old
// or the new content, never a torn file. Lock keeps two agent processes from sharing one
// state directory.
package state
