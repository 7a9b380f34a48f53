package pylambda

import (
	"strings"
	"sync"
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

func TestLimits(t *testing.T) {
	t.Parallel()
	budget := "the lambda took more than 1000000 evaluation steps; lambdas are for small computations"
	for _, tt := range []struct{ src, err string }{
		{"lambda: sum(range(10 ** 9))", budget},
		{"lambda: [[i for i in range(1000)] for j in range(1000)]", budget},
		{"lambda: len(list(range(10 ** 7)))", budget},
		{"lambda: any(x < 0 for x in range(10 ** 9))", budget},
		{"lambda: sorted(range(2000000))", budget},
		{"lambda: 'x' * 10 ** 9", "the lambda built a string of more than 33554432 bytes; lambdas are for small computations"},
		{"lambda: [0] * 10 ** 7", "the lambda built a list of more than 1000000 items; lambdas are for small computations"},
		{"lambda: ('x' * 30000000).replace('x', 'yy')", "the lambda built a string of more than 33554432 bytes; lambdas are for small computations"},
		{"lambda: str([[0] * 1000] * 1000)", budget},
	} {
		l, err := Compile(tt.src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.src, err)
		}
		if _, err := l.Call(); err == nil || err.Error() != tt.err {
			t.Errorf("Call %q error = %v\nwant %s", tt.src, err, tt.err)
		}
	}
	// Within the budget.
	l, _ := Compile("lambda: sum(range(100000))")
	if v, err := l.Call(); err != nil || v != 4999950000 {
		t.Errorf("sum(range(100000)) = %v, %v", v, err)
	}
}

func TestArity(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		src  string
		args []any
		err  string
	}{
		{"lambda x: x", nil, "TypeError: <lambda>() missing 1 required positional argument: 'x'"},
		{"lambda x, y, z: x", []any{1}, "TypeError: <lambda>() missing 2 required positional arguments: 'y' and 'z'"},
		{"lambda a, b, c: a", nil, "TypeError: <lambda>() missing 3 required positional arguments: 'a', 'b', and 'c'"},
		{"lambda: 1", []any{1}, "TypeError: <lambda>() takes 0 positional arguments but 1 was given"},
		{"lambda x: 1", []any{1, 2}, "TypeError: <lambda>() takes 1 positional argument but 2 were given"},
	} {
		l, err := Compile(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Call(tt.args...); err == nil || err.Error() != tt.err {
			t.Errorf("%s%v error = %v\nwant %s", tt.src, tt.args, err, tt.err)
		}
	}
}

func TestParamsAndString(t *testing.T) {
	t.Parallel()
	src := "  lambda resp, page: resp\n"
	l, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	if p := l.Params(); strings.Join(p, ",") != "resp,page" {
		t.Errorf("Params() = %v", p)
	}
	l.Params()[0] = "changed"
	if l.Params()[0] != "resp" {
		t.Error("Params() shares its slice")
	}
	if l.String() != src {
		t.Errorf("String() = %q", l.String())
	}
}

// TestNoMutation checks that a call leaves its arguments as they were and
// returns plain values.
func TestNoMutation(t *testing.T) {
	t.Parallel()
	in, _ := value.ParseJSON([]byte(`{"items": [3, 1, 2], "m": {"b": 1, "a": 2}}`))
	before := value.Repr(in)
	_, err := Compile("lambda x: (sorted(x['items']), list(reversed(x['items'])), dict(x['m']), x['items'][::-1], {**{}} if False else set(x['items']))")
	if err == nil {
		t.Fatal("dict unpacking should not compile")
	}
	l, err := Compile("lambda x: (sorted(x['items']), list(reversed(x['items'])), dict(x['m']), x['items'][::-1], set(x['items']), x['m'] | {'c': 3})")
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Call(in)
	if err != nil {
		t.Fatal(err)
	}
	if value.Repr(in) != before {
		t.Errorf("the argument changed: %s", value.Repr(in))
	}
	if want := "[[1, 2, 3], [2, 1, 3], {'b': 1, 'a': 2}, [2, 1, 3], [3, 1, 2], {'b': 1, 'a': 2, 'c': 3}]"; value.Repr(got) != want {
		t.Errorf("got %s, want %s", value.Repr(got), want)
	}
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	l, err := Compile("lambda x: sorted([i * x for i in range(100)], key=lambda v: -v)[0]")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				v, err := l.Call(g)
				if err != nil || v != 99*g {
					t.Errorf("Call(%d) = %v, %v", g, v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzCompile(f *testing.F) {
	for _, tt := range callTests {
		f.Add(tt.src, tt.args)
	}
	for _, tt := range compileErrorTests {
		f.Add(tt.src, "")
	}
	f.Add("lambda x: [y for y in x if y]", `[[1, 0, "a", null]]`)
	f.Fuzz(func(t *testing.T, src, args string) {
		l, err := Compile(src)
		if err != nil {
			return
		}
		var in []any
		if v, err := value.ParseJSON([]byte(args)); err == nil {
			if list, ok := v.([]any); ok {
				in = list
			}
		}
		if len(in) != len(l.Params()) {
			in = make([]any, len(l.Params()))
		}
		v, err := l.Call(in...)
		if err == nil {
			// Results are plain data.
			if _, err := value.MarshalJSON(v); err != nil && !strings.Contains(err.Error(), "nan") && !strings.Contains(err.Error(), "inf") {
				t.Errorf("%q returned %#v, which is not plain data: %v", src, v, err)
			}
		}
	})
}
