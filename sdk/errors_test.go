package sdk

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestErrorConstructors(t *testing.T) {
	cause := errors.New("503 from the API")
	cases := []struct {
		name         string
		err          error
		kind         Kind
		retryable    bool
		unauthorized bool
		text         string
	}{
		{name: "plain error is the plugin's", err: cause, kind: KindPlugin,
			text: "503 from the API"},
		{name: "downstream", err: Downstream(cause), kind: KindDownstream,
			text: "downstream: 503 from the API"},
		{name: "retryable plain becomes downstream", err: Retryable(cause),
			kind: KindDownstream, retryable: true, text: "downstream: 503 from the API"},
		{name: "retryable keeps a kind", err: Retryable(PluginFault(cause)), kind: KindPlugin,
			retryable: true, text: "connector: 503 from the API"},
		{name: "unauthorized", err: Unauthorized(cause), kind: KindDownstream,
			unauthorized: true, text: "downstream refused the credentials: 503 from the API"},
		{name: "plugin fault clears flags", err: PluginFault(Unauthorized(cause)),
			kind: KindPlugin, text: "connector: 503 from the API"},
		{name: "not found", err: NotFound(cause), kind: KindNotFound,
			text: "not found: 503 from the API"},
		{name: "invalid", err: Invalid(cause), kind: KindInvalid,
			text: "invalid request: 503 from the API"},
		{name: "config", err: ConfigError("apiKey", cause), kind: KindConfig,
			text: "configuration field apiKey: 503 from the API"},
		{name: "context around a kind is kept once",
			err:  Retryable(fmt.Errorf("list agents: %w", Downstream(cause))),
			kind: KindDownstream, retryable: true,
			text: "downstream: list agents: 503 from the API"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.kind, KindOf(tc.err))
			require.Equal(t, tc.retryable, IsRetryable(tc.err))
			require.Equal(t, tc.unauthorized, IsUnauthorized(tc.err))
			require.Equal(t, tc.text, tc.err.Error())
			require.ErrorIs(t, tc.err, cause, "the cause stays in the chain")
		})
	}
	require.NoError(t, Downstream(nil))
	require.Equal(t, Kind(""), KindOf(nil))
}

func TestErrorsSurviveTheStatusEncoding(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		err  error
		code codes.Code
	}{
		{name: "unauthorized", err: Unauthorized(errors.New("key revoked")),
			code: codes.Unauthenticated},
		{name: "retryable", err: Retryable(errors.New("429")), code: codes.Unavailable},
		{name: "config", err: ConfigError("url", errors.New("bad")),
			code: codes.FailedPrecondition},
		{name: "not found", err: NotFound(errors.New("agent x")), code: codes.NotFound},
		{name: "invalid", err: Invalid(errors.New("cmd")), code: codes.InvalidArgument},
		{name: "plain", err: errors.New("bug"), code: codes.Internal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wire := toStatus(tc.err)
			require.Equal(t, tc.code, status.Code(wire))

			back := fromStatus(ctx, "op", wire)
			var want, got *Error
			want = asError(tc.err)
			require.ErrorAs(t, back, &got)
			require.Equal(t, want.Kind, got.Kind)
			require.Equal(t, want.Retryable, got.Retryable)
			require.Equal(t, want.Unauthorized, got.Unauthorized)
			require.Equal(t, want.Field, got.Field)
			require.Equal(t, "op: "+want.Error(), back.Error())
		})
	}
}

func TestStatusWithoutDetailIsThePluginsFault(t *testing.T) {
	err := fromStatus(context.Background(), "health",
		status.Error(codes.Unavailable, "connection refused"))
	require.True(t, IsPluginFault(err))
	require.Contains(t, err.Error(), "has the process exited?")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = fromStatus(ctx, "health", status.Error(codes.Canceled, "context canceled"))
	require.ErrorIs(t, err, context.Canceled)
}
