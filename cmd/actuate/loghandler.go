package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// humanHandler writes log records for people: "warning: message key=value",
// with no timestamp; a value of several lines follows on lines of its own,
// indented. Records below its level are dropped.
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
	var blocks []string
	write := func(a slog.Attr) bool {
		v := a.Value.Resolve().String()
		if strings.Contains(v, "\n") {
			blocks = append(blocks, v)
			v = "↓"
		}
		fmt.Fprintf(&b, " %s=%s", a.Key, v)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	for _, block := range blocks {
		for _, line := range strings.Split(block, "\n") {
			b.WriteString("  ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *humanHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &humanHandler{w: h.w, level: h.level, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *humanHandler) WithGroup(string) slog.Handler { return h }
