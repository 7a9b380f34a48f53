package pylambda

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr/fn"
	"github.com/actuatehq/actuate/expr/value"
)

// methodKwargs lists the allowed methods and the keyword arguments each
// takes.
var methodKwargs = map[string][]string{
	"get": nil, "keys": nil, "values": nil, "items": nil,
	"lower": nil, "upper": nil, "strip": nil, "lstrip": nil, "rstrip": nil,
	"startswith": nil, "endswith": nil, "split": {"sep", "maxsplit"}, "replace": nil,
	"join": nil, "find": nil, "count": nil, "index": nil,
}

const methodList = "dict .get() .keys() .values() .items(); str .lower() .upper() .strip() .lstrip() .rstrip() .startswith() .endswith() .split() .replace() .join() .find() .count(); list .index() .count()"

func noAttr(recv any, name string) error {
	return &pyError{"AttributeError", "'" + typeName(recv) + "' object has no attribute '" + name + "'"}
}

func methodArgs(typ, name string, args []any, lo, hi int) error {
	if lo == hi {
		name = typ + "." + name
	}
	if err := argCount(name, len(args), lo, hi); err != nil {
		return typeErr("%s", err.Error())
	}
	return nil
}

// callMethod calls recv.name(args).
func (m *machine) callMethod(recv any, name string, args []any, kw kwargs) (any, error) {
	switch x := recv.(type) {
	case *value.Map:
		return m.dictMethod(x, name, args)
	case string:
		return m.strMethod(x, name, args, kw)
	case []any:
		return m.listMethod(x, name, args)
	}
	return nil, noAttr(recv, name)
}

func (m *machine) dictMethod(d *value.Map, name string, args []any) (any, error) {
	if d == nil {
		d = value.NewMap(0)
	}
	switch name {
	case "get":
		if err := methodArgs("dict", "get", args, 1, 2); err != nil {
			return nil, err
		}
		var def any
		if len(args) == 2 {
			def = args[1]
		}
		k, ok := args[0].(string)
		if !ok {
			if _, err := hashKey(args[0]); err != nil {
				return nil, err
			}
			return def, nil
		}
		if v, ok := d.Get(k); ok {
			return v, nil
		}
		return def, nil
	case "keys", "values", "items":
		if err := methodArgs("dict", name, args, 0, 0); err != nil {
			return nil, err
		}
		if err := m.chargeItems(d.Len()); err != nil {
			return nil, err
		}
		out := make([]any, 0, d.Len())
		d.Range(func(k string, v any) bool {
			switch name {
			case "keys":
				out = append(out, k)
			case "values":
				out = append(out, v)
			default:
				out = append(out, []any{k, v})
			}
			return true
		})
		return out, nil
	}
	return nil, noAttr(d, name)
}

func (m *machine) listMethod(l []any, name string, args []any) (any, error) {
	switch name {
	case "count":
		if err := methodArgs("list", "count", args, 1, 1); err != nil {
			return nil, err
		}
		n := 0
		for _, it := range l {
			if err := m.step(); err != nil {
				return nil, err
			}
			e, err := m.eq(it, args[0])
			if err != nil {
				return nil, err
			}
			if e {
				n++
			}
		}
		return n, nil
	case "index":
		if err := methodArgs("list", "index", args, 1, 3); err != nil {
			return nil, err
		}
		var lo, hi any
		if len(args) > 1 {
			lo = args[1]
		}
		if len(args) > 2 {
			hi = args[2]
		}
		start, stop, _, err := sliceIndices(lo, hi, nil, len(l))
		if err != nil {
			return nil, err
		}
		for i := start; i < stop; i++ {
			if err := m.step(); err != nil {
				return nil, err
			}
			e, err := m.eq(l[i], args[0])
			if err != nil {
				return nil, err
			}
			if e {
				return i, nil
			}
		}
		r, err := m.repr(args[0])
		if err != nil {
			return nil, err
		}
		return nil, valueErr("%s is not in list", r)
	}
	return nil, noAttr(l, name)
}

func (m *machine) strMethod(s, name string, args []any, kw kwargs) (any, error) {
	switch name {
	case "lower", "upper":
		if err := methodArgs("str", name, args, 0, 0); err != nil {
			return nil, err
		}
		if err := m.chargeString(len(s)); err != nil {
			return nil, err
		}
		caseOf := fn.Lower
		if name == "upper" {
			caseOf = fn.Upper
		}
		out := caseOf(s)
		if len(out) > maxStringBytes { // full mappings can lengthen it
			return nil, errTooBig("string", maxStringBytes)
		}
		return out, nil
	case "strip", "lstrip", "rstrip":
		if err := methodArgs("str", name, args, 0, 1); err != nil {
			return nil, err
		}
		if err := m.chargeString(len(s)); err != nil {
			return nil, err
		}
		var cut func(rune) bool
		if len(args) == 0 || args[0] == nil {
			cut = unicode.IsSpace
		} else {
			chars, ok := args[0].(string)
			if !ok {
				return nil, typeErr("%s arg must be None or str", name)
			}
			cut = func(r rune) bool { return strings.ContainsRune(chars, r) }
		}
		switch name {
		case "strip":
			return strings.TrimFunc(s, cut), nil
		case "lstrip":
			return strings.TrimLeftFunc(s, cut), nil
		}
		return strings.TrimRightFunc(s, cut), nil
	case "startswith", "endswith":
		if err := methodArgs("str", name, args, 1, 3); err != nil {
			return nil, err
		}
		sub, err := m.strRange(s, args[1:])
		if err != nil {
			return nil, err
		}
		var affixes []any
		switch a := args[0].(type) {
		case string:
			affixes = []any{a}
		case []any:
			affixes = a
		default:
			return nil, typeErr("%s first arg must be str or a tuple of str, not %s", name, typeName(args[0]))
		}
		for _, a := range affixes {
			p, ok := a.(string)
			if !ok {
				return nil, typeErr("tuple for %s must only contain str, not %s", name, typeName(a))
			}
			if sub == nil {
				continue
			}
			if name == "startswith" && strings.HasPrefix(*sub, p) || name == "endswith" && strings.HasSuffix(*sub, p) {
				return true, nil
			}
		}
		return false, nil
	case "split":
		if err := methodArgs("str", name, args, 0, 2); err != nil {
			return nil, err
		}
		sepV := arg(args, 0, kw, "sep", nil)
		maxV := arg(args, 1, kw, "maxsplit", -1)
		maxSplit, ok := value.Int(maxV)
		if !ok {
			return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(maxV))
		}
		var parts []string
		if sepV == nil {
			parts = splitWhitespace(s, maxSplit)
		} else {
			sep, ok := sepV.(string)
			if !ok {
				return nil, typeErr("must be str or None, not %s", typeName(sepV))
			}
			if sep == "" {
				return nil, valueErr("empty separator")
			}
			if maxSplit < 0 {
				parts = strings.Split(s, sep)
			} else {
				parts = strings.SplitN(s, sep, maxSplit+1)
			}
		}
		if err := m.chargeItems(len(parts)); err != nil {
			return nil, err
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "replace":
		if err := methodArgs("str", name, args, 2, 3); err != nil {
			return nil, err
		}
		old, ok1 := args[0].(string)
		repl, ok2 := args[1].(string)
		if !ok1 {
			return nil, typeErr("replace() argument 1 must be str, not %s", typeName(args[0]))
		}
		if !ok2 {
			return nil, typeErr("replace() argument 2 must be str, not %s", typeName(args[1]))
		}
		n := -1
		if len(args) == 3 {
			if n, ok1 = value.Int(args[2]); !ok1 {
				return nil, typeErr("'%s' object cannot be interpreted as an integer", typeName(args[2]))
			}
		}
		count := 0
		if old == "" {
			count = utf8.RuneCountInString(s) + 1
		} else {
			count = strings.Count(s, old)
		}
		if n >= 0 && n < count {
			count = n
		}
		if size := len(s) + count*(len(repl)-len(old)); size > maxStringBytes {
			return nil, errTooBig("string", maxStringBytes)
		} else if err := m.chargeString(size); err != nil {
			return nil, err
		}
		return strings.Replace(s, old, repl, n), nil
	case "join":
		if err := methodArgs("str", name, args, 1, 1); err != nil {
			return nil, err
		}
		var b strings.Builder
		i := 0
		err := m.each(args[0], func(it any) error {
			p, ok := it.(string)
			if !ok {
				return typeErr("sequence item %d: expected str instance, %s found", i, typeName(it))
			}
			if i > 0 {
				b.WriteString(s)
			}
			b.WriteString(p)
			i++
			if b.Len() > maxStringBytes {
				return errTooBig("string", maxStringBytes)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if err := m.chargeString(b.Len()); err != nil {
			return nil, err
		}
		return b.String(), nil
	case "find", "count":
		if err := methodArgs("str", name, args, 1, 3); err != nil {
			return nil, err
		}
		sub, ok := args[0].(string)
		if !ok {
			return nil, typeErr("must be str, not %s", typeName(args[0]))
		}
		start, err := m.strStart(s, args[1:])
		if err != nil {
			return nil, err
		}
		part, err := m.strRange(s, args[1:])
		if err != nil {
			return nil, err
		}
		if part == nil {
			if name == "count" {
				return 0, nil
			}
			return -1, nil
		}
		if name == "count" {
			return strings.Count(*part, sub), nil
		}
		i := strings.Index(*part, sub)
		if i < 0 {
			return -1, nil
		}
		return start + utf8.RuneCountInString((*part)[:i]), nil
	}
	return nil, noAttr(s, name)
}

// strRange returns s[start:end] for the optional start and end arguments
// of find, count, startswith and endswith, or nil when start is past the
// end of s or end is before start (where Python finds nothing, not even
// "").
func (m *machine) strRange(s string, bounds []any) (*string, error) {
	if len(bounds) == 0 {
		return &s, nil
	}
	r := []rune(s)
	var lo, hi any
	lo = bounds[0]
	if len(bounds) > 1 {
		hi = bounds[1]
	}
	start, stop, _, err := sliceIndices(lo, hi, nil, len(r))
	if err != nil {
		return nil, err
	}
	if n, ok := value.Int(lo); ok && (n > len(r) || n < 0 && n+len(r) > len(r)) {
		return nil, nil
	}
	if stop < start {
		return nil, nil
	}
	part := string(r[start:stop])
	return &part, nil
}

// strStart returns the start index, in code points, for find.
func (m *machine) strStart(s string, bounds []any) (int, error) {
	if len(bounds) == 0 {
		return 0, nil
	}
	start, _, _, err := sliceIndices(bounds[0], nil, nil, utf8.RuneCountInString(s))
	return start, err
}

// splitWhitespace is str.split() without a separator.
func splitWhitespace(s string, maxSplit int) []string {
	var out []string
	i := 0
	for {
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += n
		}
		if i >= len(s) {
			return out
		}
		if maxSplit >= 0 && len(out) == maxSplit {
			out = append(out, s[i:])
			return out
		}
		j := i
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		out = append(out, s[i:j])
		i = j
	}
}
