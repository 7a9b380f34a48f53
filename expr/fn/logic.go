package fn

import (
	"fmt"

	"github.com/actuatehq/actuate/expr/value"
)

// Comparison and logic functions: is_equal, not_equal, is_not_equal,
// greater_than, greater_than_or_equal, less_than, less_than_or_equal,
// is_null, not_null, is_not_null, and, or, not.

func init() {
	register(&Func{Name: "is_equal", MinArgs: 2, MaxArgs: 2, Doc: "a == b (Python equality: 1 == 1.0, lists and dicts by content).", Call: logicEqual})
	register(&Func{Name: "not_equal", MinArgs: 2, MaxArgs: 2, Doc: "a != b.", Call: logicNotEqual})
	register(&Func{Name: "is_not_equal", MinArgs: 2, MaxArgs: 2, Doc: "a != b.", Call: logicNotEqual})
	register(&Func{Name: "greater_than", MinArgs: 2, MaxArgs: 2, Doc: "a > b (Python ordering; mixed types such as str and int are an error).", Call: compareFunc("greater_than", ">")})
	register(&Func{Name: "greater_than_or_equal", MinArgs: 2, MaxArgs: 2, Doc: "a >= b.", Call: compareFunc("greater_than_or_equal", ">=")})
	register(&Func{Name: "less_than", MinArgs: 2, MaxArgs: 2, Doc: "a < b.", Call: compareFunc("less_than", "<")})
	register(&Func{Name: "less_than_or_equal", MinArgs: 2, MaxArgs: 2, Doc: "a <= b.", Call: compareFunc("less_than_or_equal", "<=")})
	register(&Func{Name: "is_null", MinArgs: 1, MaxArgs: 1, Doc: "Whether x is None.", Call: logicIsNull})
	register(&Func{Name: "not_null", MinArgs: 1, MaxArgs: 1, Doc: "Whether x is not None.", Call: logicNotNull})
	register(&Func{Name: "is_not_null", MinArgs: 1, MaxArgs: 1, Doc: "Whether x is not None.", Call: logicNotNull})
	register(&Func{Name: "and", MinArgs: 2, MaxArgs: 2, Doc: "Python `a and b`: a when a is falsy, else b.", Call: logicAnd})
	register(&Func{Name: "or", MinArgs: 2, MaxArgs: 2, Doc: "Python `a or b`: a when a is truthy, else b.", Call: logicOr})
	register(&Func{Name: "not", MinArgs: 1, MaxArgs: 1, Doc: "Python `not x`.", Call: logicNot})
}

func logicEqual(args ...any) (any, error)    { return value.Equal(args[0], args[1]), nil }
func logicNotEqual(args ...any) (any, error) { return !value.Equal(args[0], args[1]), nil }
func logicIsNull(args ...any) (any, error)   { return args[0] == nil, nil }
func logicNotNull(args ...any) (any, error)  { return args[0] != nil, nil }
func logicNot(args ...any) (any, error)      { return !value.Truthy(args[0]), nil }

func logicAnd(args ...any) (any, error) {
	if !value.Truthy(args[0]) {
		return args[0], nil
	}
	return args[1], nil
}

func logicOr(args ...any) (any, error) {
	if value.Truthy(args[0]) {
		return args[0], nil
	}
	return args[1], nil
}

func compareFunc(name, op string) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		ok, err := value.CompareOp(op, args[0], args[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return ok, nil
	}
}
