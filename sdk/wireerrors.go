package sdk

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/stewardhq/steward/sdk/internal/proto/connectorv1"
)

// toStatus turns a connector's error into a gRPC status whose details carry the *Error's
// kind and flags. The code is chosen for readers that ignore the details.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok && !errors.As(err, new(*Error)) {
		// Already a status, e.g. from the gRPC layer itself.
		return err
	}
	e := asError(err)
	code := codes.Internal
	switch {
	case e.Unauthorized:
		code = codes.Unauthenticated
	case e.Kind == KindDownstream:
		code = codes.Unavailable
	case e.Kind == KindConfig:
		code = codes.FailedPrecondition
	case e.Kind == KindNotFound:
		code = codes.NotFound
	case e.Kind == KindInvalid:
		code = codes.InvalidArgument
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	}
	st := status.New(code, e.cause())
	detailed, derr := st.WithDetails(&pb.ErrorDetail{
		Kind: string(e.Kind), Retryable: e.Retryable, Unauthorized: e.Unauthorized,
		Field: e.Field, Message: e.cause(),
	})
	if derr != nil {
		return st.Err()
	}
	return detailed.Err()
}

// asError returns err's *Error, or a plugin fault around err.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindPlugin, Err: err}
}

// fromStatus turns what a call returned on the hub's side back into the connector's *Error.
// The caller's own cancellation or deadline comes back as ctx.Err(), so errors.Is works on it.
func fromStatus(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", op, ctxErr)
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", op, &Error{Kind: KindPlugin, Err: err})
	}
	for _, d := range st.Details() {
		if det, ok := d.(*pb.ErrorDetail); ok {
			return fmt.Errorf("%s: %w", op, &Error{
				Kind: Kind(det.GetKind()), Retryable: det.GetRetryable(),
				Unauthorized: det.GetUnauthorized(), Field: det.GetField(),
				Err: errors.New(det.GetMessage()),
			})
		}
	}

	// No detail: the connector is not built on this SDK, or the process or the transport
	// failed. Either way it is on the connector's side.
	msg := st.Message()
	switch st.Code() {
	case codes.Unimplemented:
		msg = "not implemented by the connector: " + msg
	case codes.Unavailable:
		msg = "connector unreachable (has the process exited?): " + msg
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w", op, context.DeadlineExceeded)
	case codes.Canceled:
		return fmt.Errorf("%s: %w", op, context.Canceled)
	}
	return fmt.Errorf("%s: %w", op, &Error{Kind: KindPlugin, Err: errors.New(msg)})
}
