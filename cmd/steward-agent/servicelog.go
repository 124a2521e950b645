package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/kardianos/service"
)

// serviceHandler writes slog records to the service manager's log (the Windows event log),
// as text, at the matching severity.
type serviceHandler struct {
	info, warn, err slog.Handler
}

func newServiceHandler(l service.Logger, opts *slog.HandlerOptions) *serviceHandler {
	return &serviceHandler{
		info: slog.NewTextHandler(logWriter(l.Info), opts),
		warn: slog.NewTextHandler(logWriter(l.Warning), opts),
		err:  slog.NewTextHandler(logWriter(l.Error), opts),
	}
}

func (h *serviceHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.info.Enabled(ctx, level)
}

func (h *serviceHandler) Handle(ctx context.Context, r slog.Record) error {
	switch {
	case r.Level >= slog.LevelError:
		return h.err.Handle(ctx, r)
	case r.Level >= slog.LevelWarn:
		return h.warn.Handle(ctx, r)
	default:
		return h.info.Handle(ctx, r)
	}
}

func (h *serviceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &serviceHandler{h.info.WithAttrs(attrs), h.warn.WithAttrs(attrs),
		h.err.WithAttrs(attrs)}
}

func (h *serviceHandler) WithGroup(name string) slog.Handler {
	return &serviceHandler{h.info.WithGroup(name), h.warn.WithGroup(name),
		h.err.WithGroup(name)}
}

// logWriter turns one of service.Logger's methods into the writer a TextHandler needs; the
// handler writes each record in one call.
type logWriter func(v ...any) error

func (w logWriter) Write(p []byte) (int, error) {
	if err := w(strings.TrimSuffix(string(p), "\n")); err != nil {
		return 0, err
	}
	return len(p), nil
}
