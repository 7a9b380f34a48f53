package engine

import (
	"context"
	"encoding/base64"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/actuatehq/actuate/engine/internal/secretform"
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
	// something has been redacted (most runs never need them). A run
	// holds a few; index finds them once there are many.
	secrets []secret
	index   map[string]int
	// replacer masks the forms of every secret; nil after a secret is
	// added, until the next redaction.
	replacer *secretform.Replacer
	// numbers are the numbers derived from secrets, in their str() form.
	// [Redactor.Value] masks them, and numbers whose form is a secret, as
	// whole values; text keeps its digits, which a substring match would
	// mask everywhere.
	numbers []string
	// short are the secrets of one character: masked as whole values
	// only, since masking them in text would mask every such letter.
	short []string
	// numeric counts the secrets that read as a number: only with one
	// of them, or a derived number, is a number worth formatting.
	numeric int
}

// NewRedactor returns an empty redactor. The zero Redactor is ready to use
// too.
func NewRedactor() *Redactor { return &Redactor{} }

// minSecretLen is the shortest value masked in text: one character would
// mask every occurrence of a letter. Shorter secrets are masked as whole
// values only (see [Redactor.Value]).
const minSecretLen = 2

// AddSecret adds a secret value. It is masked in the forms it commonly
// takes on the wire and in text too: base64 (standard and URL alphabets,
// with and without padding), URL encoding and JSON string escaping, and
// HTTP Basic credentials holding it are masked whole. A one-character
// secret is masked only where it is a whole value. The lines of a secret
// of several lines (a PEM key) are masked one by one too, those of at
// least minLineLen characters without a space (not "-----BEGIN ...-----"):
// a text cut short, or printed line by line, may hold some of them.
func (r *Redactor) AddSecret(s string) {
	if strings.Contains(s, "\n") {
		for line := range strings.Lines(s) {
			line = strings.TrimRight(line, "\r\n")
			if len(line) >= minLineLen && line != s && !strings.Contains(line, " ") {
				r.AddSecret(line)
			}
		}
	}
	if len(s) < minSecretLen {
		if s != "" {
			r.mu.Lock()
			if !slices.Contains(r.short, s) {
				r.short = append(r.short, s)
				r.countNumeric(s)
			}
			r.mu.Unlock()
		}
		return
	}
	r.mu.Lock()
	if !r.has(s) {
		r.secrets = append(r.secrets, secret{value: s})
		r.countNumeric(s)
		if r.index != nil {
			r.index[s] = len(r.secrets) - 1
		} else if len(r.secrets) > indexFrom {
			r.index = make(map[string]int, len(r.secrets))
			for i, sec := range r.secrets {
				r.index[sec.value] = i
			}
		}
		r.replacer = nil
	}
	r.mu.Unlock()
}

// minLineLen is the shortest line of a secret of several lines masked on
// its own.
const minLineLen = 16

// secret is a value to mask and, once computed, its forms.
type secret struct {
	value string
	forms []string
}

// indexFrom is the number of secrets from which a Redactor indexes them.
const indexFrom = 16

// has reports whether s is a known secret; r.mu is held.
func (r *Redactor) has(s string) bool {
	if r.index != nil {
		_, ok := r.index[s]
		return ok
	}
	for _, sec := range r.secrets {
		if sec.value == s {
			return true
		}
	}
	return false
}

// AddValue adds every string inside v (a value derived from a secret), as
// [Redactor.AddSecret] does, and every number, which [Redactor.Value]
// masks.
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
	case int, float64:
		r.mu.Lock()
		if n := numberText(x); !slices.Contains(r.numbers, n) {
			r.numbers = append(r.numbers, n)
		}
		r.mu.Unlock()
	case nil, bool:
	default:
		r.AddSecret(value.Str(v))
	}
}

// empty reports whether r knows no secret and no derived value: then
// nothing holds one.
func (r *Redactor) empty() bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.secrets) == 0 && len(r.short) == 0 && len(r.numbers) == 0
}

// size counts what r masks: it grows with each secret or derived value
// r learns.
func (r *Redactor) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.secrets) + len(r.short) + len(r.numbers)
}

// holds reports whether v holds a secret or a value derived from one:
// whether [Redactor.Value] would mask something in it.
func (r *Redactor) holds(v any) bool {
	switch x := v.(type) {
	case string:
		return r.shortSecret(x) || r.String(x) != x
	case int, float64:
		return r.secretNumber(x)
	case []any:
		return slices.ContainsFunc(x, r.holds)
	case *value.Map:
		found := false
		if x != nil {
			x.Range(func(k string, it any) bool {
				found = r.String(k) != k || r.holds(it)
				return !found
			})
		}
		return found
	case nil, bool:
		return false
	}
	s := value.Str(v)
	return r.String(s) != s
}

// secretNumber reports whether n, a number, derives from a secret or
// reads as one.
func (r *Redactor) secretNumber(n any) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.numeric == 0 && len(r.numbers) == 0 {
		return false
	}
	s, t := value.Str(n), numberText(n) // 5.0 reads as "5.0" and as "5"
	for _, form := range [...]string{s, t} {
		if slices.Contains(r.numbers, form) || slices.Contains(r.short, form) || r.has(form) {
			return true
		}
	}
	return false
}

// countNumeric counts s, a secret just added, when it reads as a number;
// r.mu is held.
func (r *Redactor) countNumeric(s string) {
	// Most secrets start with a letter no number text starts with; a
	// failed parse costs an allocation.
	if strings.IndexByte("0123456789+-.iInN", s[0]) < 0 {
		return
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		r.numeric++
	}
}

// numberText is the text of a number, an int or a float64, with whole
// floats written as ints: derived numbers are remembered, and matched,
// by the value whatever its type.
func numberText(n any) string {
	if f, ok := n.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return value.Str(n)
}

// shortSecret reports whether s is a secret of one character.
func (r *Redactor) shortSecret(s string) bool {
	if r == nil || len(s) >= minSecretLen || s == "" {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.short, s)
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
	if r.replacer == nil {
		r.replacer = r.newReplacer()
	}
	rep := r.replacer
	r.mu.Unlock()
	return maskBasic(rep.Replace(s), rep)
}

// basicCredentials finds HTTP Basic credentials: the scheme, then the
// base64 of user:password.
var basicCredentials = regexp.MustCompile(`(?i)\bbasic\s+([A-Za-z0-9+/]+={0,2})`)

// maskBasic masks the HTTP Basic credentials in s that hold a secret
// form rep replaces. An HTTP action encodes them itself from its auth
// argument, so the redactor never learns their form: the base64 of
// "user:secret" is not a form of the secret.
func maskBasic(s string, rep *secretform.Replacer) string {
	if !containsFold(s, "basic") {
		return s
	}
	return basicCredentials.ReplaceAllStringFunc(s, func(m string) string {
		sub := basicCredentials.FindStringSubmatchIndex(m)
		raw, err := base64.StdEncoding.DecodeString(m[sub[2]:sub[3]])
		if err != nil || rep.Replace(string(raw)) == string(raw) {
			return m
		}
		return m[:sub[2]] + Mask
	})
}

// containsFold reports whether s holds word, an ASCII word in lower
// case, in any case.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if s[i]|0x20 == word[0] && strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

// newReplacer returns the replacer masking the forms of every secret.
// r.mu is held.
func (r *Redactor) newReplacer() *secretform.Replacer {
	set := map[string]string{}
	for i := range r.secrets {
		sec := &r.secrets[i]
		if sec.forms == nil {
			sec.forms = secretform.Forms(sec.value)
		}
		for _, f := range sec.forms {
			if len(f) >= minSecretLen {
				set[f] = Mask
			}
		}
	}
	return secretform.NewReplacer(set)
}

// Value returns a copy of v with secret forms masked inside every string,
// and numbers derived from a secret, or reading as one, and strings that
// are a one-character secret, masked whole.
func (r *Redactor) Value(v any) any {
	switch x := v.(type) {
	case string:
		if r.shortSecret(x) {
			return Mask
		}
		return r.String(x)
	case int, float64:
		if r.secretNumber(x) {
			return Mask
		}
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
		if h.r.shortSecret(v.String()) { // a one-character secret, whole
			return slog.String(a.Key, Mask)
		}
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
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64:
		// A number that is, or derives from, a secret.
		var n any
		switch v.Kind() {
		case slog.KindInt64:
			n = int(v.Int64())
		case slog.KindUint64:
			if v.Uint64() > math.MaxInt64 {
				n = float64(v.Uint64())
			} else {
				n = int(v.Uint64())
			}
		default:
			n = v.Float64()
		}
		if h.r.secretNumber(n) {
			return slog.String(a.Key, Mask)
		}
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
