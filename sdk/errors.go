package sdk

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says who is at fault for an error, which decides what the hub does next: a downstream
// fault is retried and shown as the external system's problem, a plugin fault is the
// connector's own bug, a configuration error sends the administrator to the link's form.
type Kind string

// Error kinds.
const (
	// KindPlugin is a fault in the connector itself. Any error that carries no kind is one.
	KindPlugin Kind = "plugin"
	// KindDownstream is a fault of the external system: unreachable, refusing, failing.
	KindDownstream Kind = "downstream"
	// KindConfig is a missing or wrong configuration value.
	KindConfig Kind = "config"
	// KindNotFound means the agent, client or group asked for does not exist downstream.
	KindNotFound Kind = "not_found"
	// KindInvalid means the hub asked for something malformed or unsupported, such as a
	// script language the pathway cannot run.
	KindInvalid Kind = "invalid"
)

// Error is an error that says who failed. It crosses the process boundary intact: the hub
// gets an *Error with the same kind, flags, field and message the connector returned.
type Error struct {
	Kind Kind
	// Retryable says the same call may succeed later without anyone changing anything.
	Retryable bool
	// Unauthorized says the external system refused the link's credentials.
	Unauthorized bool
	// Field names the configuration field at fault, for KindConfig.
	Field string
	// Err is the cause. On the hub's side it carries the connector's message text.
	Err error
}

// Error returns the cause's text after a short word on who failed.
func (e *Error) Error() string {
	msg := e.cause()
	switch e.Kind {
	case KindDownstream:
		if e.Unauthorized {
			return "downstream refused the credentials: " + msg
		}
		return "downstream: " + msg
	case KindConfig:
		if e.Field != "" && !strings.HasPrefix(msg, e.Field+":") {
			return fmt.Sprintf("configuration field %s: %s", e.Field, msg)
		}
		return "configuration: " + msg
	case KindNotFound:
		return "not found: " + msg
	case KindInvalid:
		return "invalid request: " + msg
	default:
		return "connector: " + msg
	}
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// cause is the message without the word on who failed; it is what crosses the wire.
func (e *Error) cause() string {
	if e.Err == nil {
		return "unknown error"
	}
	return e.Err.Error()
}

// relabeled carries an outer error's text and chain under a new *Error.
type relabeled struct {
	msg string
	err error
}

func (r *relabeled) Error() string { return r.msg }
func (r *relabeled) Unwrap() error { return r.err }

// withKind returns a copy of err's *Error (or a new one around err) changed by set.
func withKind(err error, set func(*Error)) error {
	if err == nil {
		return nil
	}
	var e Error
	var have *Error
	if errors.As(err, &have) {
		e = *have
		if err != error(have) {
			// Keep the context added around the *Error without repeating its kind's prefix.
			msg := strings.Replace(err.Error(), have.Error(), have.cause(), 1)
			e.Err = &relabeled{msg: msg, err: err}
		}
	} else {
		e = Error{Kind: KindPlugin, Err: err}
	}
	set(&e)
	return &e
}

// Downstream marks err as the external system's fault. It returns nil for nil.
func Downstream(err error) error {
	return withKind(err, func(e *Error) { e.Kind = KindDownstream })
}

// Retryable marks err as worth trying again later. A plain error becomes a downstream fault,
// because only the external system's state changes between two tries.
func Retryable(err error) error {
	var have *Error
	plain := !errors.As(err, &have)
	return withKind(err, func(e *Error) {
		e.Retryable = true
		if plain {
			e.Kind = KindDownstream
		}
	})
}

// Unauthorized marks err as the external system refusing the link's credentials.
func Unauthorized(err error) error {
	return withKind(err, func(e *Error) {
		e.Kind = KindDownstream
		e.Unauthorized = true
	})
}

// PluginFault marks err as the connector's own fault, clearing the downstream flags.
func PluginFault(err error) error {
	return withKind(err, func(e *Error) {
		e.Kind = KindPlugin
		e.Retryable, e.Unauthorized = false, false
	})
}

// NotFound marks err as a missing agent, client or group.
func NotFound(err error) error {
	return withKind(err, func(e *Error) { e.Kind = KindNotFound })
}

// Invalid marks err as a malformed or unsupported request from the hub.
func Invalid(err error) error {
	return withKind(err, func(e *Error) { e.Kind = KindInvalid })
}

// ConfigError reports a wrong or missing value of configuration field field.
func ConfigError(field string, err error) error {
	return withKind(err, func(e *Error) {
		e.Kind = KindConfig
		e.Field = field
	})
}

// KindOf returns the kind of err: the kind of the *Error in its chain, KindPlugin for any
// other error, and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindPlugin
}

// IsDownstream reports whether err is the external system's fault.
func IsDownstream(err error) bool { return KindOf(err) == KindDownstream }

// IsPluginFault reports whether err is the connector's own fault.
func IsPluginFault(err error) bool { return KindOf(err) == KindPlugin }

// IsConfigError reports whether err is a configuration error.
func IsConfigError(err error) bool { return KindOf(err) == KindConfig }

// IsNotFound reports whether err says the thing asked for does not exist.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

// IsRetryable reports whether err may go away when the call is tried again later.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// IsUnauthorized reports whether the external system refused the link's credentials.
func IsUnauthorized(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Unauthorized
}

// Errors of the hub's side of the protocol; callers branch on them with errors.Is.
var (
	// ErrNotDeclared is returned for a call to a capability the connector did not declare.
	ErrNotDeclared = errors.New("capability not declared by the connector")
	// ErrHandshake is returned when the connector process does not start the protocol.
	ErrHandshake = errors.New("connector handshake")
	// ErrStdoutBeforeHandshake is returned, with ErrHandshake, when the connector printed to
	// standard output before the handshake line, which the protocol reserves for it.
	ErrStdoutBeforeHandshake = errors.New("connector wrote to stdout before the handshake " +
		"(log to stderr instead)")
	// ErrChecksum is returned when the executable's SHA-256 differs from the expected one.
	ErrChecksum = errors.New("connector executable checksum mismatch")
	// ErrIncompatible is returned when the hub and the connector share no protocol version.
	ErrIncompatible = errors.New("connector protocol version incompatible")
)
