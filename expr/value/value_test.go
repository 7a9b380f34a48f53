package value

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

var (
	plus0530 = time.FixedZone("UTC+05:30", 5*3600+30*60)
	minus08  = time.FixedZone("UTC-08:00", -8*3600)
)

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	return loc
}

func TestStrAndRepr(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	cases := []struct {
		name      string
		v         any
		str, repr string
	}{
		{"None", nil, "None", "None"},
		{"True", true, "True", "True"},
		{"False", false, "False", "False"},
		{"int", 42, "42", "42"},
		{"negative int", -7, "-7", "-7"},
		{"int64", int64(1) << 40, "1099511627776", "1099511627776"},
		{"float whole", 1.0, "1.0", "1.0"},
		{"float tenth", 0.1, "0.1", "0.1"},
		{"float negative zero", math.Copysign(0, -1), "-0.0", "-0.0"},
		{"float 1e16", 1e16, "1e+16", "1e+16"},
		{"float below 1e16", 9999999999999998.0, "9999999999999998.0", "9999999999999998.0"},
		{"float 1e-05", 1e-05, "1e-05", "1e-05"},
		{"float 0.0001", 0.0001, "0.0001", "0.0001"},
		{"float big", 123456789012345678.0, "1.2345678901234568e+17", "1.2345678901234568e+17"},
		{"float 1.5e-07", 1.5e-07, "1.5e-07", "1.5e-07"},
		{"float 1e100", 1e100, "1e+100", "1e+100"},
		{"float inf", math.Inf(1), "inf", "inf"},
		{"float -inf", math.Inf(-1), "-inf", "-inf"},
		{"float nan", math.NaN(), "nan", "nan"},
		{"string", "hi", "hi", "'hi'"},
		{"empty string", "", "", "''"},
		{"single quote", "it's", "it's", `"it's"`},
		{"double quote", `say "hi"`, `say "hi"`, `'say "hi"'`},
		{"both quotes", `it's "x"`, `it's "x"`, `'it\'s "x"'`},
		{"escapes", "a\nb\tc\r\\", "a\nb\tc\r\\", `'a\nb\tc\r\\'`},
		{"control", "\x00\x1f\x7f", "\x00\x1f\x7f", `'\x00\x1f\x7f'`},
		{"unicode printable", "héllo ✓ 日本", "héllo ✓ 日本", "'héllo ✓ 日本'"},
		{"unicode non-printable", "a\u00a0b\u200bc\U000e0001", "a\u00a0b\u200bc\U000e0001", `'a\xa0b\u200bc\U000e0001'`},
		{"invalid utf-8", "a\xffb", "a\xffb", `'a\xffb'`},
		{"empty list", []any{}, "[]", "[]"},
		{"list", []any{1, "a", nil, true, 2.5}, "[1, 'a', None, True, 2.5]", "[1, 'a', None, True, 2.5]"},
		{"nested", []any{[]any{"it's"}, MapOf("k", []any{1.0})}, `[["it's"], {'k': [1.0]}]`, `[["it's"], {'k': [1.0]}]`},
		{"empty map", NewMap(0), "{}", "{}"},
		{"map order kept", MapOf("b", 1, "a", "x", "c", MapOf("d", nil)), "{'b': 1, 'a': 'x', 'c': {'d': None}}", "{'b': 1, 'a': 'x', 'c': {'d': None}}"},
		{"map quoted key", MapOf("it's", false), `{"it's": False}`, `{"it's": False}`},

		{"datetime aware UTC", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)},
			"2024-01-31 12:00:00+00:00", "datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.timezone.utc)"},
		{"datetime naive", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 5, 0, time.UTC), Naive: true},
			"2024-01-31 12:00:05", "datetime.datetime(2024, 1, 31, 12, 0, 5)"},
		{"datetime microseconds", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 1000, time.UTC), Naive: true},
			"2024-01-31 12:00:00.000001", "datetime.datetime(2024, 1, 31, 12, 0, 0, 1)"},
		{"datetime nanoseconds dropped", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 999, time.UTC), Naive: true},
			"2024-01-31 12:00:00", "datetime.datetime(2024, 1, 31, 12, 0)"},
		{"datetime nanoseconds dropped with seconds", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 7, 999, time.UTC), Naive: true},
			"2024-01-31 12:00:07", "datetime.datetime(2024, 1, 31, 12, 0, 7)"},
		{"datetime positive offset", DateTime{Time: time.Date(2024, 1, 31, 12, 30, 0, 500000000, plus0530)},
			"2024-01-31 12:30:00.500000+05:30", "datetime.datetime(2024, 1, 31, 12, 30, 0, 500000, tzinfo=datetime.timezone(datetime.timedelta(seconds=19800)))"},
		{"datetime negative offset", DateTime{Time: time.Date(2024, 1, 31, 4, 0, 0, 0, minus08)},
			"2024-01-31 04:00:00-08:00", "datetime.datetime(2024, 1, 31, 4, 0, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=57600)))"},
		{"datetime offset seconds", DateTime{Time: time.Date(2024, 1, 31, 4, 0, 0, 0, time.FixedZone("", 3600+5))},
			"2024-01-31 04:00:00+01:00:05", "datetime.datetime(2024, 1, 31, 4, 0, tzinfo=datetime.timezone(datetime.timedelta(seconds=3605)))"},
		{"datetime unnamed zero offset", DateTime{Time: time.Date(2024, 1, 31, 4, 0, 0, 0, time.FixedZone("", 0))},
			"2024-01-31 04:00:00+00:00", "datetime.datetime(2024, 1, 31, 4, 0, tzinfo=datetime.timezone.utc)"},
		{"datetime in list", []any{DateTime{Time: time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), Naive: true}},
			"[datetime.datetime(2024, 1, 31, 0, 0)]", "[datetime.datetime(2024, 1, 31, 0, 0)]"},
		{"date", Date{Year: 2024, Month: 1, Day: 5}, "2024-01-05", "datetime.date(2024, 1, 5)"},
		{"time", TimeOfDay{Hour: 9, Minute: 5}, "09:05:00", "datetime.time(9, 5)"},
		{"time seconds", TimeOfDay{Hour: 9, Minute: 5, Second: 7}, "09:05:07", "datetime.time(9, 5, 7)"},
		{"time nanoseconds dropped", TimeOfDay{Hour: 9, Minute: 5, Nanosecond: 999}, "09:05:00", "datetime.time(9, 5)"},
		{"time micro", TimeOfDay{Hour: 23, Minute: 59, Second: 0, Nanosecond: 123456000}, "23:59:00.123456", "datetime.time(23, 59, 0, 123456)"},
		{"duration zero", time.Duration(0), "0:00:00", "datetime.timedelta(0)"},
		{"duration seconds", 90 * time.Second, "0:01:30", "datetime.timedelta(seconds=90)"},
		{"duration micro", 1500 * time.Millisecond, "0:00:01.500000", "datetime.timedelta(seconds=1, microseconds=500000)"},
		{"duration one day", day + time.Hour, "1 day, 1:00:00", "datetime.timedelta(days=1, seconds=3600)"},
		{"duration days", 3*day + 4*time.Hour + 5*time.Minute + 6*time.Second, "3 days, 4:05:06", "datetime.timedelta(days=3, seconds=14706)"},
		{"duration days only", 2 * day, "2 days, 0:00:00", "datetime.timedelta(days=2)"},
		{"duration -1 day +1s", -day + time.Second, "-1 day, 0:00:01", "datetime.timedelta(days=-1, seconds=1)"},
		{"duration -1s", -time.Second, "-1 day, 23:59:59", "datetime.timedelta(days=-1, seconds=86399)"},
		{"duration -1us", -time.Microsecond, "-1 day, 23:59:59.999999", "datetime.timedelta(days=-1, seconds=86399, microseconds=999999)"},
		{"duration -3 days", -3 * day, "-3 days, 0:00:00", "datetime.timedelta(days=-3)"},
		{"duration in list", []any{time.Hour}, "[datetime.timedelta(seconds=3600)]", "[datetime.timedelta(seconds=3600)]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Str(c.v); got != c.str {
				t.Errorf("Str = %s, want %s", got, c.str)
			}
			if got := Repr(c.v); got != c.repr {
				t.Errorf("Repr = %s, want %s", got, c.repr)
			}
		})
	}
}

func TestReprZoneInfo(t *testing.T) {
	t.Parallel()
	d := DateTime{Time: time.Date(2024, 7, 1, 14, 0, 0, 0, paris(t))}
	if got, want := Repr(d), "datetime.datetime(2024, 7, 1, 14, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))"; got != want {
		t.Errorf("Repr = %s, want %s", got, want)
	}
	if got, want := Str(d), "2024-07-01 14:00:00+02:00"; got != want {
		t.Errorf("Str = %s, want %s", got, want)
	}
}

func TestFormatFloat(t *testing.T) {
	t.Parallel()
	for f, want := range map[float64]string{
		0: "0.0", 1: "1.0", -2.5: "-2.5", 1e15: "1000000000000000.0", 1e16: "1e+16", 1.5e16: "1.5e+16",
		1e-4: "0.0001", 1.5e-5: "1.5e-05", 1e22: "1e+22", 5e-324: "5e-324", 0.30000000000000004: "0.30000000000000004",
	} {
		if got := FormatFloat(f); got != want {
			t.Errorf("FormatFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestTruthy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v    any
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {0, false}, {-1, true}, {int64(0), false}, {int64(3), true},
		{0.0, false}, {math.Copysign(0, -1), false}, {0.1, true}, {math.NaN(), true},
		{"", false}, {"0", true}, {"False", true}, {[]any{}, false}, {[]any{nil}, true},
		{NewMap(0), false}, {MapOf("a", nil), true},
		{time.Duration(0), false}, {time.Microsecond, true}, {-time.Hour, true},
		{DateTime{Naive: true}, true}, {Date{Year: 1, Month: 1, Day: 1}, true}, {TimeOfDay{}, true},
	}
	for _, c := range cases {
		if got := Truthy(c.v); got != c.want {
			t.Errorf("Truthy(%s) = %v, want %v", Repr(c.v), got, c.want)
		}
	}
}

func TestTypeName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v    any
		want string
	}{
		{nil, "NoneType"}, {true, "bool"}, {1, "int"}, {int64(1), "int"}, {1.0, "float"}, {"s", "str"},
		{[]any{}, "list"}, {NewMap(0), "dict"}, {DateTime{}, "datetime"}, {Date{}, "date"},
		{TimeOfDay{}, "time"}, {time.Second, "timedelta"}, {struct{}{}, "struct {}"},
	}
	for _, c := range cases {
		if got := TypeName(c.v); got != c.want {
			t.Errorf("TypeName(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	utc := DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)}
	cases := []struct {
		name string
		a, b any
		want bool
	}{
		{"None", nil, nil, true},
		{"None vs False", nil, false, false},
		{"None vs 0", nil, 0, false},
		{"int", 1, 1, true},
		{"int differs", 1, 2, false},
		{"int float", 1, 1.0, true},
		{"float int", 1.0, 1, true},
		{"float fraction", 1.5, 1, false},
		{"True 1", true, 1, true},
		{"1 True", 1, true, true},
		{"True 1.0", true, 1.0, true},
		{"False 0", false, 0, true},
		{"True 2", true, 2, false},
		{"bools", true, true, true},
		{"int64 int", int64(5), 5, true},
		{"big int vs rounded float", 1<<53 + 1, float64(1 << 53), false},
		{"big float vs int", float64(1 << 53), 1 << 53, true},
		{"float beyond int64", 1e19, math.MaxInt64, false},
		{"nan", math.NaN(), math.NaN(), false},
		{"str", "a", "a", true},
		{"str vs int", "1", 1, false},
		{"int vs str", 1, "1", false},
		{"str case", "a", "A", false},
		{"lists", []any{1, "a", []any{2.0}}, []any{1.0, "a", []any{2}}, true},
		{"list order matters", []any{1, 2}, []any{2, 1}, false},
		{"list length", []any{1}, []any{1, 1}, false},
		{"list vs map", []any{}, NewMap(0), false},
		{"maps any order", MapOf("a", 1, "b", []any{MapOf("x", true, "y", nil)}), MapOf("b", []any{MapOf("y", nil, "x", 1)}, "a", 1.0), true},
		{"maps differ", MapOf("a", 1), MapOf("a", 2), false},
		{"maps keys differ", MapOf("a", 1), MapOf("b", 1), false},
		{"maps size", MapOf("a", 1), MapOf("a", 1, "b", 2), false},
		{"datetime same instant", utc, DateTime{Time: time.Date(2024, 1, 31, 17, 30, 0, 0, plus0530)}, true},
		{"datetime naive vs aware", utc, DateTime{Time: utc.Time, Naive: true}, false},
		{"datetime naive", DateTime{Time: utc.Time, Naive: true}, DateTime{Time: utc.Time, Naive: true}, true},
		{"datetime vs str", utc, "2024-01-31T12:00:00Z", false},
		{"date", Date{2024, 1, 31}, Date{2024, 1, 31}, true},
		{"date differs", Date{2024, 1, 31}, Date{2024, 2, 1}, false},
		{"time", TimeOfDay{Hour: 1}, TimeOfDay{Hour: 1}, true},
		{"durations", time.Hour, 60 * time.Minute, true},
		{"duration vs int", time.Duration(1), 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Equal(c.a, c.b); got != c.want {
				t.Errorf("Equal(%s, %s) = %v, want %v", Repr(c.a), Repr(c.b), got, c.want)
			}
			if got := Equal(c.b, c.a); got != c.want {
				t.Errorf("Equal(%s, %s) = %v, want %v (swapped)", Repr(c.b), Repr(c.a), got, c.want)
			}
		})
	}
}

func TestMap(t *testing.T) {
	t.Parallel()
	m := MapOf("b", 1, "a", 2)
	m.Set("c", 3)
	m.Set("b", 10) // keeps its place
	if got, want := Repr(m), "{'b': 10, 'a': 2, 'c': 3}"; got != want {
		t.Fatalf("after Set: %s, want %s", got, want)
	}
	m.Delete("a")
	m.Delete("missing")
	if got, want := Repr(m), "{'b': 10, 'c': 3}"; got != want {
		t.Fatalf("after Delete: %s, want %s", got, want)
	}
	if v, ok := m.Get("c"); !ok || v != 3 {
		t.Fatalf("Get(c) = %v, %v after Delete", v, ok)
	}
	if _, ok := m.Get("a"); ok {
		t.Fatal("Get(a) found a deleted key")
	}
	c := m.Clone()
	c.Set("d", 4)
	if m.Len() != 2 || c.Len() != 3 {
		t.Fatalf("Clone shares entries: %d, %d", m.Len(), c.Len())
	}
	if got := c.SortedKeys(); Repr([]any{got[0], got[1], got[2]}) != "['b', 'c', 'd']" {
		t.Fatalf("SortedKeys = %v", got)
	}
	var seen []string
	c.Range(func(k string, _ any) bool { seen = append(seen, k); return len(seen) < 2 })
	if len(seen) != 2 || seen[0] != "b" || seen[1] != "c" {
		t.Fatalf("Range stopped wrong: %v", seen)
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want, err string
	}{
		{"object order", `{"z": 1, "a": 2, "m": {"y": null, "b": true}}`, "{'z': 1, 'a': 2, 'm': {'y': None, 'b': True}}", ""},
		{"duplicate key keeps first place", `{"a": 1, "b": 2, "a": 3}`, "{'a': 3, 'b': 2}", ""},
		{"int", `42`, "42", ""},
		{"negative int", `-7`, "-7", ""},
		{"float", `1.0`, "1.0", ""},
		{"exponent is float", `1e3`, "1000.0", ""},
		{"big int becomes float", `12345678901234567890`, "1.2345678901234567e+19", ""},
		{"huge float is inf", `1e400`, "inf", ""},
		{"NaN and infinities as Python reads them", `[NaN, Infinity, -Infinity, {"a": NaN}]`, "[nan, inf, -inf, {'a': nan}]", ""},
		{"bare NaN", `NaN`, "nan", ""},
		{"bare -Infinity", ` -Infinity `, "-inf", ""},
		{"-NaN", `-NaN`, "", "invalid JSON: invalid character 'N' in numeric literal"},
		{"+Infinity", `+Infinity`, "", "invalid JSON: invalid character '+' looking for beginning of value"},
		{"lowercase nan", `nan`, "", "invalid JSON: invalid character 'a' in literal null (expecting 'u')"},
		{"short Infinity", `[-Inf]`, "", "invalid JSON: invalid character 'I' in numeric literal"},
		{"string", `"a\nb \u00e9"`, "'a\\nb é'", ""},
		{"list", `[1, 2.5, "x", [], {}]`, "[1, 2.5, 'x', [], {}]", ""},
		{"whitespace", " \n [ ] \t", "[]", ""},
		{"empty", ``, "", "invalid JSON: unexpected end of input"},
		{"truncated", `{"a": [1, 2`, "", "invalid JSON: unexpected end of input"},
		{"extra data", `1 2`, "", "invalid JSON: extra data after the first value"},
		{"two objects", `{} {}`, "", "invalid JSON: extra data after the first value"},
		{"bad literal", `tru`, "", "invalid JSON: unexpected end of input"},
		{"bad literal char", `trux`, "", "invalid JSON: invalid character 'x' in literal true (expecting 'e')"},
		{"single quotes", `{'a': 1}`, "", "invalid JSON: invalid character '\\''"},
		{"missing colon", `{"a" 1}`, "", "invalid JSON: invalid character '1' after object key"},
		{"trailing comma", `[1,]`, "", "invalid JSON: invalid character ']' looking for beginning of value"},
		{"stray close", `]`, "", "invalid JSON: invalid character ']' looking for beginning of value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, err := ParseJSON([]byte(c.in))
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("ParseJSON(%q) = %s, %v; want error %q", c.in, Repr(v), err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseJSON(%q): %v", c.in, err)
			}
			if got := Repr(v); got != c.want {
				t.Fatalf("ParseJSON(%q) = %s, want %s", c.in, got, c.want)
			}
		})
	}
}

func TestMapUnmarshalJSON(t *testing.T) {
	t.Parallel()
	m := NewMap(0)
	if err := m.UnmarshalJSON([]byte(`{"b": 1, "a": [true]}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := Repr(m), "{'b': 1, 'a': [True]}"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if err := m.UnmarshalJSON([]byte(`[1]`)); err == nil || err.Error() != "expected a JSON object, got list" {
		t.Fatalf("list: err = %v", err)
	}
}

func TestMarshalJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		v    any
		want string
		err  string
	}{
		{"null", nil, "null", ""},
		{"bools", []any{true, false}, "[true,false]", ""},
		{"int", 42, "42", ""},
		{"int64", int64(-3), "-3", ""},
		{"float whole stays float", 1.0, "1.0", ""},
		{"float", 0.1, "0.1", ""},
		{"float exponent", []any{1e16, 1e-07}, "[1e+16,1e-07]", ""},
		{"inf", math.Inf(1), "", "cannot encode inf as JSON"},
		{"nan in map", MapOf("x", math.NaN()), "", "cannot encode nan as JSON"},
		{"string escapes", "a\"b\\c\n<&> é", `"a\"b\\c\n<&> é"`, ""},
		{"map order", MapOf("z", 1, "a", []any{MapOf("k", "v")}, "m", NewMap(0)), `{"z":1,"a":[{"k":"v"}],"m":{}}`, ""},
		{"empty list", []any{}, "[]", ""},
		{"datetime utc", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)}, `"2024-01-31T12:00:00Z"`, ""},
		{"datetime naive", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), Naive: true}, `"2024-01-31T12:00:00"`, ""},
		{"datetime offset", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 250000000, minus08)}, `"2024-01-31T12:00:00.250000-08:00"`, ""},
		{"date", Date{2024, 1, 5}, `"2024-01-05"`, ""},
		{"time", TimeOfDay{Hour: 9, Minute: 30}, `"09:30:00"`, ""},
		{"duration", 90 * time.Second, `"PT1M30S"`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b, err := MarshalJSON(c.v)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("MarshalJSON(%s) = %s, %v; want error %q", Repr(c.v), b, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("MarshalJSON(%s): %v", Repr(c.v), err)
			}
			if string(b) != c.want {
				t.Fatalf("MarshalJSON(%s) = %s, want %s", Repr(c.v), b, c.want)
			}
		})
	}
	// A *Map is a json.Marshaler and round-trips through ParseJSON.
	m := MapOf("b", 1.0, "a", []any{1, "x", nil})
	b, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseJSON(b)
	if err != nil || !Equal(back, m) || Repr(back) != Repr(m) {
		t.Fatalf("round trip: %s -> %s (%v)", b, Repr(back), err)
	}
}

func TestISODuration(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "PT0S"},
		{time.Second, "PT1S"},
		{1500 * time.Millisecond, "PT1.5S"},
		{time.Microsecond, "PT0.000001S"},
		{90 * time.Second, "PT1M30S"},
		{time.Hour, "PT1H"},
		{time.Hour + 30*time.Second, "PT1H30S"},
		{day, "P1D"},
		{2*day + 3*time.Hour + 4*time.Minute + 5*time.Second, "P2DT3H4M5S"},
		{-time.Second, "-PT1S"},
		{-day - time.Hour, "-P1DT1H"},
		{364 * day, "P364D"},
		{365 * day, "P1Y"},
		{400 * day, "P1Y35D"},
		{730*day + 5*time.Second, "P2YT5S"},
		{-400 * day, "-P1Y35D"},
		{1459*day + 23*time.Hour + 10*time.Microsecond, "P3Y364DT23H0.00001S"},
	} {
		if got := ISODuration(c.d); got != c.want {
			t.Errorf("ISODuration(%v) = %s, want %s", c.d, got, c.want)
		}
	}
}

func TestJSONDateTimeAndISOFormat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		d         DateTime
		json, iso string
	}{
		{"utc", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)}, "2024-01-31T12:00:00Z", "2024-01-31T12:00:00+00:00"},
		{"utc micro", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 123456000, time.UTC)}, "2024-01-31T12:00:00.123456Z", "2024-01-31T12:00:00.123456+00:00"},
		{"naive", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), Naive: true}, "2024-01-31T12:00:00", "2024-01-31T12:00:00"},
		{"offset", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, plus0530)}, "2024-01-31T12:00:00+05:30", "2024-01-31T12:00:00+05:30"},
		{"negative offset", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, minus08)}, "2024-01-31T12:00:00-08:00", "2024-01-31T12:00:00-08:00"},
		{"zero offset named zone", DateTime{Time: time.Date(2024, 1, 31, 12, 0, 0, 0, time.FixedZone("GMT", 0))}, "2024-01-31T12:00:00Z", "2024-01-31T12:00:00+00:00"},
		{"year 1", DateTime{Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), Naive: true}, "0001-01-01T00:00:00", "0001-01-01T00:00:00"},
	} {
		if got := JSONDateTime(c.d); got != c.json {
			t.Errorf("%s: JSONDateTime = %s, want %s", c.name, got, c.json)
		}
		if got := ISOFormat(c.d); got != c.iso {
			t.Errorf("%s: ISOFormat = %s, want %s", c.name, got, c.iso)
		}
	}
}

func TestNumber(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v    any
		f    float64
		isNo bool
	}{
		{true, 1, true}, {false, 0, true}, {3, 3, true}, {int64(4), 4, true}, {2.5, 2.5, true},
		{"1", 0, false}, {nil, 0, false}, {time.Second, 0, false},
	} {
		if f, ok := Number(c.v); f != c.f || ok != c.isNo {
			t.Errorf("Number(%s) = %v, %v; want %v, %v", Repr(c.v), f, ok, c.f, c.isNo)
		}
	}
}

func TestMapPastIndexThreshold(t *testing.T) {
	t.Parallel()
	m := NewMap(0)
	for i := range 40 {
		m.Set(fmt.Sprintf("k%02d", i), i)
	}
	m.Set("k05", "five")
	m.Delete("k00")
	m.Delete("k39")
	m.Delete("missing")
	if m.Len() != 38 || m.Keys()[0] != "k01" || m.Keys()[37] != "k38" {
		t.Fatalf("len %d, keys %v", m.Len(), m.Keys())
	}
	for i := 1; i < 39; i++ {
		v, ok := m.Get(fmt.Sprintf("k%02d", i))
		want := any(i)
		if i == 5 {
			want = "five"
		}
		if !ok || v != want {
			t.Errorf("k%02d = %v, %v", i, v, ok)
		}
	}
	if _, ok := m.Get("k00"); ok {
		t.Error("deleted key still present")
	}
	m.Set("k00", 0)
	if last := m.Keys()[m.Len()-1]; last != "k00" {
		t.Errorf("re-added key is at the end? last = %s", last)
	}
}

// TestMapAppend builds maps of every inline size and past the index
// threshold with Append, and checks they read as maps built with Set.
func TestMapAppend(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 40} {
		appended, set := NewMap(n), NewMap(0)
		for i := range n + 1 { // one past the room asked for
			k := fmt.Sprintf("k%02d", i)
			appended.Append(k, i)
			set.Set(k, i)
		}
		if !Equal(appended, set) || appended.Len() != n+1 {
			t.Fatalf("n=%d: Append gives %s, Set %s", n, Repr(appended), Repr(set))
		}
		if v, ok := appended.Get(fmt.Sprintf("k%02d", n)); !ok || v != n {
			t.Errorf("n=%d: last key = %v, %v", n, v, ok)
		}
	}
}

func TestNewMapWithKeys(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 2, 3, 5, 8, 9, 17} {
		keys := make([]string, n)
		vals := make([]any, n)
		want := NewMap(n)
		for i := range n {
			keys[i], vals[i] = fmt.Sprintf("k%02d", i), i
			want.Append(keys[i], i)
		}
		shared := append([]string(nil), keys...)
		m := NewMapWithKeys(keys, vals...)
		if !Equal(m, want) {
			t.Fatalf("n=%d: %s, want %s", n, Repr(m), Repr(want))
		}
		if n > 0 {
			if v, ok := m.Get(keys[n-1]); !ok || v != n-1 {
				t.Errorf("n=%d: last key = %v, %v", n, v, ok)
			}
			m.Set(keys[0], "changed")
			m.Delete(keys[n-1])
		}
		m.Append("added", true)
		// The shared keys are never written to.
		if !slices.Equal(keys, shared) {
			t.Fatalf("n=%d: keys became %q", n, keys)
		}
		// A second map on the same keys is not affected by the first.
		if other := NewMapWithKeys(keys, vals...); !Equal(other, want) {
			t.Errorf("n=%d: second map %s, want %s", n, Repr(other), Repr(want))
		}
	}
}
