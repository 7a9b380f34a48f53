// Package secretform holds what the engine's redactor and the cassette
// scrubber share: the forms a secret takes on the wire and in text, and a
// replacer of those forms built only when a text holds one.
package secretform

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
)

// Forms returns s and its encodings: base64 (standard and URL alphabets,
// with and without padding), URL query and path escaping, s as a URL path
// prints it (keeping "/") and JSON string escaping.
func Forms(s string) []string {
	b := []byte(s)
	j, _ := json.Marshal(s)
	return []string{s,
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		url.QueryEscape(s), url.PathEscape(s), (&url.URL{Path: s}).EscapedPath(), string(j[1 : len(j)-1])}
}

// Replacer replaces forms with their replacements, the longest form first,
// so that a value containing another is replaced whole. It builds its
// strings.Replacer only when a text holds a form, since building it costs
// more than looking for a few forms. A Replacer is safe for concurrent use.
type Replacer struct {
	pairs []string // form, replacement, ...; longest form first
	rep   atomic.Pointer[strings.Replacer]
}

// NewReplacer returns the replacer of the forms in form (form →
// replacement).
func NewReplacer(form map[string]string) *Replacer {
	keys := make([]string, 0, len(form))
	for f := range form {
		keys = append(keys, f)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, k, form[k])
	}
	return &Replacer{pairs: pairs}
}

// Replace returns s with every form replaced.
func (r *Replacer) Replace(s string) string {
	if rep := r.rep.Load(); rep != nil {
		return rep.Replace(s)
	}
	if !r.holdsAny(s) {
		return s
	}
	rep := strings.NewReplacer(r.pairs...)
	if !r.rep.CompareAndSwap(nil, rep) {
		rep = r.rep.Load()
	}
	return rep.Replace(s)
}

// holdsAny reports whether s holds one of the forms.
func (r *Replacer) holdsAny(s string) bool {
	for i := 0; i < len(r.pairs); i += 2 {
		if strings.Contains(s, r.pairs[i]) {
			return true
		}
	}
	return false
}
