package template

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

type coerceCase struct {
	typ  string
	in   any
	want any    // expected output when err is ""
	err  string // expected error text
}

func runCoerceCases(t *testing.T, cases []coerceCase) {
	t.Helper()
	for _, tc := range cases {
		typ, err := ParseType(tc.typ)
		if err != nil {
			t.Fatalf("ParseType(%q): %v", tc.typ, err)
		}
		got, err := typ.Coerce(tc.in)
		name := tc.typ + " <- " + strings.TrimPrefix((&CoercionError{Got: tc.in}).Error(), "expected , got ")
		if tc.err != "" {
			if err == nil {
				t.Errorf("%s: got %s (%T), want error %q", name, value.Repr(got), got, tc.err)
				continue
			}
			var ce *CoercionError
			if !errors.As(err, &ce) {
				t.Errorf("%s: error %T, want *CoercionError", name, err)
			}
			if err.Error() != tc.err {
				t.Errorf("%s: error\n got %q\nwant %q", name, err.Error(), tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %s (%T), want %s (%T)", name, value.Repr(got), got, value.Repr(tc.want), tc.want)
		}
	}
}

func TestCoerceStr(t *testing.T) {
	runCoerceCases(t, []coerceCase{
		{typ: "str", in: "hello", want: "hello"},
		{typ: "str", in: "", want: ""},
		{typ: "str", in: " 42 ", want: " 42 "},
		{typ: "str", in: 42, err: "expected str, got 42 (int)"},
		{typ: "str", in: 1.5, err: "expected str, got 1.5 (float)"},
		{typ: "str", in: true, err: "expected str, got True (bool)"},
		{typ: "str", in: nil, err: "expected str, got None (NoneType)"},
		{typ: "str", in: []any{"a"}, err: "expected str, got ['a'] (list)"},
		{typ: "str", in: value.MapOf("a", 1), err: "expected str, got {'a': 1} (dict)"},
	})
}

func TestCoerceInt(t *testing.T) {
	runCoerceCases(t, []coerceCase{
		{typ: "int", in: 42, want: 42},
		{typ: "int", in: int64(-7), want: -7},
		{typ: "int", in: 3.0, want: 3},
		{typ: "int", in: math.Copysign(0, -1), want: 0},
		{typ: "int", in: true, want: 1},
		{typ: "int", in: false, want: 0},
		{typ: "int", in: "42", want: 42},
		{typ: "int", in: " 42 ", want: 42},
		{typ: "int", in: "\t-3\n", want: -3},
		{typ: "int", in: "+5", want: 5},
		{typ: "int", in: "007", want: 7},
		{typ: "int", in: "4.0", want: 4},
		{typ: "int", in: "4.00", want: 4},
		{typ: "int", in: "1_000", want: 1000},
		{typ: "int", in: "1_000.0", want: 1000},
		{typ: "int", in: " -1_000.0 ", want: -1000},
		{typ: "int", in: "4.", err: "expected int, got '4.' (str)"},
		{typ: "int", in: "1_000.", err: "expected int, got '1_000.' (str)"},
		{typ: "int", in: "4.0_0", err: "expected int, got '4.0_0' (str)"},
		{typ: "int", in: ".0", err: "expected int, got '.0' (str)"},
		{typ: "int", in: "9223372036854775807", want: math.MaxInt64},
		{typ: "int", in: 3.5, err: "expected int, got 3.5 (float)"},
		{typ: "int", in: 1e300, err: "expected int, got 1e+300 (float)"},
		{typ: "int", in: "4.5", err: "expected int, got '4.5' (str)"},
		{typ: "int", in: "x", err: "expected int, got 'x' (str)"},
		{typ: "int", in: "", err: "expected int, got '' (str)"},
		{typ: "int", in: "1e3", err: "expected int, got '1e3' (str)"},
		{typ: "int", in: "0x10", err: "expected int, got '0x10' (str)"},
		{typ: "int", in: "1__000", err: "expected int, got '1__000' (str)"},
		{typ: "int", in: "_1", err: "expected int, got '_1' (str)"},
		{typ: "int", in: "99999999999999999999", err: "expected int, got '99999999999999999999' (str)"},
		{typ: "int", in: nil, err: "expected int, got None (NoneType)"},
		{typ: "int", in: []any{1}, err: "expected int, got [1] (list)"},
	})
}

func TestCoerceFloat(t *testing.T) {
	runCoerceCases(t, []coerceCase{
		{typ: "float", in: 1.5, want: 1.5},
		{typ: "float", in: 3, want: 3.0},
		{typ: "float", in: int64(3), want: 3.0},
		{typ: "float", in: true, want: 1.0},
		{typ: "float", in: false, want: 0.0},
		{typ: "float", in: "1.5", want: 1.5},
		{typ: "float", in: " 2 ", want: 2.0},
		{typ: "float", in: "-1e3", want: -1000.0},
		{typ: "float", in: ".5", want: 0.5},
		{typ: "float", in: "1_000.5", want: 1000.5},
		{typ: "float", in: " 1000.5 ", want: 1000.5},
		{typ: "float", in: "1_000 ", err: "expected float, got '1_000 ' (str)"},
		{typ: "float", in: " 1_0.5", err: "expected float, got ' 1_0.5' (str)"},
		{typ: "float", in: "inf", want: nil},
		{typ: "float", in: "NaN", want: nil},
		{typ: "float", in: "1e400", want: nil},
		{typ: "float", in: "abc", err: "expected float, got 'abc' (str)"},
		{typ: "float", in: "0x1p3", err: "expected float, got '0x1p3' (str)"},
		{typ: "float", in: "", err: "expected float, got '' (str)"},
		{typ: "float", in: nil, err: "expected float, got None (NoneType)"},
		{typ: "float", in: value.MapOf(), err: "expected float, got {} (dict)"},
	})
}

func TestCoerceBool(t *testing.T) {
	var cases []coerceCase
	for _, s := range []string{"true", "True", "TRUE", "t", "T", "yes", "Yes", "y", "on", "ON", "1"} {
		cases = append(cases, coerceCase{typ: "bool", in: s, want: true})
	}
	for _, s := range []string{"false", "False", "f", "no", "NO", "n", "off", "Off", "0"} {
		cases = append(cases, coerceCase{typ: "bool", in: s, want: false})
	}
	cases = append(cases, []coerceCase{
		{typ: "bool", in: true, want: true},
		{typ: "bool", in: false, want: false},
		{typ: "bool", in: 1, want: true},
		{typ: "bool", in: 0, want: false},
		{typ: "bool", in: int64(1), want: true},
		{typ: "bool", in: 1.0, want: true},
		{typ: "bool", in: 0.0, want: false},
		{typ: "bool", in: 2, err: "expected bool, got 2 (int)"},
		{typ: "bool", in: 0.5, err: "expected bool, got 0.5 (float)"},
		{typ: "bool", in: "maybe", err: "expected bool, got 'maybe' (str)"},
		{typ: "bool", in: " true", err: "expected bool, got ' true' (str)"},
		{typ: "bool", in: "", err: "expected bool, got '' (str)"},
		{typ: "bool", in: nil, err: "expected bool, got None (NoneType)"},
	}...)
	runCoerceCases(t, cases)
}

func TestCoerceDatetime(t *testing.T) {
	const want = "expected an ISO 8601 datetime or a unix timestamp, got "
	runCoerceCases(t, []coerceCase{
		{typ: "datetime", in: "2024-01-02", want: "2024-01-02T00:00:00"},
		{typ: "datetime", in: "2024-01-02T03:04:05", want: "2024-01-02T03:04:05"},
		{typ: "datetime", in: "2024-01-02 03:04", want: "2024-01-02T03:04:00"},
		{typ: "datetime", in: "2024-01-02t03:04:05", want: "2024-01-02T03:04:05"},
		{typ: "datetime", in: "2024-01-02T03:04:05Z", want: "2024-01-02T03:04:05Z"},
		{typ: "datetime", in: "2024-01-02T03:04:05z", want: "2024-01-02T03:04:05Z"},
		{typ: "datetime", in: "2024-01-02T03:04:05+00:00", want: "2024-01-02T03:04:05Z"},
		{typ: "datetime", in: "2024-01-02T03:04:05+05:30", want: "2024-01-02T03:04:05+05:30"},
		{typ: "datetime", in: "2024-01-02T03:04:05-0800", want: "2024-01-02T03:04:05-08:00"},
		{typ: "datetime", in: "2024-01-02T03:04:05.5Z", want: "2024-01-02T03:04:05.500000Z"},
		{typ: "datetime", in: "2024-01-02T03:04:05.123456789", want: "2024-01-02T03:04:05.123456"},
		{typ: "datetime", in: "2024-02-29T00:00:00", want: "2024-02-29T00:00:00"},
		{typ: "datetime", in: 1700000000, want: "2023-11-14T22:13:20Z"},
		{typ: "datetime", in: int64(1700000000000), want: "2023-11-14T22:13:20Z"},
		{typ: "datetime", in: 1700000000.5, want: "2023-11-14T22:13:20.500000Z"},
		{typ: "datetime", in: 1700000000250.0, want: "2023-11-14T22:13:20.250000Z"},
		{typ: "datetime", in: 0, want: "1970-01-01T00:00:00Z"},
		{typ: "datetime", in: -86400, want: "1969-12-31T00:00:00Z"},
		{typ: "datetime", in: "1700000000", want: "2023-11-14T22:13:20Z"},
		{typ: "datetime", in: "1700000000.", want: "2023-11-14T22:13:20Z"},
		{typ: "datetime", in: "-.5", want: "1969-12-31T23:59:59.500000Z"},
		{typ: "datetime", in: "1.5e3", want: "1970-01-01T00:25:00Z"},
		{typ: "datetime", in: "1e3", err: want + "'1e3' (str)"},
		{typ: "datetime", in: " 1", err: want + "' 1' (str)"},
		{typ: "datetime", in: value.DateTime{Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}, want: "2024-01-02T03:04:05Z"},
		{typ: "datetime", in: "2023-02-29", err: want + "'2023-02-29' (str)"},
		{typ: "datetime", in: "2024-13-01", err: want + "'2024-13-01' (str)"},
		{typ: "datetime", in: "2024-01-02T24:00:00", err: want + "'2024-01-02T24:00:00' (str)"},
		{typ: "datetime", in: "2024-01-02T", err: want + "'2024-01-02T' (str)"},
		{typ: "datetime", in: "2024-1-2", err: want + "'2024-1-2' (str)"},
		{typ: "datetime", in: "yesterday", err: want + "'yesterday' (str)"},
		{typ: "datetime", in: "", err: want + "'' (str)"},
		{typ: "datetime", in: true, err: want + "True (bool)"},
		{typ: "datetime", in: nil, err: want + "None (NoneType)"},
		{typ: "datetime", in: 1e20, err: want + "1e+20 (float)"},
	})
}

func TestCoerceDuration(t *testing.T) {
	const want = "expected an ISO 8601 duration, [-][D days, ]HH:MM:SS[.f] or a number of seconds, got "
	runCoerceCases(t, []coerceCase{
		{typ: "duration", in: "PT1H", want: "PT1H"},
		{typ: "duration", in: "P1DT2H", want: "P1DT2H"},
		{typ: "duration", in: "PT1M30.5S", want: "PT1M30.5S"},
		{typ: "duration", in: "P1D", want: "P1D"},
		{typ: "duration", in: "P1W", want: "P7D"},
		{typ: "duration", in: "P1Y2M", want: "P1Y60D"},
		{typ: "duration", in: "PT0S", want: "PT0S"},
		{typ: "duration", in: "PT0.5H", want: "PT30M"},
		{typ: "duration", in: "-PT1H", want: "-PT1H"},
		{typ: "duration", in: "+PT90M", want: "PT1H30M"},
		{typ: "duration", in: "01:30:00", want: "PT1H30M"},
		{typ: "duration", in: "1:02:03.25", want: "PT1H2M3.25S"},
		{typ: "duration", in: "-00:00:10", want: "-PT10S"},
		{typ: "duration", in: "1 day, 2:00:00", want: "P1DT2H"},
		{typ: "duration", in: "2 days, 00:00:01", want: "P2DT1S"},
		{typ: "duration", in: "3 days", want: "P3D"},
		{typ: "duration", in: "-1 day, 23:00:00", want: "-P1DT23H"},
		{typ: "duration", in: "-2 days", want: "-P2D"},
		{typ: "duration", in: "P1DT", want: "P1D"},
		{typ: "duration", in: "PT1.0000005S", want: "PT1.000001S"},
		{typ: "duration", in: "PT1.00000049S", want: "PT1S"},
		{typ: "duration", in: "P0.0000001D", want: "PT0.00864S"},
		{typ: "duration", in: "00:00:59.9999999", want: "PT59.999999S"},
		{typ: "duration", in: "PT1H0.5M", want: "PT1H30S"},
		{typ: "duration", in: true, want: "PT1S"},
		{typ: "duration", in: false, want: "PT0S"},
		{typ: "duration", in: 90, want: "PT1M30S"},
		{typ: "duration", in: int64(86400), want: "P1D"},
		{typ: "duration", in: 1.5, want: "PT1.5S"},
		{typ: "duration", in: -30, want: "-PT30S"},
		{typ: "duration", in: time.Hour, want: "PT1H"},
		{typ: "duration", in: "P", err: want + "'P' (str)"},
		{typ: "duration", in: "PT", err: want + "'PT' (str)"},
		{typ: "duration", in: "-PT", err: want + "'-PT' (str)"},
		{typ: "duration", in: "PT1.5H30M", err: want + "'PT1.5H30M' (str)"},
		{typ: "duration", in: "P1.5DT1H", err: want + "'P1.5DT1H' (str)"},
		{typ: "duration", in: "1 day, 24:00:00", err: want + "'1 day, 24:00:00' (str)"},
		{typ: "duration", in: "PT1D", err: want + "'PT1D' (str)"},
		{typ: "duration", in: "1h", err: want + "'1h' (str)"},
		{typ: "duration", in: "00:60:00", err: want + "'00:60:00' (str)"},
		{typ: "duration", in: "90", err: want + "'90' (str)"},
		{typ: "duration", in: "P999999999D", err: want + "'P999999999D' (str)"},
		{typ: "duration", in: nil, err: want + "None (NoneType)"},
	})
}

func TestCoerceNoneAnyEnum(t *testing.T) {
	m := value.MapOf("a", int64(1))
	runCoerceCases(t, []coerceCase{
		{typ: "None", in: nil, want: nil},
		{typ: "None", in: "", err: "expected None, got '' (str)"},
		{typ: "None", in: 0, err: "expected None, got 0 (int)"},
		{typ: "any", in: "x", want: "x"},
		{typ: "Any", in: nil, want: nil},
		{typ: "Any", in: m, want: m},
		{typ: "Any", in: []any{1, "a"}, want: []any{1, "a"}},
		{typ: `enum["a", "b"]`, in: "a", want: "a"},
		{typ: `enum["a", "b"]`, in: "b", want: "b"},
		{typ: `enum["a", "b"]`, in: "A", err: `expected one of "a", "b", got 'A' (str)`},
		{typ: `enum["a", "b"]`, in: " a", err: `expected one of "a", "b", got ' a' (str)`},
		{typ: `enum["1"]`, in: 1, err: `expected one of "1", got 1 (int)`},
		{typ: `enum["a"]`, in: nil, err: `expected one of "a", got None (NoneType)`},
	})
}

func TestCoerceList(t *testing.T) {
	runCoerceCases(t, []coerceCase{
		{typ: "list[str]", in: []any{}, want: []any{}},
		{typ: "list[str]", in: []any{"a", "b"}, want: []any{"a", "b"}},
		{typ: "list[int]", in: []any{1, "2", 3.0, true}, want: []any{1, 2, 3, 1}},
		{typ: "list[float]", in: []any{1, "2.5"}, want: []any{1.0, 2.5}},
		{typ: "list[list[int]]", in: []any{[]any{"1"}, []any{}}, want: []any{[]any{1}, []any{}}},
		{typ: "list[str]", in: "a,b", err: "expected list[str], got 'a,b' (str)"},
		{typ: "list[str]", in: `["a"]`, err: `expected list[str], got '["a"]' (str)`},
		{typ: "list[str]", in: nil, err: "expected list[str], got None (NoneType)"},
		{typ: "list[str]", in: value.MapOf("a", "b"), err: "expected list[str], got {'a': 'b'} (dict)"},
		{typ: "list[int]", in: []any{1, 2, "x"}, err: "[2]: expected int, got 'x' (str)"},
		{typ: "list[list[int]]", in: []any{[]any{1}, []any{2, nil}}, err: "[1][1]: expected int, got None (NoneType)"},
		{typ: "list[list[int]]", in: []any{[]any{1}, "x"}, err: "[1]: expected list[int], got 'x' (str)"},
		{typ: "list[dict[str, int]]", in: []any{value.MapOf("k", "v")}, err: `[0]["k"]: expected int, got 'v' (str)`},
	})
}

func TestCoerceDict(t *testing.T) {
	runCoerceCases(t, []coerceCase{
		{typ: "dict", in: value.MapOf("b", 1, "a", []any{nil}), want: value.MapOf("b", 1, "a", []any{nil})},
		{typ: "dict", in: value.MapOf(), want: value.MapOf()},
		{typ: "dict[str, Any]", in: value.MapOf("x", nil), want: value.MapOf("x", nil)},
		{typ: "dict[str, int]", in: value.MapOf("a", "1", "b", 2.0), want: value.MapOf("a", 1, "b", 2)},
		{typ: "dict[str, str]", in: value.MapOf("a", "x"), want: value.MapOf("a", "x")},
		{typ: "dict[int, str]", in: value.MapOf(" 01", "x", "2", "y"), want: value.MapOf("1", "x", "2", "y")},
		{typ: `dict[enum["a", "b"], int]`, in: value.MapOf("b", 1), want: value.MapOf("b", 1)},
		{typ: "dict[str, dict[str, list[int]]]", in: value.MapOf("a", value.MapOf("b", []any{"1"})),
			want: value.MapOf("a", value.MapOf("b", []any{1}))},
		{typ: "dict", in: `{"a": 1}`, err: `expected dict[str, Any], got '{"a": 1}' (str)`},
		{typ: "dict[str, Any]", in: []any{}, err: "expected dict[str, Any], got [] (list)"},
		{typ: "dict[str, Any]", in: nil, err: "expected dict[str, Any], got None (NoneType)"},
		{typ: "dict[str, Any]", in: (*value.Map)(nil), err: "expected dict[str, Any], got None (NoneType)"},
		{typ: "dict[str, int]", in: value.MapOf("a", 1, "b", "x"), err: `["b"]: expected int, got 'x' (str)`},
		{typ: "dict[str, list[int]]", in: value.MapOf("a", []any{1, "z"}), err: `["a"][1]: expected int, got 'z' (str)`},
		{typ: "dict[int, str]", in: value.MapOf("x", "y"), err: `["x"]: expected a key of type int, got 'x' (str)`},
		{typ: "dict[float, str]", in: value.MapOf("1.5", "y"),
			err: `["1.5"]: expected a str or int key (key type float is not supported), got '1.5' (str)`},
		{typ: "dict[str, int]", in: value.MapOf(`say "hi"`, nil), err: `["say \"hi\""]: expected int, got None (NoneType)`},
	})
}

func TestCoerceUnion(t *testing.T) {
	runCoerceCases(t, []coerceCase{
		{typ: "str | None", in: nil, want: nil},
		{typ: "str | None", in: "x", want: "x"},
		{typ: "str | None", in: 5, err: "expected str | None, got 5 (int)"},
		{typ: "int | None", in: "5", want: 5},
		{typ: "int | None", in: nil, want: nil},
		{typ: "int | str", in: "5", want: "5"},
		{typ: "int | str", in: 5, want: 5},
		{typ: "str | int", in: 5, want: 5},
		{typ: "int | str", in: true, want: 1},
		{typ: "int | str", in: 2.0, want: 2},
		{typ: "int | str", in: 2.5, err: "expected int | str, got 2.5 (float)"},
		{typ: "float | int", in: 3, want: 3},
		{typ: "float | str", in: 3, want: 3.0},
		{typ: "int | float", in: 3.0, want: 3.0},
		{typ: "bool | float", in: 1, want: 1.0},
		{typ: "bool | float", in: "1", want: true},
		{typ: "bool | int | float", in: 1, want: 1},
		{typ: "list[bool] | list[float]", in: []any{1, 0}, want: []any{1.0, 0.0}},
		{typ: "bool | int", in: 1, want: 1},
		{typ: "int | bool", in: true, want: true},
		{typ: "bool | str", in: "yes", want: "yes"},
		{typ: "bool | dict[str, Any] | None", in: "yes", want: true},
		{typ: "datetime | str", in: "2024-01-02", want: "2024-01-02"},
		{typ: "str | datetime", in: 1700000000, want: "2023-11-14T22:13:20Z"},
		{typ: "str | dict[str, Any] | None", in: value.MapOf("a", 1), want: value.MapOf("a", 1)},
		{typ: "str | dict[str, Any] | None", in: []any{}, err: "expected str | dict[str, Any] | None, got [] (list)"},
		{typ: "int | list[int] | None", in: []any{"1"}, want: []any{1}},
		{typ: "int | list[int] | None", in: "7", want: 7},
		{typ: "list[int] | list[str]", in: []any{"1"}, want: []any{"1"}},
		{typ: "list[str] | list[int]", in: []any{1}, want: []any{1}},
		{typ: "list[int | str] | None", in: []any{"1", 2, nil}, err: "[2]: expected int | str, got None (NoneType)"},
		{typ: "list[str] | None", in: []any{"a", 2}, err: "[1]: expected str, got 2 (int)"},
		{typ: "str | list[int]", in: []any{"x"}, err: "[0]: expected int, got 'x' (str)"},
		{typ: "list[int] | list[bool]", in: []any{"x"}, err: "expected list[int] | list[bool], got ['x'] (list)"},
		{typ: "dict[str, int] | None", in: value.MapOf("a", "x"), err: `["a"]: expected int, got 'x' (str)`},
		{typ: "list[str] | None", in: "a", err: "expected list[str] | None, got 'a' (str)"},
		{typ: "list[int | str] | None", in: []any{"1", 2}, want: []any{"1", 2}},
		{typ: "list[int | str] | None", in: []any{2.0, true}, want: []any{2, 1}},
		{typ: "list[int | str] | None", in: nil, want: nil},
		{typ: "list[int | str] | None", in: "1", err: "expected list[int | str] | None, got '1' (str)"},
		{typ: "list[str] | None", in: []any{"a"}, want: []any{"a"}},
		{typ: "dict | None", in: nil, want: nil},
		{typ: `enum["a", "b"] | None`, in: "b", want: "b"},
		{typ: `enum["a", "b"] | None`, in: "c", err: `expected enum["a", "b"] | None, got 'c' (str)`},
		{typ: "Any | int", in: "5", want: "5"},
		{typ: "None | int", in: "5", want: 5},
		{typ: "list[list[str | int | float | bool | None]]",
			in:   []any{[]any{"a", 1, 1.5, true, nil}, []any{}},
			want: []any{[]any{"a", 1, 1.5, true, nil}, []any{}}},
		{typ: "list[list[str | int | float | bool | None]]",
			in:  []any{[]any{value.MapOf()}},
			err: "[0][0]: expected str | int | float | bool | None, got {} (dict)"},
		{typ: "list[int | str]", in: []any{1, []any{}}, err: "[1]: expected int | str, got [] (list)"},
	})
}

func TestCoerceDoesNotModifyInput(t *testing.T) {
	typ, err := ParseType("dict[str, list[int]]")
	if err != nil {
		t.Fatal(err)
	}
	list := []any{"1", "2"}
	in := value.MapOf("a", list)
	out, err := typ.Coerce(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(list, []any{"1", "2"}) {
		t.Errorf("input list modified: %v", list)
	}
	if got := value.Repr(out); got != "{'a': [1, 2]}" {
		t.Errorf("output = %s", got)
	}
}

func TestCoercionErrorFields(t *testing.T) {
	typ, err := ParseType("list[dict[str, int]]")
	if err != nil {
		t.Fatal(err)
	}
	_, err = typ.Coerce([]any{value.MapOf("k", "v")})
	var ce *CoercionError
	if !errors.As(err, &ce) {
		t.Fatalf("error %T, want *CoercionError", err)
	}
	want := &CoercionError{Path: `[0]["k"]`, Want: "int", Got: "v"}
	if !reflect.DeepEqual(ce, want) {
		t.Errorf("error = %#v, want %#v", ce, want)
	}

	long := &CoercionError{Want: "int", Got: strings.Repeat("é", 100)}
	msg := long.Error()
	if !strings.HasSuffix(msg, "... (str)") || len(msg) > 160 {
		t.Errorf("long value not shortened: %q", msg)
	}
}

// TestCoerceKeepsExactValues checks that a list or dict that already fits
// its type comes back as it is, and that values coercion rewrites are still
// rewritten.
func TestCoerceKeepsExactValues(t *testing.T) {
	t.Parallel()
	list := []any{"a", "b"}
	typ, _ := ParseType("list[str] | None")
	got, err := typ.Coerce(list)
	if err != nil {
		t.Fatal(err)
	}
	if g := got.([]any); &g[0] != &list[0] {
		t.Error("an exact list was copied")
	}
	dict := value.MapOf("a", "x", "b", nil)
	typ, _ = ParseType("dict[str, str | None]")
	if got, _ := typ.Coerce(dict); got != dict {
		t.Error("an exact dict was copied")
	}
	typ, _ = ParseType("list[float]")
	got, _ = typ.Coerce([]any{1.5, math.Inf(1)})
	if value.Repr(got) != "[1.5, None]" {
		t.Errorf("floats: %s", value.Repr(got))
	}
	typ, _ = ParseType("dict[str, duration]")
	got, _ = typ.Coerce(value.MapOf("d", 90))
	if value.Repr(got) != "{'d': 'PT1M30S'}" {
		t.Errorf("durations: %s", value.Repr(got))
	}
}
