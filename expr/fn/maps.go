package fn

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/actuatehq/actuate/expr/value"
)

// Map and JSON functions: lookup, merge, map_keys, to_keys, to_values,
// flatten_dict, is_json, deserialize_json, deserialize_ndjson,
// deserialize_yaml, serialize_json, serialize, prettify_json,
// serialize_yaml, parse_csv.

func init() {
	register(&Func{Name: "lookup", MinArgs: 2, MaxArgs: 2, Doc: "Value of a dict key, or null when absent.", Call: mapLookup})
	register(&Func{Name: "merge", MinArgs: 1, MaxArgs: 1, Doc: "Shallow merge of a list of dicts; later dicts win.", Call: mapMerge})
	register(&Func{Name: "map_keys", MinArgs: 2, MaxArgs: 2, Doc: "Rename the keys of a dict through a mapping; every key must be in the mapping.", Call: mapMapKeys})
	register(&Func{Name: "to_keys", MinArgs: 1, MaxArgs: 1, Doc: "Keys of a dict, in order.", Call: mapKeys})
	register(&Func{Name: "to_values", MinArgs: 1, MaxArgs: 1, Doc: "Values of a dict, in order.", Call: mapValues})
	register(&Func{Name: "flatten_dict", MinArgs: 1, MaxArgs: 2, Doc: "One-level dict with path keys (a.b, a[0]) from a dict, list or JSON string; max_depth defaults to 100.", Call: mapFlattenDict})
	register(&Func{Name: "is_json", MinArgs: 1, MaxArgs: 1, Doc: "Whether a string is one valid JSON document.", Call: mapIsJSON})
	register(&Func{Name: "deserialize_json", MinArgs: 1, MaxArgs: 1, Doc: "Parse a JSON string (object key order kept).", Call: mapDeserializeJSON})
	register(&Func{Name: "deserialize_ndjson", MinArgs: 1, MaxArgs: 1, Doc: "Parse newline-delimited JSON: one value per non-blank line.", Call: mapDeserializeNDJSON})
	register(&Func{Name: "deserialize_yaml", MinArgs: 1, MaxArgs: 1, Doc: "Parse a single YAML document (PyYAML safe_load semantics).", Call: mapDeserializeYAML})
	register(&Func{Name: "serialize_json", MinArgs: 1, MaxArgs: 1, Doc: "Compact JSON text, no spaces, UTF-8, dict order kept.", Call: mapSerializeJSON("serialize_json")})
	register(&Func{Name: "serialize", MinArgs: 1, MaxArgs: 1, Doc: "Compact JSON text, no spaces, UTF-8, dict order kept.", Call: mapSerializeJSON("serialize")})
	register(&Func{Name: "prettify_json", MinArgs: 1, MaxArgs: 1, Doc: "JSON text with a 2-space indent and non-ASCII escaped (Python json.dumps(x, indent=2)).", Call: mapPrettifyJSON})
	register(&Func{Name: "serialize_yaml", MinArgs: 1, MaxArgs: 1, Doc: "YAML text in block style with keys sorted.", Call: mapSerializeYAML})
	register(&Func{Name: "parse_csv", MinArgs: 1, MaxArgs: 1, Doc: "Rows of a CSV text as dicts keyed by the header line.", Call: mapParseCSV})
}

func mapLookup(args ...any) (any, error) {
	m, err := argMap("lookup", args, 0)
	if err != nil {
		return nil, err
	}
	k, err := value.HashKey(args[1])
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	if ks, ok := k.(string); ok {
		v, _ := m.Get(ks)
		return v, nil
	}
	return nil, nil
}

func mapMerge(args ...any) (any, error) {
	l, err := argList("merge", args, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (merge takes one list of dicts)", err)
	}
	n := 0
	for j, it := range l {
		m, ok := it.(*value.Map)
		if !ok {
			return nil, itemErr("merge", 0, j, "a dict", it)
		}
		n += m.Len()
	}
	out := value.NewMap(n)
	for _, it := range l {
		it.(*value.Map).Range(func(k string, v any) bool {
			out.Set(k, v)
			return true
		})
	}
	return out, nil
}

func mapMapKeys(args ...any) (any, error) {
	m, err := argMap("map_keys", args, 0)
	if err != nil {
		return nil, err
	}
	mapping, err := argMap("map_keys", args, 1)
	if err != nil {
		return nil, err
	}
	out := value.NewMap(m.Len())
	m.Range(func(k string, v any) bool {
		nk, ok := mapping.Get(k)
		if !ok {
			err = fmt.Errorf("map_keys: key %s is not in the mapping (argument 2)", value.Repr(k))
			return false
		}
		s, ok := nk.(string)
		if !ok {
			err = fmt.Errorf("map_keys: the mapping gives key %s the new name %s (%s), which is not a string", value.Repr(k), shortRepr(nk), value.TypeName(nk))
			return false
		}
		out.Set(s, v)
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func mapKeys(args ...any) (any, error) {
	m, err := argMap("to_keys", args, 0)
	if err != nil {
		return nil, err
	}
	keys := m.Keys()
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

func mapValues(args ...any) (any, error) {
	m, err := argMap("to_values", args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, m.Len())
	m.Range(func(_ string, v any) bool {
		out = append(out, v)
		return true
	})
	return out, nil
}

// mapFlattenDict flattens nested dicts and lists into one dict whose keys
// are paths: "a.b" for dict keys, "a[0]" for list items. Empty dicts and
// lists are kept as values; containers deeper than max_depth are kept whole.
func mapFlattenDict(args ...any) (any, error) {
	x := args[0]
	if s, ok := x.(string); ok {
		v, err := value.ParseJSONText(s)
		if err != nil {
			return nil, fmt.Errorf("flatten_dict: argument 1 is a string but not JSON: %w", err)
		}
		x = v
	}
	switch x.(type) {
	case *value.Map, []any:
	default:
		return nil, argErr("flatten_dict", 0, "a dict, a list or a JSON string", args[0])
	}
	maxDepth := 100
	if len(args) > 1 {
		var err error
		if maxDepth, err = argInt("flatten_dict", args, 1); err != nil {
			return nil, err
		}
		if maxDepth < 1 {
			return nil, fmt.Errorf("flatten_dict: max_depth must be at least 1, got %d", maxDepth)
		}
	}
	out := value.NewMap(8)
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		switch c := v.(type) {
		case *value.Map:
			if (c.Len() == 0 || depth >= maxDepth) && prefix != "" {
				out.Set(prefix, v)
				return
			}
			c.Range(func(k string, e any) bool {
				key := k
				if prefix != "" {
					key = prefix + "." + k
				}
				walk(key, e, depth+1)
				return true
			})
		case []any:
			if (len(c) == 0 || depth >= maxDepth) && prefix != "" {
				out.Set(prefix, v)
				return
			}
			for i, e := range c {
				walk(prefix+"["+strconv.Itoa(i)+"]", e, depth+1)
			}
		default:
			out.Set(prefix, v)
		}
	}
	walk("", x, 0)
	return out, nil
}

func mapIsJSON(args ...any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return false, nil
	}
	_, err := value.ParseJSONText(s)
	return err == nil, nil
}

func mapDeserializeJSON(args ...any) (any, error) {
	s, err := argStr("deserialize_json", args, 0)
	if err != nil {
		return nil, err
	}
	v, err := value.ParseJSONText(s)
	if err != nil {
		return nil, fmt.Errorf("deserialize_json: %w", err)
	}
	return v, nil
}

// pyLines splits s at Python's str.splitlines boundaries.
func pyLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			lines = append(lines, s[start:i])
			start = i + size
		case '\r':
			lines = append(lines, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				size++
			}
			start = i + size
		}
		i += size
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

func mapDeserializeNDJSON(args ...any) (any, error) {
	s, err := argStr("deserialize_ndjson", args, 0)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for i, line := range pyLines(s) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		v, err := value.ParseJSONText(line)
		if err != nil {
			return nil, fmt.Errorf("deserialize_ndjson: line %d: %w", i+1, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func mapSerializeJSON(name string) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		var b strings.Builder
		if err := writeOrjson(&b, args[0], 0); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return b.String(), nil
	}
}

// ---- serialize_json: Python orjson.dumps(x) ----

// writeOrjson writes v as orjson.dumps does: compact, non-ASCII (U+2028 and
// U+2029 included) written as is, floats in orjson's shortest form (1e16,
// 1e-7, 0.00001), NaN and infinities as null, datetimes in isoformat with
// "+00:00" for UTC.
func writeOrjson(b *strings.Builder, v any, depth int) error {
	if depth > 1000 {
		return errors.New("the value is nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(orjsonFloat(x))
	case string:
		writeJSONString(b, x, false)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeOrjson(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case *value.Map:
		b.WriteByte('{')
		var err error
		i := 0
		x.Range(func(k string, e any) bool {
			if i > 0 {
				b.WriteByte(',')
			}
			i++
			writeJSONString(b, k, false)
			b.WriteByte(':')
			err = writeOrjson(b, e, depth+1)
			return err == nil
		})
		if err != nil {
			return err
		}
		b.WriteByte('}')
	case value.DateTime:
		writeJSONString(b, value.ISOFormat(x), false)
	default:
		// Dates, times and durations: the shared JSON text.
		j, err := value.MarshalJSON(v)
		if err != nil {
			return err
		}
		b.Write(j)
	}
	return nil
}

// orjsonFloat is the text orjson (ryu) gives a float: the shortest digits
// that read back the same, in positional notation from 1e-5 up to 1e16 and
// otherwise as d.ddde±x with no "+" and no padding of the exponent.
func orjsonFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d[.ddd]e±XX
	k := strings.IndexByte(e, 'e')
	digits := strings.Replace(e[:k], ".", "", 1)
	exp, _ := strconv.Atoi(e[k+1:])
	n, point := len(digits), exp+1 // value = 0.digits × 10^point
	switch {
	case point >= n && point <= 16:
		return sign + digits + strings.Repeat("0", point-n) + ".0"
	case point > 0 && point <= 16:
		return sign + digits[:point] + "." + digits[point:]
	case point > -5 && point <= 0:
		return sign + "0." + strings.Repeat("0", -point) + digits
	case n == 1:
		return sign + digits + "e" + strconv.Itoa(exp)
	}
	return sign + digits[:1] + "." + digits[1:] + "e" + strconv.Itoa(exp)
}

// ---- prettify_json: Python json.dumps(x, indent=2) ----

func mapPrettifyJSON(args ...any) (any, error) {
	var b strings.Builder
	if err := writePretty(&b, args[0], 0); err != nil {
		return nil, fmt.Errorf("prettify_json: %w", err)
	}
	return b.String(), nil
}

func writePretty(b *strings.Builder, v any, depth int) error {
	if depth > 1000 {
		return errors.New("the value is nested too deeply")
	}
	newline := func(d int) {
		b.WriteByte('\n')
		for range d {
			b.WriteString("  ")
		}
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(value.FormatFloat(x))
		}
	case string:
		writeJSONString(b, x, true)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(depth + 1)
			if err := writePretty(b, e, depth+1); err != nil {
				return err
			}
		}
		newline(depth)
		b.WriteByte(']')
	case *value.Map:
		if x.Len() == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteByte('{')
		var err error
		i := 0
		x.Range(func(k string, e any) bool {
			if i > 0 {
				b.WriteByte(',')
			}
			i++
			newline(depth + 1)
			writeJSONString(b, k, true)
			b.WriteString(": ")
			err = writePretty(b, e, depth+1)
			return err == nil
		})
		if err != nil {
			return err
		}
		newline(depth)
		b.WriteByte('}')
	default:
		// Datetimes, dates, times and durations: their JSON text (a UTC
		// datetime ends in "Z" here, "+00:00" in serialize_json).
		j, err := value.MarshalJSON(v)
		if err != nil {
			return err
		}
		var s string
		if jv, err := value.ParseJSON(j); err == nil {
			s, _ = jv.(string)
		}
		writeJSONString(b, s, true)
	}
	return nil
}

// writeJSONString writes s as a JSON string: with ascii, as Python's json
// module does with ensure_ascii (everything outside printable ASCII
// escaped, astral characters as surrogate pairs); without, as orjson does
// (only quotes, backslashes and control characters escaped; invalid UTF-8
// becomes U+FFFD).
func writeJSONString(b *strings.Builder, s string, ascii bool) {
	const hex = "0123456789abcdef"
	u4 := func(r rune) {
		b.WriteString(`\u`)
		b.WriteByte(hex[r>>12&15])
		b.WriteByte(hex[r>>8&15])
		b.WriteByte(hex[r>>4&15])
		b.WriteByte(hex[r&15])
	}
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			u4(r)
		case r < 0x7f || !ascii:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			u4(0xd800 + r>>10)
			u4(0xdc00 + r&0x3ff)
		default:
			u4(r)
		}
	}
	b.WriteByte('"')
}

// ---- YAML ----

func mapDeserializeYAML(args ...any) (any, error) {
	s, err := argStr("deserialize_yaml", args, 0)
	if err != nil {
		return nil, err
	}
	return ParseYAML(s)
}

// ParseYAML decodes one YAML document into values as PyYAML's safe_load
// does (it is FN.deserialize_yaml): mappings become *value.Map in document
// order, YAML 1.1 scalars (yes/no booleans, timestamps) are resolved, and
// an empty document is None. Errors start with "deserialize_yaml: ".
func ParseYAML(s string) (any, error) {
	dec := yaml.NewDecoder(strings.NewReader(s))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("deserialize_yaml: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, fmt.Errorf("deserialize_yaml: %w", err)
		}
		return nil, fmt.Errorf("deserialize_yaml: expected a single document in the stream, but found another document at line %d", extra.Line)
	}
	c := yamlConv{done: map[*yaml.Node]any{}, busy: map[*yaml.Node]bool{}}
	v, err := c.conv(&doc, 0)
	if err != nil {
		return nil, fmt.Errorf("deserialize_yaml: %w", err)
	}
	return v, nil
}

// yamlConv turns a yaml.Node tree into values. Anchored nodes are converted
// once and shared by their aliases, so alias bombs cost no extra work.
type yamlConv struct {
	done map[*yaml.Node]any
	busy map[*yaml.Node]bool
}

func (c *yamlConv) conv(n *yaml.Node, depth int) (any, error) {
	if depth > 1000 {
		return nil, fmt.Errorf("line %d: the document is nested too deeply", n.Line)
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if v, ok := c.done[n]; ok {
		return v, nil
	}
	if c.busy[n] {
		return nil, fmt.Errorf("line %d: recursive alias", n.Line)
	}
	var (
		v   any
		err error
	)
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.conv(n.Content[0], depth+1)
	case yaml.ScalarNode:
		v, err = yamlScalar(n)
	case yaml.SequenceNode:
		c.busy[n] = true
		l := make([]any, len(n.Content))
		for i, e := range n.Content {
			if l[i], err = c.conv(e, depth+1); err != nil {
				return nil, err
			}
		}
		v = l
	case yaml.MappingNode:
		c.busy[n] = true
		v, err = c.mapping(n, depth)
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	if err != nil {
		return nil, err
	}
	delete(c.busy, n)
	if n.Anchor != "" {
		c.done[n] = v
	}
	return v, nil
}

// mapping converts a mapping node, applying "<<" merge keys the way PyYAML
// does: merged entries first (earlier merge sources win), then the
// mapping's own entries.
func (c *yamlConv) mapping(n *yaml.Node, depth int) (*value.Map, error) {
	type pair struct {
		key string
		val *yaml.Node
	}
	var (
		merged []*yaml.Node
		own    []pair
	)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			target := deref(v)
			srcs := []*yaml.Node{target}
			if target.Kind == yaml.SequenceNode {
				srcs = target.Content
			}
			for j := len(srcs) - 1; j >= 0; j-- {
				src := deref(srcs[j])
				if src.Kind != yaml.MappingNode {
					return nil, fmt.Errorf("line %d: expected a mapping or list of mappings for merging", v.Line)
				}
				merged = append(merged, src)
			}
			continue
		}
		if k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: mapping keys must be scalars", k.Line)
		}
		own = append(own, pair{key: k.Value, val: v})
	}
	out := value.NewMap(len(own))
	for _, src := range merged {
		sub, err := c.conv(src, depth+1)
		if err != nil {
			return nil, err
		}
		sub.(*value.Map).Range(func(k string, v any) bool {
			out.Set(k, v)
			return true
		})
	}
	for _, p := range own {
		v, err := c.conv(p.val, depth+1)
		if err != nil {
			return nil, err
		}
		out.Set(p.key, v)
	}
	return out, nil
}

func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// yamlScalar resolves a scalar as PyYAML's safe loader does (YAML 1.1:
// yes/no/on/off are booleans, a float needs a dot).
func yamlScalar(n *yaml.Node) (any, error) {
	s := n.Value
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		return yaml11Bool(s)
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err == nil {
			return int(i), nil
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
			return f, nil
		}
		return s, nil
	case "!!float":
		if n.Style == 0 && !strings.Contains(s, ".") {
			return s, nil // PyYAML reads 1e3 as a string
		}
		switch strings.ToLower(strings.TrimPrefix(s, "+")) {
		case ".inf":
			return math.Inf(1), nil
		case "-.inf":
			return math.Inf(-1), nil
		case ".nan":
			return math.NaN(), nil
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
		if err != nil {
			return s, nil
		}
		return f, nil
	case "!!timestamp":
		if v, ok := yamlTimestamp(s); ok {
			return v, nil
		}
		return s, nil
	case "!!str", "!!binary", "!!merge":
		if n.Style == 0 && tag == "!!str" {
			if b, err := yaml11Bool(s); err == nil {
				return b, nil
			}
		}
		return s, nil
	default:
		return nil, fmt.Errorf("line %d: could not determine a constructor for the tag '%s'", n.Line, n.Tag)
	}
}

func yaml11Bool(s string) (any, error) {
	switch s {
	case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true, nil
	case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false, nil
	}
	return nil, errors.New("not a boolean")
}

// yamlTimestamp reads a YAML timestamp: a date alone gives a Date; a time
// with a zone gives an aware DateTime, without one a naive DateTime.
func yamlTimestamp(s string) (any, bool) {
	if t, err := time.Parse("2006-1-2", s); err == nil {
		return value.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, true
	}
	norm := strings.Replace(strings.Replace(s, "t", "T", 1), " ", "T", 1)
	norm = strings.ReplaceAll(norm, " ", "")
	for _, layout := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2T15:4:5.999999999Z07", "2006-1-2T15:4:5.999999999"} {
		t, err := time.Parse(layout, norm)
		if err != nil {
			continue
		}
		t = t.Truncate(time.Microsecond)
		if layout == "2006-1-2T15:4:5.999999999" {
			return value.DateTime{Time: t, Naive: true}, true
		}
		return value.DateTime{Time: t}, true
	}
	return nil, false
}

func mapSerializeYAML(args ...any) (any, error) {
	return DumpYAML(args[0])
}

// DumpYAML writes v as PyYAML's yaml.dump does by default (it is
// FN.serialize_yaml): block style, mapping keys sorted, list items not
// indented under their key, strings that would read back as another type
// single-quoted, and a final newline. Errors start with "serialize_yaml: ".
func DumpYAML(v any) (string, error) {
	n, err := yamlNode(v, 0)
	if err != nil {
		return "", fmt.Errorf("serialize_yaml: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(n); err != nil {
		return "", fmt.Errorf("serialize_yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("serialize_yaml: %w", err)
	}
	if n.Kind == yaml.ScalarNode && n.Style == 0 && !strings.Contains(n.Value, "\n") {
		buf.WriteString("...\n") // PyYAML ends an open plain scalar document
	}
	return buf.String(), nil
}

// yamlLooksTyped reports whether a plain scalar with text s would be read
// back by PyYAML as something other than a string.
func yamlLooksTyped(s string) bool {
	switch s {
	case "", "~", "null", "Null", "NULL", ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN", "<<", "=":
		return true
	}
	if _, err := yaml11Bool(s); err == nil {
		return true
	}
	if c := s[0]; !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' {
		return false
	}
	clean := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(clean, 0, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseFloat(clean, 64); err == nil {
		return true
	}
	_, isTime := yamlTimestamp(s)
	return isTime
}

func yamlNode(v any, depth int) (*yaml.Node, error) {
	if depth > 1000 {
		return nil, errors.New("the value is nested too deeply")
	}
	scalar := func(tag, s string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}
	}
	switch x := v.(type) {
	case nil:
		return scalar("!!null", "null"), nil
	case bool:
		if x {
			return scalar("!!bool", "true"), nil
		}
		return scalar("!!bool", "false"), nil
	case int:
		return scalar("!!int", strconv.Itoa(x)), nil
	case int64:
		return scalar("!!int", strconv.FormatInt(x, 10)), nil
	case float64:
		switch {
		case math.IsNaN(x):
			return scalar("!!float", ".nan"), nil
		case math.IsInf(x, 1):
			return scalar("!!float", ".inf"), nil
		case math.IsInf(x, -1):
			return scalar("!!float", "-.inf"), nil
		}
		return scalar("!!float", value.FormatFloat(x)), nil
	case string:
		n := scalar("!!str", x)
		if yamlLooksTyped(x) {
			n.Style = yaml.SingleQuotedStyle // as PyYAML quotes 'true', '12'
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: make([]*yaml.Node, len(x))}
		for i, e := range x {
			c, err := yamlNode(e, depth+1)
			if err != nil {
				return nil, err
			}
			n.Content[i] = c
		}
		return n, nil
	case *value.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: make([]*yaml.Node, 0, 2*x.Len())}
		for _, k := range x.SortedKeys() {
			e, _ := x.Get(k)
			c, err := yamlNode(e, depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, scalar("!!str", k), c)
		}
		return n, nil
	case value.DateTime, value.Date:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: value.Str(x)}, nil // plain, as PyYAML writes timestamps
	}
	return scalar("!!str", value.Str(v)), nil
}

// ---- CSV ----

func mapParseCSV(args ...any) (any, error) {
	s, err := argStr("parse_csv", args, 0)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	header, err := r.Read()
	if err == io.EOF {
		return []any{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("parse_csv: %w", err)
	}
	header = append([]string(nil), header...)
	out := []any{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parse_csv: %w", err)
		}
		if len(rec) > len(header) {
			line, _ := r.FieldPos(0)
			return nil, fmt.Errorf("parse_csv: line %d has %d fields but the header has %d", line, len(rec), len(header))
		}
		row := value.NewMap(len(header))
		for i, h := range header {
			if i < len(rec) {
				row.Set(h, rec[i])
			} else {
				row.Set(h, nil)
			}
		}
		out = append(out, row)
	}
}
