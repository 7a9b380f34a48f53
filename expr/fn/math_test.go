package fn

import (
	"math"
	"testing"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

func TestMath(t *testing.T) {
	t.Parallel()
	dt := value.DateTime{Time: mustTime("2024-01-31T23:00:00Z")}
	naive := value.DateTime{Time: mustTime("2024-01-31T23:00:00Z"), Naive: true}
	runCases(t, []fnCase{
		{name: "ints", fn: "add", args: l(1, 2), want: 3},
		{name: "float", fn: "add", args: l(1, 0.5), want: 1.5},
		{name: "bools", fn: "add", args: l(true, true), want: 2},
		{name: "strings", fn: "add", args: l("a", "b"), want: "ab"},
		{name: "lists", fn: "add", args: l(l(1), l(2)), want: l(1, 2)},
		{name: "datetime", fn: "add", args: l(dt, 2*time.Hour), want: value.DateTime{Time: mustTime("2024-02-01T01:00:00Z")}},
		{name: "durations", fn: "add", args: l(time.Hour, time.Minute), want: time.Hour + time.Minute},
		{name: "date", fn: "add", args: l(value.Date{Year: 2024, Month: 2, Day: 28}, 24*time.Hour), want: value.Date{Year: 2024, Month: 2, Day: 29}},
		{name: "str int", fn: "add", args: l("a", 1), err: `add: can only concatenate str (not "int") to str`},
		{name: "list none", fn: "add", args: l(l(), nil), err: `add: can only concatenate list (not "NoneType") to list`},
		{name: "int none", fn: "add", args: l(1, nil), err: "add: unsupported operand type(s) for +: 'int' and 'NoneType'"},
		{name: "overflow", fn: "add", args: l(math.MaxInt64, 1), err: "add: integer overflow: the result does not fit in 64 bits"},

		{name: "ints", fn: "sub", args: l(1, 3), want: -2},
		{name: "floats", fn: "sub", args: l(1.5, 1), want: 0.5},
		{name: "datetimes", fn: "sub", args: l(value.DateTime{Time: mustTime("2024-02-01T01:00:00Z")}, dt), want: 2 * time.Hour},
		{name: "datetime duration", fn: "sub", args: l(naive, time.Hour), want: value.DateTime{Time: mustTime("2024-01-31T22:00:00Z"), Naive: true}},
		{name: "naive aware", fn: "sub", args: l(naive, dt), err: "sub: can't subtract offset-naive and offset-aware datetimes"},
		{name: "dates", fn: "sub", args: l(value.Date{Year: 2024, Month: 3, Day: 1}, value.Date{Year: 2024, Month: 2, Day: 1}), want: 29 * 24 * time.Hour},
		{name: "strings", fn: "sub", args: l("a", "b"), err: "sub: unsupported operand type(s) for -: 'str' and 'str'"},
		{name: "overflow", fn: "sub", args: l(math.MinInt64, 1), err: "sub: integer overflow: the result does not fit in 64 bits"},

		{name: "ints", fn: "mul", args: l(3, -4), want: -12},
		{name: "float", fn: "mul", args: l(2, 1.5), want: 3.0},
		{name: "string repeat", fn: "mul", args: l("ab", 3), want: "ababab"},
		{name: "int first", fn: "mul", args: l(2, l(1)), want: l(1, 1)},
		{name: "negative repeat", fn: "mul", args: l("ab", -1), want: ""},
		{name: "empty list huge repeat", fn: "mul", args: l(l(), math.MaxInt64), want: l()},
		{name: "duration", fn: "mul", args: l(time.Minute, 1.5), want: 90 * time.Second},
		{name: "float repeat", fn: "mul", args: l("ab", 1.5), err: "mul: can't multiply sequence by non-int of type 'float'"},
		{name: "none", fn: "mul", args: l(nil, 2), err: "mul: unsupported operand type(s) for *: 'NoneType' and 'int'"},
		{name: "overflow", fn: "mul", args: l(math.MaxInt64, 2), err: "mul: integer overflow: the result does not fit in 64 bits"},
		{name: "too large", fn: "mul", args: l("ab", 100_000_000), err: "mul: the result would have more than 10000000 items"},

		{name: "true division", fn: "div", args: l(7, 2), want: 3.5},
		{name: "exact", fn: "div", args: l(4, 2), want: 2.0},
		{name: "zero", fn: "div", args: l(1, 0), err: "div: Cannot divide by zero"},
		{name: "zero float", fn: "div", args: l(1.0, 0.0), err: "div: Cannot divide by zero"},
		{name: "false", fn: "div", args: l(1, false), err: "div: Cannot divide by zero"},
		{name: "duration", fn: "div", args: l(time.Hour, 4), want: 15 * time.Minute},
		{name: "durations", fn: "div", args: l(time.Hour, 30*time.Minute), want: 2.0},
		{name: "string", fn: "div", args: l("a", 2), err: "div: unsupported operand type(s) for /: 'str' and 'int'"},

		{name: "ints", fn: "mod", args: l(7, 3), want: 1},
		{name: "negative dividend", fn: "mod", args: l(-7, 3), want: 2},
		{name: "negative divisor", fn: "mod", args: l(7, -3), want: -2},
		{name: "floats", fn: "mod", args: l(-7.5, 2), want: 0.5},
		{name: "float zero sign", fn: "mod", args: l(4.0, -2), want: math.Copysign(0, -1)},
		{name: "zero", fn: "mod", args: l(1, 0), err: "mod: Cannot calculate modulo with zero"},
		{name: "string", fn: "mod", args: l("a", 2), err: "mod: unsupported operand type(s) for %: 'str' and 'int'"},

		{name: "ints", fn: "pow", args: l(2, 10), want: 1024},
		{name: "negative exponent", fn: "pow", args: l(2, -1), want: 0.5},
		{name: "float", fn: "pow", args: l(4, 0.5), want: 2.0},
		{name: "zero negative", fn: "pow", args: l(0, -1), err: "pow: 0.0 cannot be raised to a negative power"},
		{name: "complex", fn: "pow", args: l(-8, 0.5), err: "pow: a negative number raised to a fractional power gives a complex number, which is not supported"},
		{name: "overflow", fn: "pow", args: l(2, 64), err: "pow: integer overflow: the result does not fit in 64 bits"},
		{name: "float overflow", fn: "pow", args: l(10.0, 400), err: "pow: (34, 'Numerical result out of range')"},
		{name: "string", fn: "pow", args: l("a", 2), err: "pow: unsupported operand type(s) for ** or pow(): 'str' and 'int'"},

		{name: "ints", fn: "sum", args: l(l(1, 2, 3)), want: 6},
		{name: "start", fn: "sum", args: l(l(1, 2), 10), want: 13},
		{name: "empty", fn: "sum", args: l(l()), want: 0},
		{name: "compensated floats", fn: "sum", args: l(l(0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1)), want: 1.0},
		{name: "mixed", fn: "sum", args: l(l(1, 0.5, true)), want: 2.5},
		{name: "lists", fn: "sum", args: l(l(l(1), l(2)), l()), want: l(1, 2)},
		{name: "strings", fn: "sum", args: l(l("a"), ""), err: "sum: sum() can't sum strings [use ''.join(seq) instead]"},
		{name: "string item", fn: "sum", args: l(l(1, "a")), err: "sum: unsupported operand type(s) for +: 'int' and 'str'"},
		{name: "none", fn: "sum", args: l(nil), err: "sum: argument 1 must be a list, got None (NoneType)"},

		{name: "ints", fn: "min", args: l(3, 2), want: 2},
		{name: "first when equal", fn: "min", args: l(1, 1.0), want: 1},
		{name: "strings", fn: "min", args: l("b", "a"), want: "a"},
		{name: "mixed", fn: "min", args: l(1, "a"), err: "min: '<' not supported between instances of 'str' and 'int'"},
		{name: "ints", fn: "max", args: l(1, 100), want: 100},
		{name: "first when equal", fn: "max", args: l(2.0, 2), want: 2.0},
		{name: "none", fn: "max", args: l(nil, 1), err: "max: '>' not supported between instances of 'int' and 'NoneType'"},
	})
}

func BenchmarkAdd(b *testing.B) {
	f, _ := Lookup("add")
	for b.Loop() {
		if _, err := f.Call(1, 2); err != nil {
			b.Fatal(err)
		}
	}
}
