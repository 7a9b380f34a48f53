package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// humanHandler writes log records for people: "warning: message key=value",
// with no timestamp. Records below its level are dropped.
type humanHandler struct {
	w     io.Writer
	level slog.Level
	attrs []slog.Attr
}

func (h *humanHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *humanHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Level.String()))
	if r.Level == slog.LevelWarn {
		b.Reset()
		b.WriteString("warning")
	}
	b.WriteString(": ")
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%s", a.Key, a.Value.Resolve().String())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *humanHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &humanHandler{w: h.w, level: h.level, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *humanHandler) WithGroup(string) slog.Handler { return h }
