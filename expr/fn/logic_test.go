package fn

import (
	"math"
	"testing"
	"time"
)

func TestLogic(t *testing.T) {
	t.Parallel()
	runCases(t, []fnCase{
		{name: "int float", fn: "is_equal", args: l(1, 1.0), want: true},
		{name: "bool int", fn: "is_equal", args: l(true, 1), want: true},
		{name: "str int", fn: "is_equal", args: l("1", 1), want: false},
		{name: "dict order", fn: "is_equal", args: l(m("a", 1, "b", 2), m("b", 2, "a", 1)), want: true},
		{name: "none", fn: "is_equal", args: l(nil, nil), want: true},
		{name: "differs", fn: "not_equal", args: l(1, 2), want: true},
		{name: "same", fn: "not_equal", args: l(l(1), l(1.0)), want: false},
		{name: "differs", fn: "is_not_equal", args: l("a", "b"), want: true},

		{name: "ints", fn: "greater_than", args: l(3, 2), want: true},
		{name: "int float", fn: "greater_than", args: l(2, 2.5), want: false},
		{name: "strings", fn: "greater_than", args: l("b", "a"), want: true},
		{name: "lists", fn: "greater_than", args: l(l(1, 3), l(1, 2, 9)), want: true},
		{name: "str int", fn: "greater_than", args: l("a", 1), err: "greater_than: '>' not supported between instances of 'str' and 'int'"},
		{name: "none", fn: "greater_than", args: l(nil, 1), err: "greater_than: '>' not supported between instances of 'NoneType' and 'int'"},
		{name: "equal", fn: "greater_than_or_equal", args: l(2, 2.0), want: true},
		{name: "dicts", fn: "greater_than_or_equal", args: l(m(), m()), err: "greater_than_or_equal: '>=' not supported between instances of 'dict' and 'dict'"},
		{name: "less", fn: "less_than", args: l(1, 2), want: true},
		{name: "nan", fn: "less_than", args: l(1, nan()), want: false},
		{name: "bool", fn: "less_than", args: l(false, true), want: true},
		{name: "int str", fn: "less_than", args: l(1, "2"), err: "less_than: '<' not supported between instances of 'int' and 'str'"},
		{name: "equal", fn: "less_than_or_equal", args: l("a", "a"), want: true},
		{name: "mixed list", fn: "less_than_or_equal", args: l(l(1), l("a")), err: "less_than_or_equal: '<=' not supported between instances of 'int' and 'str'"},

		{name: "none", fn: "is_null", args: l(nil), want: true},
		{name: "empty string", fn: "is_null", args: l(""), want: false},
		{name: "none", fn: "not_null", args: l(nil), want: false},
		{name: "zero", fn: "not_null", args: l(0), want: true},
		{name: "value", fn: "is_not_null", args: l(l()), want: true},

		{name: "truthy", fn: "and", args: l(1, "b"), want: "b"},
		{name: "falsy", fn: "and", args: l("", "b"), want: ""},
		{name: "empty list", fn: "and", args: l(l(), true), want: l()},
		{name: "truthy", fn: "or", args: l("a", "b"), want: "a"},
		{name: "falsy", fn: "or", args: l(nil, 0), want: 0},
		{name: "empty map", fn: "or", args: l(m(), "d"), want: "d"},
		{name: "none", fn: "not", args: l(nil), want: true},
		{name: "string", fn: "not", args: l("x"), want: false},
		{name: "zero float", fn: "not", args: l(0.0), want: true},
	})
}

func nan() float64 { return math.NaN() }

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}
