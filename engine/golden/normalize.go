package golden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/actuatehq/actuate/expr/value"
)

func canonicalHeader(s string) string { return http.CanonicalHeaderKey(s) }

// Placeholders of normalised values.
const (
	TimePlaceholder = "<time>"
	uuidPrefix      = "<uuid:"
	ulidPrefix      = "<ulid:"
)

var (
	// timeRe finds ISO 8601 / RFC 3339 date-times: a date, T or a space,
	// a time to the minute or second, an optional fraction and an
	// optional zone.
	timeRe = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b`)
	// uuidRe finds UUIDs, any version, either case.
	uuidRe = regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`)
	// ulidRe finds ULIDs: 26 Crockford base32 characters, the first 0-7,
	// with at least one digit and one letter (so plain words and numbers
	// are left alone).
	ulidRe = regexp.MustCompile(`\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b`)
)

// Normalize returns the golden form of a result: JSON indented by two
// spaces, object keys sorted, a final newline, and these replacements in
// every string (keys too):
//
//   - a date-time (2024-05-01T10:00:00Z, 2024-05-01 10:00:00.123+02:00, ...)
//     becomes "<time>";
//   - a UUID becomes "<uuid:N>" and a ULID "<ulid:N>", N counting distinct
//     ids from 1 in document order (keys sorted), so that the same id
//     keeps the same placeholder within a result.
//
// Numbers keep their text. Dates without a time, Unix timestamps and
// other ids are left as they are.
func Normalize(v any) ([]byte, error) {
	n := &normalizer{ids: map[string]string{}}
	var b bytes.Buffer
	if err := n.writeValue(&b, v, 0); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// writeValue writes v in golden form: an engine value, written as the
// golden form of its JSON text without the round trip through that text,
// or a document decoded from JSON with UseNumber (map[string]any,
// json.Number).
func (n *normalizer) writeValue(b *bytes.Buffer, v any, depth int) error {
	switch x := v.(type) {
	case *value.Map:
		if x == nil {
			b.WriteString("null")
			return nil
		}
		return n.writeObject(b, x.SortedKeys(), func(k string) any { e, _ := x.Get(k); return e }, depth)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return n.writeObject(b, keys, func(k string) any { return x[k] }, depth)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[\n")
		for i, it := range x {
			indent(b, depth+1)
			if err := n.writeValue(b, it, depth+1); err != nil {
				return err
			}
			if i < len(x)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		indent(b, depth)
		b.WriteByte(']')
	case string:
		value.WriteJSONString(b, n.str(x))
	case json.Number:
		b.WriteString(x.String())
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	case int:
		b.WriteString(strconv.Itoa(x))
	default:
		// Floats, datetimes, durations, Go slices and maps…: their JSON
		// text, as Normalize of that text would write it.
		data, err := value.MarshalJSON(x)
		if err != nil {
			return err
		}
		if len(data) > 0 && (data[0] == '{' || data[0] == '[') {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			var doc any
			if err := dec.Decode(&doc); err != nil {
				return err
			}
			return n.writeValue(b, doc, depth)
		}
		var text string
		if len(data) > 0 && data[0] == '"' && json.Unmarshal(data, &text) == nil {
			value.WriteJSONString(b, n.str(text))
			return nil
		}
		b.Write(data)
	}
	return nil
}

// writeObject writes an object whose sorted keys are keys, get giving
// each key's value.
func (n *normalizer) writeObject(b *bytes.Buffer, keys []string, get func(string) any, depth int) error {
	if len(keys) == 0 {
		b.WriteString("{}")
		return nil
	}
	b.WriteString("{\n")
	for i, k := range keys {
		indent(b, depth+1)
		value.WriteJSONString(b, n.str(k))
		b.WriteString(": ")
		if err := n.writeValue(b, get(k), depth+1); err != nil {
			return err
		}
		if i < len(keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	indent(b, depth)
	b.WriteByte('}')
	return nil
}

// NormalizeJSON is [Normalize] for a JSON document.
func NormalizeJSON(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("result is not JSON: %v", err)
	}
	return Normalize(v)
}

type normalizer struct {
	ids          map[string]string
	uuids, ulids int
}

func (n *normalizer) str(s string) string {
	if len(s) < 16 {
		return s
	}
	s = timeRe.ReplaceAllString(s, TimePlaceholder)
	s = uuidRe.ReplaceAllStringFunc(s, func(id string) string {
		return n.id(strings.ToLower(id), uuidPrefix, &n.uuids)
	})
	if len(s) >= 26 {
		s = ulidRe.ReplaceAllStringFunc(s, func(id string) string {
			if !strings.ContainsAny(id, "ABCDEFGHJKMNPQRSTVWXYZ") || !strings.ContainsAny(id[1:], "0123456789") {
				return id
			}
			return n.id(id, ulidPrefix, &n.ulids)
		})
	}
	return s
}

func (n *normalizer) id(id, prefix string, count *int) string {
	if p, ok := n.ids[id]; ok {
		return p
	}
	*count++
	p := prefix + strconv.Itoa(*count) + ">"
	n.ids[id] = p
	return p
}

func indent(b *bytes.Buffer, depth int) {
	for range depth {
		b.WriteString("  ")
	}
}
