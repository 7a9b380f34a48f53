package fn

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr/value"
)

// Collection functions: length, at, contains, is_in, does_not_contain,
// not_in, is_not_in, contains_any_of, contains_none_of, is_empty, not_empty,
// is_not_empty, compact, drop_nulls, flatten, unique, union, intersection,
// difference, symmetric_difference, zip, iter_product, range, zip_map.
//
// The set functions (unique, union, intersection, difference,
// symmetric_difference) have Python set semantics: items must be hashable
// (no lists or dicts) and 1, 1.0 and True are the same item. Python does not
// define the order of a set; these functions return items in a fixed order
// instead: first-seen order, scanning the first argument and then the
// second, keeping the first occurrence of each item.

func init() {
	register(&Func{Name: "length", MinArgs: 1, MaxArgs: 1, Doc: "Length of a string (characters), list or dict.", Call: colLength,
		Call1: func(a any) (any, error) { return colLength(a) }})
	register(&Func{Name: "at", MinArgs: 2, MaxArgs: 2, Doc: "seq[i]: item of a list or character of a string (negative counts from the end), or value of a dict key.", Call: colAt})
	register(&Func{Name: "contains", MinArgs: 2, MaxArgs: 2, Doc: "item in coll (item first): list membership, substring, or dict key.", Call: membership("contains", false)})
	register(&Func{Name: "is_in", MinArgs: 2, MaxArgs: 2, Doc: "item in coll (item first).", Call: membership("is_in", false)})
	register(&Func{Name: "does_not_contain", MinArgs: 2, MaxArgs: 2, Doc: "item not in coll (item first).", Call: membership("does_not_contain", true)})
	register(&Func{Name: "not_in", MinArgs: 2, MaxArgs: 2, Doc: "item not in coll (item first).", Call: membership("not_in", true)})
	register(&Func{Name: "is_not_in", MinArgs: 2, MaxArgs: 2, Doc: "item not in coll (item first).", Call: membership("is_not_in", true)})
	register(&Func{Name: "contains_any_of", MinArgs: 2, MaxArgs: 2, Doc: "Whether any item of b is in a.", Call: overlap("contains_any_of", false)})
	register(&Func{Name: "contains_none_of", MinArgs: 2, MaxArgs: 2, Doc: "Whether no item of b is in a.", Call: overlap("contains_none_of", true)})
	register(&Func{Name: "is_empty", MinArgs: 1, MaxArgs: 1, Doc: "Whether a string, list or dict has length 0.", Call: emptiness("is_empty", true)})
	register(&Func{Name: "not_empty", MinArgs: 1, MaxArgs: 1, Doc: "Whether a string, list or dict has length > 0.", Call: emptiness("not_empty", false)})
	register(&Func{Name: "is_not_empty", MinArgs: 1, MaxArgs: 1, Doc: "Whether a string, list or dict has length > 0.", Call: emptiness("is_not_empty", false)})
	register(&Func{Name: "compact", MinArgs: 1, MaxArgs: 1, Doc: "Drop null items from a list.", Call: colCompact})
	register(&Func{Name: "drop_nulls", MinArgs: 1, MaxArgs: 1, Doc: "Drop null and empty-string items from a list.", Call: colDropNulls})
	register(&Func{Name: "flatten", MinArgs: 1, MaxArgs: 1, Doc: "Flatten nested lists recursively (strings and dicts are items).", Call: colFlatten})
	register(&Func{Name: "unique", MinArgs: 1, MaxArgs: 1, Doc: "Distinct items, in first-seen order (items must be hashable).", Call: colUnique})
	register(&Func{Name: "union", MinArgs: 2, MaxArgs: Variadic, Doc: "Set union, in first-seen order.", Call: colUnion})
	register(&Func{Name: "intersection", MinArgs: 2, MaxArgs: 2, Doc: "Items of a that are in b, in first-seen order.", Call: colIntersection})
	register(&Func{Name: "difference", MinArgs: 2, MaxArgs: 2, Doc: "Items of a that are not in b, in first-seen order.", Call: colDifference})
	register(&Func{Name: "symmetric_difference", MinArgs: 2, MaxArgs: 2, Doc: "Items in exactly one of a and b: those of a first, then those of b.", Call: colSymmetricDifference})
	register(&Func{Name: "zip", MinArgs: 0, MaxArgs: Variadic, Doc: "Lists of the i-th items of each list, stopping at the shortest.", Call: colZip})
	register(&Func{Name: "iter_product", MinArgs: 0, MaxArgs: Variadic, Doc: "Cartesian product of lists, as lists.", Call: colProduct})
	register(&Func{Name: "range", MinArgs: 2, MaxArgs: 3, Doc: "Integers from start up to end (exclusive) by step (default 1).", Call: colRange})
	register(&Func{Name: "zip_map", MinArgs: 2, MaxArgs: 2, Doc: "Dict from a list of keys and a list of values.", Call: colZipMap})
}

// maxGenerated bounds the lists that range and iter_product build, since
// templates are untrusted input.
const maxGenerated = 1_000_000

// pyLen is Python's len(); ok is false for values without a length.
func pyLen(v any) (int, bool) {
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x), true
	case []any:
		return len(x), true
	case *value.Map:
		return x.Len(), true
	}
	return 0, false
}

func noLen(fn string, v any) error {
	return fmt.Errorf("%s: object of type '%s' has no len()", fn, value.TypeName(v))
}

func colLength(args ...any) (any, error) {
	n, ok := pyLen(args[0])
	if !ok {
		return nil, noLen("length", args[0])
	}
	return n, nil
}

func colAt(args ...any) (any, error) {
	if m, ok := args[0].(*value.Map); ok {
		k, err := value.HashKey(args[1])
		if err != nil {
			return nil, fmt.Errorf("at: %w", err)
		}
		if ks, ok := k.(string); ok {
			if v, ok := m.Get(ks); ok {
				return v, nil
			}
		}
		return nil, fmt.Errorf("at: key %s not found", shortRepr(args[1]))
	}
	var kind string
	switch args[0].(type) {
	case []any:
		kind = "list"
	case string:
		kind = "string"
	default:
		return nil, argErr("at", 0, "a list, string or dict", args[0])
	}
	i, ok := value.Int(args[1])
	if !ok {
		return nil, fmt.Errorf("at: %s indices must be integers, not %s", kind, value.TypeName(args[1]))
	}
	switch x := args[0].(type) {
	case []any:
		j := i
		if j < 0 {
			j += len(x)
		}
		if j < 0 || j >= len(x) {
			return nil, fmt.Errorf("at: list index %d out of range for a list of %d items", i, len(x))
		}
		return x[j], nil
	default:
		s := x.(string)
		if isASCII(s) {
			j := i
			if j < 0 {
				j += len(s)
			}
			if j >= 0 && j < len(s) {
				return s[j : j+1], nil
			}
		} else {
			rs := []rune(s)
			j := i
			if j < 0 {
				j += len(rs)
			}
			if j >= 0 && j < len(rs) {
				return string(rs[j]), nil
			}
		}
		return nil, fmt.Errorf("at: string index %d out of range for a string of %d characters", i, utf8.RuneCountInString(s))
	}
}

// pyIn is Python's `item in coll`.
func pyIn(item, coll any) (bool, error) {
	switch c := coll.(type) {
	case []any:
		for _, v := range c {
			if value.Equal(item, v) {
				return true, nil
			}
		}
		return false, nil
	case string:
		s, ok := item.(string)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", value.TypeName(item))
		}
		return strings.Contains(c, s), nil
	case *value.Map:
		k, err := value.HashKey(item)
		if err != nil {
			return false, err
		}
		if ks, ok := k.(string); ok {
			_, found := c.Get(ks)
			return found, nil
		}
		return false, nil
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", value.TypeName(coll))
}

func membership(name string, negate bool) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		in, err := pyIn(args[0], args[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return in != negate, nil
	}
}

func overlap(name string, none bool) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		items, err := argIter(name, args, 1)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			in, err := pyIn(it, args[0])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if in {
				return !none, nil
			}
		}
		return none, nil
	}
}

func emptiness(name string, empty bool) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		n, ok := pyLen(args[0])
		if !ok {
			return nil, noLen(name, args[0])
		}
		return (n == 0) == empty, nil
	}
}

func colCompact(args ...any) (any, error) {
	l, err := argList("compact", args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(l))
	for _, v := range l {
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

func colDropNulls(args ...any) (any, error) {
	l, err := argList("drop_nulls", args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(l))
	for _, v := range l {
		if v != nil && v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

func colFlatten(args ...any) (any, error) {
	l, err := argList("flatten", args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(l))
	var walk func(l []any)
	walk = func(l []any) {
		for _, v := range l {
			if sub, ok := v.([]any); ok {
				walk(sub)
			} else {
				out = append(out, v)
			}
		}
	}
	walk(l)
	return out, nil
}

// orderedSet collects hashable items in first-seen order.
type orderedSet struct {
	seen  map[any]struct{}
	items []any
}

func newOrderedSet(n int) *orderedSet {
	return &orderedSet{seen: make(map[any]struct{}, n), items: make([]any, 0, n)}
}

// add inserts v unless an equal item is present.
func (s *orderedSet) add(v any) error {
	k, err := value.HashKey(v)
	if err != nil {
		return err
	}
	if _, dup := s.seen[k]; !dup {
		s.seen[k] = struct{}{}
		s.items = append(s.items, v)
	}
	return nil
}

func (s *orderedSet) has(v any) bool {
	k, err := value.HashKey(v)
	if err != nil {
		return false
	}
	_, ok := s.seen[k]
	return ok
}

// setArg reads argument i as a set.
func setArg(fn string, args []any, i int) (*orderedSet, error) {
	items, err := argIter(fn, args, i)
	if err != nil {
		return nil, err
	}
	s := newOrderedSet(len(items))
	for _, v := range items {
		if err := s.add(v); err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
	}
	return s, nil
}

func colUnique(args ...any) (any, error) {
	s, err := setArg("unique", args, 0)
	if err != nil {
		return nil, err
	}
	return s.items, nil
}

func colUnion(args ...any) (any, error) {
	s, err := setArg("union", args, 0)
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(args); i++ {
		items, err := argIter("union", args, i)
		if err != nil {
			return nil, err
		}
		for _, v := range items {
			if err := s.add(v); err != nil {
				return nil, fmt.Errorf("union: %w", err)
			}
		}
	}
	return s.items, nil
}

func twoSets(fn string, args []any) (*orderedSet, *orderedSet, error) {
	a, err := setArg(fn, args, 0)
	if err != nil {
		return nil, nil, err
	}
	b, err := setArg(fn, args, 1)
	if err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

func colIntersection(args ...any) (any, error) {
	a, b, err := twoSets("intersection", args)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, min(len(a.items), len(b.items)))
	for _, v := range a.items {
		if b.has(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func colDifference(args ...any) (any, error) {
	a, b, err := twoSets("difference", args)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(a.items))
	for _, v := range a.items {
		if !b.has(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func colSymmetricDifference(args ...any) (any, error) {
	a, b, err := twoSets("symmetric_difference", args)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(a.items)+len(b.items))
	for _, v := range a.items {
		if !b.has(v) {
			out = append(out, v)
		}
	}
	for _, v := range b.items {
		if !a.has(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func iterArgs(fn string, args []any) ([][]any, error) {
	lists := make([][]any, len(args))
	for i := range args {
		l, err := argIter(fn, args, i)
		if err != nil {
			return nil, err
		}
		lists[i] = l
	}
	return lists, nil
}

func colZip(args ...any) (any, error) {
	lists, err := iterArgs("zip", args)
	if err != nil {
		return nil, err
	}
	if len(lists) == 0 {
		return []any{}, nil
	}
	n := len(lists[0])
	for _, l := range lists[1:] {
		n = min(n, len(l))
	}
	out := make([]any, n)
	for i := range out {
		row := make([]any, len(lists))
		for j, l := range lists {
			row[j] = l[i]
		}
		out[i] = row
	}
	return out, nil
}

func colProduct(args ...any) (any, error) {
	lists, err := iterArgs("iter_product", args)
	if err != nil {
		return nil, err
	}
	total := 1
	for _, l := range lists {
		total *= len(l)
		if total > maxGenerated {
			return nil, fmt.Errorf("iter_product: the product has more than %d items", maxGenerated)
		}
	}
	out := make([]any, 0, total)
	idx := make([]int, len(lists))
	for range total {
		row := make([]any, len(lists))
		for j, l := range lists {
			row[j] = l[idx[j]]
		}
		out = append(out, row)
		for j := len(idx) - 1; j >= 0; j-- {
			if idx[j]++; idx[j] < len(lists[j]) {
				break
			}
			idx[j] = 0
		}
	}
	return out, nil
}

func colRange(args ...any) (any, error) {
	var bounds [3]int
	bounds[2] = 1
	for i := range args {
		n, ok := value.Int(args[i])
		if !ok {
			return nil, fmt.Errorf("range: argument %d must be an integer, got %s (%s): '%s' object cannot be interpreted as an integer", i+1, shortRepr(args[i]), value.TypeName(args[i]), value.TypeName(args[i]))
		}
		bounds[i] = n
	}
	start, end, step := bounds[0], bounds[1], bounds[2]
	if step == 0 {
		return nil, fmt.Errorf("range: range() arg 3 must not be zero")
	}
	n := 0
	if step > 0 && start < end {
		n = int((uint64(end-start) + uint64(step) - 1) / uint64(step))
	} else if step < 0 && start > end {
		n = int((uint64(start-end) + uint64(-step) - 1) / uint64(-step))
	}
	if n > maxGenerated {
		return nil, fmt.Errorf("range: the range has %d items, more than the limit of %d", n, maxGenerated)
	}
	out := make([]any, n)
	for i := range out {
		out[i] = start + i*step
	}
	return out, nil
}

func colZipMap(args ...any) (any, error) {
	keys, err := argIter("zip_map", args, 0)
	if err != nil {
		return nil, err
	}
	vals, err := argIter("zip_map", args, 1)
	if err != nil {
		return nil, err
	}
	n := min(len(keys), len(vals))
	m := value.NewMap(n)
	for i := 0; i < n; i++ {
		k, ok := keys[i].(string)
		if !ok {
			return nil, itemErr("zip_map", 0, i, "a string (dict keys are strings)", keys[i])
		}
		m.Set(k, vals[i])
	}
	return m, nil
}
