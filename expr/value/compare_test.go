package value

import (
	"math"
	"testing"
	"time"
)

func TestCompareOp(t *testing.T) {
	t.Parallel()
	naive := DateTime{Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Naive: true}
	aware := DateTime{Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	awareLater := DateTime{Time: time.Date(2024, 1, 1, 2, 0, 0, 0, time.FixedZone("", 3600))}
	for _, tc := range []struct {
		op   string
		a, b any
		want bool
		err  string
	}{
		{"<", 1, 2, true, ""},
		{"<", 2, 1.5, false, ""},
		{"<=", 1, 1.0, true, ""},
		{">", true, 0, true, ""},
		{">=", false, 0.0, true, ""},
		{"<", 9007199254740993, 9007199254740992.0, false, ""},
		{">", 9007199254740993, 9007199254740992.0, true, ""},
		{"<", 5, 9.25e18, true, ""},
		{"<", math.MaxInt64, 9223372036854775808.0, true, ""},
		{">", 5, -9.25e18, true, ""},
		{">=", math.MinInt64, -9223372036854775808.0, true, ""},
		{">", math.MinInt64, -9223372036854777856.0, true, ""},
		{"<", 3, math.Inf(1), true, ""},
		{">", 3, math.Inf(-1), true, ""},
		{"<", 1, math.NaN(), false, ""},
		{">=", math.NaN(), math.NaN(), false, ""},
		{"<", 0.5, 1, true, ""},
		{"<", -0.5, 0, true, ""},
		{"<", "a", "b", true, ""},
		{"<", "Z", "a", true, ""},
		{"<", "é", "z", false, ""},
		{"<", []any{1, 2}, []any{1, 3}, true, ""},
		{"<", []any{1, 2}, []any{1, 2, 0}, true, ""},
		{">=", []any{1, "a"}, []any{1.0, "a"}, true, ""},
		{"<", []any{1, "a"}, []any{1, 2}, false, "'<' not supported between instances of 'str' and 'int'"},
		{"<", naive, DateTime{Time: naive.Time.Add(time.Second), Naive: true}, true, ""},
		{"<", aware, awareLater, true, ""},
		{">", aware, awareLater, false, ""},
		{"<=", aware, awareLater, true, ""},
		{"<", naive, aware, false, "can't compare offset-naive and offset-aware datetimes"},
		{"<", Date{2024, 1, 2}, Date{2024, 2, 1}, true, ""},
		{">", TimeOfDay{Hour: 1}, TimeOfDay{Minute: 59}, true, ""},
		{"<", time.Second, time.Minute, true, ""},
		{"<", "a", 1, false, "'<' not supported between instances of 'str' and 'int'"},
		{">", nil, 1, false, "'>' not supported between instances of 'NoneType' and 'int'"},
		{"<=", NewMap(0), NewMap(0), false, "'<=' not supported between instances of 'dict' and 'dict'"},
		{">=", Date{2024, 1, 1}, naive, false, "'>=' not supported between instances of 'date' and 'datetime'"},
		{"==", 1, 1, false, `unknown comparison operator "=="`},
	} {
		got, err := CompareOp(tc.op, tc.a, tc.b)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tc.want || gotErr != tc.err {
			t.Errorf("%s %s %s = %v, %q; want %v, %q", Repr(tc.a), tc.op, Repr(tc.b), got, gotErr, tc.want, tc.err)
		}
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b any
		want int
		err  string
	}{
		{1, 2, -1, ""},
		{2.0, 2, 0, ""},
		{"b", "a", 1, ""},
		{[]any{}, []any{nil}, -1, ""},
		{"a", nil, 0, "'<' not supported between instances of 'str' and 'NoneType'"},
	} {
		got, err := Compare(tc.a, tc.b)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tc.want || gotErr != tc.err {
			t.Errorf("Compare(%s, %s) = %d, %q; want %d, %q", Repr(tc.a), Repr(tc.b), got, gotErr, tc.want, tc.err)
		}
	}
}

func TestHashKey(t *testing.T) {
	t.Parallel()
	same := [][2]any{
		{1, 1.0},
		{1, true},
		{0, false},
		{int64(5), 5},
		{9.2e18, int64(9.2e18)},
		{-9223372036854775808.0, math.MinInt64},
		{"a", "a"},
		{nil, nil},
		{DateTime{Time: time.Date(2024, 1, 1, 1, 0, 0, 0, time.FixedZone("", 3600))}, DateTime{Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{Date{2024, 1, 1}, Date{2024, 1, 1}},
		{time.Second, time.Second},
	}
	for _, p := range same {
		a, errA := HashKey(p[0])
		b, errB := HashKey(p[1])
		if errA != nil || errB != nil || a != b {
			t.Errorf("HashKey(%s) != HashKey(%s)", Repr(p[0]), Repr(p[1]))
		}
	}
	differ := [][2]any{
		{1, "1"},
		{1.5, 1},
		{9223372036854775808.0, math.MinInt64},
		{nil, 0},
		{"", nil},
		{DateTime{Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, DateTime{Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Naive: true}},
	}
	for _, p := range differ {
		a, _ := HashKey(p[0])
		b, _ := HashKey(p[1])
		if a == b {
			t.Errorf("HashKey(%s) == HashKey(%s)", Repr(p[0]), Repr(p[1]))
		}
	}
	for _, v := range []any{[]any{}, NewMap(0)} {
		if _, err := HashKey(v); err == nil || err.Error() != "unhashable type: '"+TypeName(v)+"'" {
			t.Errorf("HashKey(%s) error = %v", Repr(v), err)
		}
	}
}
