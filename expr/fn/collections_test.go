package fn

import "testing"

func TestCollections(t *testing.T) {
	t.Parallel()
	runCases(t, []fnCase{
		{name: "string", fn: "length", args: l("héllo"), want: 5},
		{name: "list", fn: "length", args: l(l(1, 2)), want: 2},
		{name: "dict", fn: "length", args: l(m("a", 1)), want: 1},
		{name: "none", fn: "length", args: l(nil), err: "length: object of type 'NoneType' has no len()"},
		{name: "int", fn: "length", args: l(5), err: "length: object of type 'int' has no len()"},

		{name: "list", fn: "at", args: l(l("a", "b", "c"), 1), want: "b"},
		{name: "negative", fn: "at", args: l(l("a", "b", "c"), -1), want: "c"},
		{name: "string", fn: "at", args: l("héllo", 1), want: "é"},
		{name: "ascii string negative", fn: "at", args: l("abc", -3), want: "a"},
		{name: "dict", fn: "at", args: l(m("k", 1), "k"), want: 1},
		{name: "missing key", fn: "at", args: l(m("k", 1), "x"), err: "at: key 'x' not found"},
		{name: "out of range", fn: "at", args: l(l(1), 3), err: "at: list index 3 out of range for a list of 1 items"},
		{name: "string out of range", fn: "at", args: l("ab", -3), err: "at: string index -3 out of range for a string of 2 characters"},
		{name: "bad index", fn: "at", args: l(l(1), "0"), err: "at: list indices must be integers, not str"},
		{name: "none", fn: "at", args: l(nil, 0), err: "at: argument 1 must be a list, string or dict, got None (NoneType)"},

		{name: "list", fn: "contains", args: l(2, l(1, 2.0)), want: true},
		{name: "list dict item", fn: "contains", args: l(m("a", 1), l(m("a", 1))), want: true},
		{name: "substring", fn: "contains", args: l("ell", "hello"), want: true},
		{name: "key", fn: "contains", args: l("a", m("a", nil)), want: true},
		{name: "non-string key", fn: "contains", args: l(1, m("1", nil)), want: false},
		{name: "unhashable key", fn: "contains", args: l(l(), m()), err: "contains: unhashable type: 'list'"},
		{name: "int in string", fn: "contains", args: l(1, "123"), err: "contains: 'in <string>' requires string as left operand, not int"},
		{name: "none container", fn: "contains", args: l(1, nil), err: "contains: argument of type 'NoneType' is not iterable"},
		{name: "list", fn: "is_in", args: l("x", l("a")), want: false},
		{name: "list", fn: "does_not_contain", args: l("x", l("a")), want: true},
		{name: "substring", fn: "not_in", args: l("a", "abc"), want: false},
		{name: "key", fn: "is_not_in", args: l("b", m("a", 1)), want: true},
		{name: "error", fn: "is_not_in", args: l("b", 3), err: "is_not_in: argument of type 'int' is not iterable"},

		{name: "overlap", fn: "contains_any_of", args: l(l(1, 2, 3), l(9, 3)), want: true},
		{name: "none", fn: "contains_any_of", args: l(l(1, 2), l(3)), want: false},
		{name: "substrings", fn: "contains_any_of", args: l("hello world", l("xyz", "wor")), want: true},
		{name: "empty", fn: "contains_any_of", args: l(l(1), l()), want: false},
		{name: "bad", fn: "contains_any_of", args: l(l(1), nil), err: "contains_any_of: argument 2 must be a list, got None (NoneType)"},
		{name: "none", fn: "contains_none_of", args: l(l(1, 2), l(3, 4)), want: true},
		{name: "some", fn: "contains_none_of", args: l(l(1, 2), l(2)), want: false},
		{name: "bad container", fn: "contains_none_of", args: l(nil, l(2)), err: "contains_none_of: argument of type 'NoneType' is not iterable"},

		{name: "empty list", fn: "is_empty", args: l(l()), want: true},
		{name: "string", fn: "is_empty", args: l("a"), want: false},
		{name: "dict", fn: "is_empty", args: l(m()), want: true},
		{name: "none", fn: "is_empty", args: l(nil), err: "is_empty: object of type 'NoneType' has no len()"},
		{name: "list", fn: "not_empty", args: l(l(1)), want: true},
		{name: "string", fn: "not_empty", args: l(""), want: false},
		{name: "int", fn: "not_empty", args: l(0), err: "not_empty: object of type 'int' has no len()"},
		{name: "dict", fn: "is_not_empty", args: l(m("a", 1)), want: true},

		{name: "nulls", fn: "compact", args: l(l(1, nil, "", 0, nil)), want: l(1, "", 0)},
		{name: "bad", fn: "compact", args: l("abc"), err: "compact: argument 1 must be a list, got 'abc' (str)"},
		{name: "nulls and empty", fn: "drop_nulls", args: l(l(1, nil, "", 0, false, l())), want: l(1, 0, false, l())},
		{name: "bad", fn: "drop_nulls", args: l(nil), err: "drop_nulls: argument 1 must be a list, got None (NoneType)"},

		{name: "nested", fn: "flatten", args: l(l(1, l(2, l(3, l())), "ab", m("k", l(1)))), want: l(1, 2, 3, "ab", m("k", l(1)))},
		{name: "bad", fn: "flatten", args: l(m()), err: "flatten: argument 1 must be a list, got {} (dict)"},

		{name: "first seen", fn: "unique", args: l(l(3, 1, 3, 1.0, true, "a", nil, "a", nil)), want: l(3, 1, "a", nil)},
		{name: "string chars", fn: "unique", args: l("abca"), want: l("a", "b", "c")},
		{name: "unhashable", fn: "unique", args: l(l(l(1))), err: "unique: unhashable type: 'list'"},
		{name: "dict item", fn: "unique", args: l(l(m())), err: "unique: unhashable type: 'dict'"},

		{name: "two", fn: "union", args: l(l(1, 2), l(2, 3)), want: l(1, 2, 3)},
		{name: "three", fn: "union", args: l(l("a"), l("b", "a"), l("c")), want: l("a", "b", "c")},
		{name: "unhashable", fn: "union", args: l(l(1), l(l(2))), err: "union: unhashable type: 'list'"},
		{name: "bad", fn: "union", args: l(l(1), 2), err: "union: argument 2 must be a list, got 2 (int)"},
		{name: "common", fn: "intersection", args: l(l(3, 1, 2, 3), l(2, 3, 4)), want: l(3, 2)},
		{name: "none", fn: "intersection", args: l(l(1), l()), want: l()},
		{name: "unhashable b", fn: "intersection", args: l(l(1), l(m())), err: "intersection: unhashable type: 'dict'"},
		{name: "minus", fn: "difference", args: l(l(1, 2, 3, 1), l(2)), want: l(1, 3)},
		{name: "bad", fn: "difference", args: l(nil, l()), err: "difference: argument 1 must be a list, got None (NoneType)"},
		{name: "both sides", fn: "symmetric_difference", args: l(l(1, 2, 3), l(3, 4, 1.0)), want: l(2, 4)},

		{name: "shortest", fn: "zip", args: l(l(1, 2, 3), l("a", "b")), want: l(l(1, "a"), l(2, "b"))},
		{name: "none", fn: "zip", args: l(), want: l()},
		{name: "bad", fn: "zip", args: l(l(1), 5), err: "zip: argument 2 must be a list, got 5 (int)"},

		{name: "two", fn: "iter_product", args: l(l(1, 2), l("a", "b")), want: l(l(1, "a"), l(1, "b"), l(2, "a"), l(2, "b"))},
		{name: "empty factor", fn: "iter_product", args: l(l(1), l()), want: l()},
		{name: "no args", fn: "iter_product", args: l(), want: l(l())},
		{name: "bad", fn: "iter_product", args: l(nil), err: "iter_product: argument 1 must be a list, got None (NoneType)"},

		{name: "basic", fn: "range", args: l(0, 3), want: l(0, 1, 2)},
		{name: "step", fn: "range", args: l(1, 10, 4), want: l(1, 5, 9)},
		{name: "negative step", fn: "range", args: l(3, 0, -1), want: l(3, 2, 1)},
		{name: "empty", fn: "range", args: l(3, 1), want: l()},
		{name: "zero step", fn: "range", args: l(0, 3, 0), err: "range: range() arg 3 must not be zero"},
		{name: "float", fn: "range", args: l(0, 2.5), err: "range: argument 2 must be an integer, got 2.5 (float): 'float' object cannot be interpreted as an integer"},
		{name: "too big", fn: "range", args: l(0, 10_000_000), err: "range: the range has 10000000 items, more than the limit of 1000000"},

		{name: "pairs", fn: "zip_map", args: l(l("a", "b", "c"), l(1, 2)), want: m("a", 1, "b", 2)},
		{name: "later wins", fn: "zip_map", args: l(l("a", "a"), l(1, 2)), want: m("a", 2)},
		{name: "non-string key", fn: "zip_map", args: l(l(1), l(2)), err: "zip_map: item [0] of argument 1 must be a string (dict keys are strings), got 1 (int)"},
		{name: "bad", fn: "zip_map", args: l(l("a"), nil), err: "zip_map: argument 2 must be a list, got None (NoneType)"},
	})
}

func BenchmarkUnique(b *testing.B) {
	f, _ := Lookup("unique")
	in := make([]any, 100)
	for i := range in {
		in[i] = i % 37
	}
	for b.Loop() {
		if _, err := f.Call(in); err != nil {
			b.Fatal(err)
		}
	}
}
