package cassette

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/actuatehq/actuate/engine/internal/linediff"
)

// normalize returns the lines a request is compared by: method and URL
// without its query, then one line per query parameter (sorted by name),
// per header (sorted by name) and for the body (JSON indented with sorted
// keys). The ignored query parameters, headers and body fields of m are
// left out. Headers are compared only when recorded: a header the
// recording lacks is not compared.
func normalize(r Request, m Match) []string {
	u, err := url.Parse(r.URL)
	var lines []string
	if err != nil {
		return append(lines, r.Method+" "+r.URL)
	}
	q := u.Query()
	u.RawQuery, u.ForceQuery = "", false
	lines = append(lines, r.Method+" "+u.String())
	keys := make([]string, 0, len(q))
	for k := range q {
		if !containsFold(m.IgnoreQuery, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			lines = append(lines, "?"+k+"="+v)
		}
	}
	hs := append(Headers(nil), r.Headers...)
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].Name < hs[j].Name })
	for _, h := range hs {
		if !containsFold(m.IgnoreHeaders, h.Name) {
			lines = append(lines, h.Name+": "+h.Value)
		}
	}
	switch r.Body.Kind {
	case JSONBody:
		lines = append(lines, "body:")
		lines = append(lines, jsonLines(r.Body.Data, m.IgnoreBodyFields)...)
	case TextBody:
		lines = append(lines, "body:")
		lines = append(lines, strings.Split(strings.TrimSuffix(string(r.Body.Data), "\n"), "\n")...)
	case BinaryBody:
		lines = append(lines, "body (base64): "+encodeBase64(r.Body.Data))
	}
	return lines
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// requestFor keeps only the headers both sides can be compared on: the
// request's headers are cut to the names the recording has.
func requestFor(got Request, want Request) Request {
	names := map[string]bool{}
	for _, h := range want.Headers {
		names[h.Name] = true
	}
	out := got
	out.Headers = nil
	for _, h := range got.Headers {
		if names[h.Name] {
			out.Headers = append(out.Headers, h)
		}
	}
	return out
}

func jsonLines(data []byte, ignore []string) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return strings.Split(string(data), "\n")
	}
	for _, p := range ignore {
		if path, err := parsePath(p); err == nil {
			v = deletePath(v, path)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

// pathStep is one step of a body field path: a key, an index, or every
// element ([*]).
type pathStep struct {
	key   string
	index int // -1 for a key, -2 for [*]
}

// parsePath parses a field path: keys separated by dots, [N] or [*] for
// list elements, an optional leading "$." ("$.items[*].updated_at").
func parsePath(p string) ([]pathStep, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(p, "$"), ".")
	if s == "" {
		return nil, fmt.Errorf("empty field path %q", p)
	}
	var out []pathStep
	for s != "" {
		switch {
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("field path %q: missing ]", p)
			}
			in := s[1:end]
			if in == "*" {
				out = append(out, pathStep{index: -2})
			} else if n, err := strconv.Atoi(in); err == nil && n >= 0 {
				out = append(out, pathStep{index: n})
			} else {
				return nil, fmt.Errorf("field path %q: bad index [%s]", p, in)
			}
			s = s[end+1:]
		case s[0] == '.':
			s = s[1:]
			if s == "" || s[0] == '.' {
				return nil, fmt.Errorf("field path %q: empty key", p)
			}
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			out = append(out, pathStep{key: s[:end], index: -1})
			s = s[end:]
		}
	}
	return out, nil
}

// deletePath removes the field at path from v (a decoded JSON value).
func deletePath(v any, path []pathStep) any {
	if len(path) == 0 {
		return v
	}
	st, rest := path[0], path[1:]
	switch x := v.(type) {
	case map[string]any:
		if st.index != -1 {
			return v
		}
		if len(rest) == 0 {
			delete(x, st.key)
		} else if it, ok := x[st.key]; ok {
			x[st.key] = deletePath(it, rest)
		}
	case []any:
		switch {
		case st.index == -2:
			if len(rest) == 0 {
				return []any{}
			}
			for i := range x {
				x[i] = deletePath(x[i], rest)
			}
		case st.index >= 0 && st.index < len(x):
			if len(rest) == 0 {
				return append(x[:st.index:st.index], x[st.index+1:]...)
			}
			x[st.index] = deletePath(x[st.index], rest)
		}
	}
	return v
}

// diffScore is how far apart two requests are: the number of differing
// lines, plus ten when the method or the URL differs.
func diffScore(want, have []string, lines []linediff.Op) int {
	score := 0
	for _, l := range lines {
		if l.Kind != ' ' {
			score++
		}
	}
	if len(want) > 0 && len(have) > 0 && want[0] != have[0] {
		score += 10
	}
	return score
}

func formatDiff(lines []linediff.Op) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteByte(l.Kind)
		b.WriteString(l.Line)
		b.WriteByte('\n')
	}
	return b.String()
}
