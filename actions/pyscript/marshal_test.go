package pyscript

import (
	"bytes"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

// TestMarshalRoundTrip: what Go writes, Go reads back unchanged.
func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	v := value.MapOf(
		"none", nil, "t", true, "f", false,
		"small", 42, "neg", -7, "int32max", math.MaxInt32, "big", 1<<40, "bigneg", -(1 << 50), "min", math.MinInt64, "max", math.MaxInt64,
		"float", 2.5, "text", "héllo ✓", "bad utf8", "a\xffb",
		"list", []any{1, "two", []any{}, value.NewMap(0)},
		"nested", value.MapOf("z", 1, "a", value.MapOf("k", []any{nil})),
	)
	data, err := new(marshaler).append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	back, err := unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	// The invalid UTF-8 byte becomes U+FFFD on the way.
	v.Set("bad utf8", "a\uFFFDb")
	if got, want := jsonOf(t, back), jsonOf(t, v); got != want {
		t.Errorf("round trip:\n%s\nwant\n%s", got, want)
	}
	// The engine's values hold int64s too (a Python int, as int is).
	data, err = new(marshaler).append(nil, []any{int64(7), int64(math.MinInt64)})
	if err != nil {
		t.Fatal(err)
	}
	if back, err := unmarshal(data); err != nil || jsonOf(t, back) != `[7,-9223372036854775808]` {
		t.Errorf("int64s: %v, %v", back, err)
	}
	if _, err := new(marshaler).append(nil, value.MapOf("ch", make(chan int))); err == nil || err.Error() != "a chan int cannot be passed to Python" {
		t.Errorf("error %v", err)
	}
}

// TestMarshalFromPython decodes what CPython's marshal writes, references
// to shared and interned objects included.
func TestMarshalFromPython(t *testing.T) {
	t.Parallel()
	in := interpreter(t)
	script := `import marshal, sys
shared = [1, 2]
word = "interned_key"
doc = {word: shared, "again": shared, "t": (1, "x"), "long": 10**30, "neg": -(2**63), "u": "é" * 300,
       "ascii": "a" * 300, "keys": {word: word}, "f": -0.5, "nested": [[[]]], "s": "\udc80"}
sys.stdout.buffer.write(marshal.dumps(doc, 4))`
	out, err := exec.Command(in.Path, "-I", "-S", "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	v, err := unmarshal(out)
	if err != nil {
		t.Fatal(err)
	}
	long := "1e+30"
	want := `{"interned_key":[1,2],"again":[1,2],"t":[1,"x"],"long":` + long + `,"neg":-9223372036854775808,"u":"` + strings.Repeat("é", 300) + `","ascii":"` + strings.Repeat("a", 300) + `","keys":{"interned_key":"interned_key"},"f":-0.5,"nested":[[[]]],"s":"` + "\uFFFD" + `"}`
	got := jsonOf(t, v)
	if got != want {
		t.Errorf("decoded:\n%s\nwant:\n%s", got, want)
	}
	// A shared list is copied, not aliased.
	m := v.(*value.Map)
	a, _ := m.Get("interned_key")
	b, _ := m.Get("again")
	a.([]any)[0] = 99
	if b.([]any)[0] != 1 {
		t.Error("two places of the result share one list")
	}
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		data []byte
		want string
	}{
		{nil, "the data ends in the middle of a value"},
		{[]byte("u\x05\x00\x00\x00ab"), "the data ends in the middle of a value"},
		{[]byte("[\xff\xff\xff\x7f"), "the data ends in the middle of a value"},
		{[]byte("NN"), "1 bytes after the value"},
		{[]byte("{i\x01\x00\x00\x00N0"), "a dict key is a int, not a string"},
		{[]byte("r\x00\x00\x00\x00"), "a reference to object 0, which is not there"},
		{[]byte("\xdb\x01\x00\x00\x00r\x00\x00\x00\x00"), "a reference to object 0, which is not there"},
		{[]byte("g\x00\x00\x00\x00\x00\x00\xf8\x7f"), "ValueError: Out of range float values are not JSON compliant"},
		{[]byte("x"), `an unexpected type code 'x'`},
		{[]byte("l\x01\x00\x00\x00\xff\xff"), "a bad digit in a long int"},
		{append([]byte("l\x48\x00\x00\x00"), bytes.Repeat([]byte("\xff\x7f"), 0x48)...), "OverflowError: int too large to convert to float"},
		{append(bytes.Repeat([]byte("[\x01\x00\x00\x00"), 3000), 'N'), "values nested too deep"},
	}
	for _, c := range cases {
		_, err := unmarshal(c.data)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: error %v, want %s", c.data, err, c.want)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	seed, _ := new(marshaler).append(nil, value.MapOf("a", []any{1, 2.5, "x", nil, true, 1 << 40}, "b", value.MapOf()))
	f.Add(seed)
	f.Add([]byte("\xdb\x02\x00\x00\x00\xfa\x01kr\x01\x00\x00\x00r\x00\x00\x00\x00"))
	f.Add([]byte("{\xda\x01ai\x01\x00\x00\x000"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := unmarshal(data)
		if err != nil {
			return
		}
		// Whatever decodes is plain data that encodes again the same way.
		again, err := new(marshaler).append(nil, v)
		if err != nil {
			t.Fatalf("decoded %#v does not encode: %v", v, err)
		}
		w, err := unmarshal(again)
		if err != nil {
			t.Fatalf("re-encoded value does not decode: %v", err)
		}
		if a, b := jsonOf(t, v), jsonOf(t, w); a != b {
			t.Fatalf("round trip changed %s into %s", a, b)
		}
	})
}

// TestRequestTagsTimes: the call tags the engine's datetimes, dates,
// times and durations for the runner, and says so only when there are
// some, so that plain inputs are not walked again in Python.
func TestRequestTagsTimes(t *testing.T) {
	t.Parallel()
	a := New(Config{})
	cases := []struct {
		inputs *value.Map
		want   string
	}{
		{nil, `{"inputs":null,"tagged":false}`},
		{value.MapOf("a", []any{1, "x"}), `{"inputs":{"a":[1,"x"]},"tagged":false}`},
		{value.MapOf("l", []any{value.Date{Year: 2024, Month: 2, Day: 29}}, "m", value.MapOf("d", 90*time.Second)),
			`{"inputs":{"l":[{"__actuate_type__":"date","value":"2024-02-29"}],"m":{"d":{"__actuate_type__":"timedelta","value":90.0}}},"tagged":true}`},
		{value.MapOf("at", value.DateTime{Time: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}, "tod", value.TimeOfDay{Hour: 13, Minute: 5}),
			`{"inputs":{"at":{"__actuate_type__":"datetime","value":"2024-05-06T07:08:09+00:00"},"tod":{"__actuate_type__":"time","value":"13:05:00"}},"tagged":true}`},
	}
	for _, c := range cases {
		data, err := a.request(&call{script: "def main(): pass", inputs: c.inputs})
		if err != nil {
			t.Fatal(err)
		}
		v, err := unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		m := v.(*value.Map)
		if s, _ := m.Get("script"); s != "def main(): pass" {
			t.Errorf("script %q", s)
		}
		inputs, _ := m.Get("inputs")
		tagged, _ := m.Get("tagged")
		if got := jsonOf(t, value.MapOf("inputs", inputs, "tagged", tagged)); got != c.want {
			t.Errorf("request:\n%s\nwant:\n%s", got, c.want)
		}
	}
}
