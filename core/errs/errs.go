// Package errs holds the error conditions that every layer of the hub shares and that the API
// maps to stable codes. Services wrap these with a message that says what went wrong; callers
// branch with errors.Is, never on text.
package errs

import (
	"errors"
	"strings"
)

// The conditions, each with the API code it maps to.
var (
	// ErrInvalid: the input is malformed or breaks a rule (code "invalid").
	ErrInvalid = errors.New("invalid")
	// ErrUnauthorized: no valid credentials (code "unauthorized").
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: valid credentials, but not allowed (code "forbidden").
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: no such object, or not visible to the caller (code "not_found").
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change clashes with the current state (code "conflict").
	ErrConflict = errors.New("conflict")
)

// Code returns the stable API code for err: one of invalid, unauthorized, forbidden,
// not_found, conflict, or internal for anything else.
func Code(err error) string {
	switch {
	case errors.Is(err, ErrInvalid):
		return "invalid"
	case errors.Is(err, ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrConflict):
		return "conflict"
	default:
		return "internal"
	}
}

// Message returns err's text for people: without the trailing ": invalid" (or other
// condition) that wrapping a sentinel adds, since the code already says it. "not found" stays:
// it is the message ("computer 42: not found").
func Message(err error) string {
	msg := err.Error()
	for _, s := range []error{ErrInvalid, ErrUnauthorized, ErrForbidden, ErrConflict} {
		if errors.Is(err, s) {
			return strings.TrimSuffix(msg, ": "+s.Error())
		}
	}
	return msg
}
