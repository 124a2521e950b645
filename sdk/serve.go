package sdk

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// LogLevelEnv is the environment variable through which the hub passes its log level
// ("trace", "debug", "info", "warn", "error") to a connector's Logger.
const LogLevelEnv = "STEWARD_CONNECTOR_LOG_LEVEL"

// stderr is the process's standard error as it was at start. Serve later points os.Stderr at
// a pipe that the hub discards, so logs must go to this one.
var stderr = os.Stderr

var (
	loggerOnce sync.Once
	logger     hclog.Logger
)

// Logger returns the connector's logger. It writes JSON lines to standard error, which the
// hub reads and files under the link; standard output belongs to the protocol and must never
// be written to. The level comes from the hub through LogLevelEnv.
func Logger() hclog.Logger {
	loggerOnce.Do(func() {
		level := hclog.LevelFromString(os.Getenv(LogLevelEnv))
		if level == hclog.NoLevel {
			level = hclog.Info
		}
		logger = hclog.New(&hclog.LoggerOptions{
			Level: level, Output: stderr, JSONFormat: true,
		})
	})
	return logger
}

// Serve runs c as a connector process until the hub ends it; call it last in main. It never
// returns: it exits the process when the hub disconnects. Started by hand, without the hub's
// handshake cookie, it says how to try the connector and exits with status 1.
func Serve(c Connector) {
	if os.Getenv(MagicCookieKey) != MagicCookieValue {
		fmt.Fprintln(stderr, "This program is a Steward connector: the Steward hub starts it. "+
			"To try it, run: steward plugin check PATH --config name=value ...")
		os.Exit(1)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: versionedPlugins(c),
		GRPCServer:       newGRPCServer,
		Logger:           Logger(),
	})
	os.Exit(0)
}

// newGRPCServer adds panic recovery: a panicking call becomes a plugin fault for that call
// instead of a crash that takes every other call of the link with it.
func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts,
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any,
			info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (resp any, err error) {
			defer recoverCall(info.FullMethod, &err)
			return next(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream,
			info *grpc.StreamServerInfo, next grpc.StreamHandler) (err error) {
			defer recoverCall(info.FullMethod, &err)
			return next(srv, ss)
		}),
	)
	return grpc.NewServer(opts...)
}

func recoverCall(method string, err *error) {
	if r := recover(); r != nil {
		Logger().Error("connector panicked", "method", method, "panic", fmt.Sprint(r),
			"stack", string(debug.Stack()))
		*err = toStatus(PluginFault(fmt.Errorf("panic in %s: %v", method, r)))
	}
}
