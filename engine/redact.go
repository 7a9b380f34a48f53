package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/actuatehq/actuate/expr/value"
)

// Mask replaces secret values in everything a run shows.
const Mask = "***"

// Redactor replaces secret values, and values derived from them, with
// [Mask]. The engine adds every secret it loads and every value an
// expression derives from SECRETS; everything a run shows (events, logs,
// errors, records, the printed result) goes through it. A Redactor is safe
// for concurrent use.
type Redactor struct {
	mu sync.Mutex
	// secrets are the values to mask, each with its encoded forms once
	// something has been redacted (most runs never need them).
	secrets map[string][]string
	// patterns are the forms of every secret, longest first; nil after
	// a secret is added, until the next redaction.
	patterns []string
	// replacer masks patterns; built only when a text holds one, since
	// building it costs more than looking for a few patterns.
	replacer *strings.Replacer
}

// NewRedactor returns an empty redactor. The zero Redactor is ready to use
// too.
func NewRedactor() *Redactor { return &Redactor{} }

// minSecretLen is the shortest value masked: one character would mask
// every occurrence of a letter.
const minSecretLen = 2

// AddSecret adds a secret value. It is masked in the forms it commonly
// takes on the wire and in text too: base64 (standard and URL alphabets,
// with and without padding), URL encoding and JSON string escaping.
func (r *Redactor) AddSecret(s string) {
	if len(s) < minSecretLen {
		return
	}
	r.mu.Lock()
	if _, ok := r.secrets[s]; !ok {
		if r.secrets == nil {
			r.secrets = map[string][]string{}
		}
		r.secrets[s] = nil
		r.patterns, r.replacer = nil, nil
	}
	r.mu.Unlock()
}

// AddValue adds every string inside v (a value derived from a secret), as
// [Redactor.AddSecret] does.
func (r *Redactor) AddValue(v any) {
	switch x := v.(type) {
	case string:
		r.AddSecret(x)
	case []any:
		for _, it := range x {
			r.AddValue(it)
		}
	case *value.Map:
		if x != nil {
			x.Range(func(_ string, it any) bool {
				r.AddValue(it)
				return true
			})
		}
	case nil, bool, int, float64:
	default:
		r.AddSecret(value.Str(v))
	}
}

// forms returns s and its encodings.
func forms(s string) []string {
	b := []byte(s)
	return []string{s,
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		url.QueryEscape(s), url.PathEscape(s), pathForm(s), jsonEscape(s)}
}

// pathForm is s as a URL path prints it: like url.PathEscape but keeping
// "/" (a secret placed in a path and shown in a URL, as in an HTTP error).
func pathForm(s string) string { return (&url.URL{Path: s}).EscapedPath() }

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// String returns s with every known secret form replaced by [Mask].
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.Lock()
	if len(r.secrets) == 0 {
		r.mu.Unlock()
		return s
	}
	if r.patterns == nil {
		r.patterns = r.collectPatterns()
	}
	patterns, rep := r.patterns, r.replacer
	r.mu.Unlock()
	if rep == nil {
		found := false
		for _, p := range patterns {
			if strings.Contains(s, p) {
				found = true
				break
			}
		}
		if !found {
			return s
		}
		rep = r.buildReplacer(patterns)
	}
	return rep.Replace(s)
}

// collectPatterns returns the forms of every secret, longest first, so
// that a value containing another is masked whole. r.mu is held.
func (r *Redactor) collectPatterns() []string {
	set := map[string]struct{}{}
	for secret, fs := range r.secrets {
		if fs == nil {
			fs = forms(secret)
			r.secrets[secret] = fs
		}
		for _, f := range fs {
			if len(f) >= minSecretLen {
				set[f] = struct{}{}
			}
		}
	}
	vals := make([]string, 0, len(set))
	for v := range set {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool {
		if len(vals[i]) != len(vals[j]) {
			return len(vals[i]) > len(vals[j])
		}
		return vals[i] < vals[j]
	})
	return vals
}

// buildReplacer returns the replacer of patterns, keeping it unless a
// secret was added meanwhile.
func (r *Redactor) buildReplacer(patterns []string) *strings.Replacer {
	pairs := make([]string, 0, 2*len(patterns))
	for _, p := range patterns {
		pairs = append(pairs, p, Mask)
	}
	rep := strings.NewReplacer(pairs...)
	r.mu.Lock()
	if len(r.patterns) == len(patterns) && (len(patterns) == 0 || &r.patterns[0] == &patterns[0]) {
		r.replacer = rep
	}
	r.mu.Unlock()
	return rep
}

// Value returns a copy of v with secret forms masked inside every string.
func (r *Redactor) Value(v any) any {
	switch x := v.(type) {
	case string:
		return r.String(x)
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = r.Value(it)
		}
		return out
	case *value.Map:
		if x == nil {
			return x
		}
		out := value.NewMap(x.Len())
		x.Range(func(k string, it any) bool {
			out.Set(r.String(k), r.Value(it))
			return true
		})
		return out
	}
	return v
}

// redactingHandler masks secrets in log records: the message and every
// string attribute.
type redactingHandler struct {
	inner slog.Handler
	r     *Redactor
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = h.attr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.String(err.Error()))
		}
		return slog.String(a.Key, h.r.String(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.attr(a)
	}
	return &redactingHandler{inner: h.inner.WithAttrs(out), r: h.r}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{inner: h.inner.WithGroup(name), r: h.r}
}
