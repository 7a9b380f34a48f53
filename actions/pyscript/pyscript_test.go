package pyscript

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// interpreter returns the test machine's Python; the tests need one
// (.ci/run installs it).
func interpreter(t testing.TB) *Interpreter {
	t.Helper()
	in, err := FindInterpreter("")
	if err != nil {
		t.Fatalf("these tests run Python: %v", err)
	}
	return in
}

// runStep runs the action with args (a Go map turned into value data) and
// returns its result, what it logged and its error.
func runStep(t *testing.T, a *Action, args map[string]any) (any, string, error) {
	t.Helper()
	return callCtx(context.Background(), t, a, args)
}

func callCtx(ctx context.Context, t *testing.T, a *Action, args map[string]any) (any, string, error) {
	t.Helper()
	interpreter(t)
	m, err := a.Spec().Validate(toValue(args).(*value.Map))
	if err != nil {
		t.Fatalf("args: %v", err)
	}
	var log bytes.Buffer
	env := &actions.Env{Step: "py", Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})), Now: time.Now}
	res, err := a.Run(ctx, m, env)
	return res, log.String(), err
}

// toValue turns Go test data into the engine's values.
func toValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		// Keys in a fixed order, for the tests that check order.
		m := value.NewMap(len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			m.Set(k, toValue(v[k]))
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toValue(x)
		}
		return out
	}
	return v
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := value.MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestResults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script string
		inputs map[string]any
		want   string
	}{
		{"echo", "def main(a):\n    return {\"a\": a}\n", map[string]any{"a": "x"}, `{"a":"x"}`},
		{"no inputs", "def main():\n    return 42\n", nil, `42`},
		{"key order kept", "def main():\n    return {\"z\": 1, \"a\": 2, \"m\": {\"y\": 1, \"b\": 2}}\n", nil, `{"z":1,"a":2,"m":{"y":1,"b":2}}`},
		{"datetimes as ISO text", "import datetime\ndef main():\n    return [datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc), datetime.date(2024, 1, 2), datetime.time(3, 4)]\n", nil, `["2024-05-06T07:08:09+00:00","2024-01-02","03:04:00"]`},
		{"datetime objects without isoformat as their repr", "import datetime\ndef main():\n    return [datetime.timezone.utc, datetime.timezone(datetime.timedelta(hours=2))]\n", nil, `["datetime.timezone.utc","datetime.timezone(datetime.timedelta(seconds=7200))"]`},
		{"datetime subclasses as datetimes", "import datetime\nclass D(datetime.datetime):\n    pass\nclass T(datetime.timedelta):\n    pass\ndef main():\n    return [D(2024, 1, 2, 3, 4, 5), T(hours=1)]\n", nil, `["2024-01-02T03:04:05","PT1H"]`},
		{"durations as ISO 8601", "import datetime\ndef main():\n    return [datetime.timedelta(days=1, seconds=3723, microseconds=500000), datetime.timedelta(0)]\n", nil, `["P1DT1H2M3.5S","PT0S"]`},
		{"dict keys as JSON writes them", "def main():\n    return {1: 'a', None: 'c', 2.5: 'd', False: 'x'}\n", nil, `{"1":"a","null":"c","2.5":"d","false":"x"}`},
		{"subclasses as their base", "import collections, enum\nclass E(enum.IntEnum):\n    A = 3\ndef main():\n    return collections.OrderedDict([('e', E.A), ('t', ('x',))])\n", nil, `{"e":3,"t":["x"]}`},
		{"str, int and float subclasses as their base's value", "import enum\nclass E(str, enum.Enum):\n    A = 'a'\nclass I(int):\n    def __int__(self):\n        return 9\nclass F(float):\n    def __float__(self):\n        return 9.0\ndef main():\n    return [E.A, I(3), F(1.5), {E.A: 1}]\n", nil, `["a",3,1.5,{"a":1}]`},
		{"durations beyond 292 years", "import datetime\ndef main():\n    return [datetime.timedelta(days=200000, seconds=5), -datetime.timedelta(days=200000, hours=1), datetime.timedelta(days=999999)]\n", nil, `["P547Y345DT5S","-P547Y345DT1H","P2739Y264D"]`},
		{"shared objects written twice", "def main():\n    x = {'k': [1]}\n    return [x, x, 'interned', 'interned']\n", nil, `[{"k":[1]},{"k":[1]},"interned","interned"]`},
		{"big ints", "def main():\n    return [2**62, -2**63, 2**70]\n", nil, `[4611686018427387904,-9223372036854775808,1.1805916207174113e+21]`},
		{"sets sorted", "def main():\n    return {\"s\": {3, 1, 2}, \"f\": frozenset([\"b\", \"a\"])}\n", nil, `{"s":[1,2,3],"f":["a","b"]}`},
		{"mixed set sorted by repr", "def main():\n    return {1, \"a\"}\n", nil, `["a",1]`},
		{"bytes decoded", "def main():\n    return [b\"caf\\xc3\\xa9\", bytearray(b\"x\"), b\"\\xff\"]\n", nil, `["café","x","�"]`},
		{"other objects as repr", "import decimal\ndef main():\n    return [decimal.Decimal(\"1.5\"), 1+2j]\n", nil, `["Decimal('1.5')","(1+2j)"]`},
		{"tuples are lists, None is null", "def main():\n    return (1, None, True, 2.5)\n", nil, `[1,null,true,2.5]`},
		{"unicode", "def main(s):\n    return s + \" ✓ 😀\"\n", map[string]any{"s": "é"}, `"é ✓ 😀"`},
		{"nested input values", "def main(d, l):\n    return {\"d\": d[\"k\"][0], \"n\": len(l)}\n", map[string]any{"d": map[string]any{"k": []any{7}}, "l": []any{1, 2}}, `{"d":7,"n":2}`},
		{"async main awaited", "import asyncio\nasync def main(x):\n    await asyncio.sleep(0)\n    return x * 2\n", map[string]any{"x": 21}, `42`},
		{"the only public function", "def _helper():\n    return 1\ndef build(x):\n    return x + _helper()\n", map[string]any{"x": 1}, `2`},
		{"main among several", "def other():\n    return 1\ndef main():\n    return 2\n", nil, `2`},
		{"defaults", "def main(a, b=5):\n    return a + b\n", map[string]any{"a": 1}, `6`},
		{"kwargs", "def main(**kw):\n    return sorted(kw)\n", map[string]any{"b": 1, "a": 2}, `["a","b"]`},
		{"stdout is not the result", "import json\ndef main():\n    print(json.dumps({\"result\": \"forged\"}))\n    return \"real\"\n", nil, `"real"`},
		{"stdlib modules", "import json, re, datetime, urllib.parse, uuid, secrets, string, time, base64, hashlib\ndef main(q):\n    return urllib.parse.quote(q) + re.sub('a', 'b', 'aa')\n", map[string]any{"q": "a b"}, `"a%20bbb"`},
		{"None result", "def main():\n    pass\n", nil, `null`},
		{"module code runs first", "X = [1]\nX.append(2)\ndef main():\n    return X\n", nil, `[1,2]`},
		{"name is not __main__", "def main():\n    return 1\nif __name__ == \"__main__\":\n    raise SystemExit(3)\n", nil, `1`},
		{"stdin is empty", "import sys\ndef main():\n    return sys.stdin.read()\n", nil, `""`},
	}
	a := New(Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := map[string]any{"script": c.script}
			if c.inputs != nil {
				args["inputs"] = c.inputs
			}
			res, _, err := runStep(t, a, args)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got := jsonOf(t, res); got != c.want {
				t.Errorf("result %s, want %s", got, c.want)
			}
		})
	}
}

// TestSpecDefaults checks that parseCall applies the declared defaults:
// the action gets only the args a step gives (OwnDefaults).
func TestSpecDefaults(t *testing.T) {
	t.Parallel()
	s := New(Config{}).Spec()
	given := value.MapOf("script", "def main(): pass")
	filled, err := template.Validate(s.Name, s.Inputs, given)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"script":"def main(): pass","inputs":null,"dependencies":null,"timeout_seconds":300,"allow_network":false,"env_vars":null}`
	if got := jsonOf(t, filled); got != want {
		t.Errorf("defaults:\n got %s\nwant %s", got, want)
	}
	args, err := s.Validate(given)
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, args); got != `{"script":"def main(): pass"}` {
		t.Errorf("validated args hold more than was given: %s", got)
	}
	fromDefaults, err := parseCall(filled)
	if err != nil {
		t.Fatal(err)
	}
	fromGiven, err := parseCall(args)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromDefaults, fromGiven) || fromGiven.timeout != DefaultTimeout {
		t.Errorf("parseCall's defaults differ from the declared ones:\n%+v\n%+v", fromGiven, fromDefaults)
	}
}

func TestDateTimeInputsArePythonObjects(t *testing.T) {
	t.Parallel()
	at := value.DateTime{Time: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
	naive := value.DateTime{Time: time.Date(2024, 5, 6, 7, 8, 9, 500000000, time.UTC), Naive: true}
	res, _, err := runStep(t, New(Config{}), map[string]any{
		"script": "def main(at, naive, day, tod, tod_us, span):\n    return [at.isoformat(), naive.isoformat(), day.isoformat(), tod.isoformat(), tod_us.isoformat(), span.total_seconds(), type(at).__name__]\n",
		"inputs": map[string]any{"at": at, "naive": naive, "day": value.Date{Year: 2024, Month: 2, Day: 29}, "tod": value.TimeOfDay{Hour: 13, Minute: 5},
			"tod_us": value.TimeOfDay{Hour: 1, Minute: 2, Second: 3, Nanosecond: 4500999}, "span": 90 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, res), `["2024-05-06T07:08:09+00:00","2024-05-06T07:08:09.500000","2024-02-29","13:05:00","01:02:03.004500",90.0,"datetime"]`; got != want {
		t.Errorf("result %s, want %s", got, want)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		args   map[string]any
		want   string
		wantIs error
	}{
		{"exception with traceback", map[string]any{"script": "def helper(x):\n    raise ValueError(f\"bad {x}\")\n\ndef main(x):\n    return helper(x)\n", "inputs": map[string]any{"x": 3}},
			"ValueError: bad 3\nTraceback (most recent call last):\n  script line 5, in main: return helper(x)\n  script line 2, in helper: raise ValueError(f\"bad {x}\")", nil},
		{"key error", map[string]any{"script": "def main():\n    return {}['k']\n"},
			"KeyError: 'k'\nTraceback (most recent call last):\n  script line 2, in main: return {}['k']", nil},
		{"exception without message", map[string]any{"script": "def main():\n    raise RuntimeError\n"},
			"RuntimeError\nTraceback (most recent call last):\n  script line 2, in main: raise RuntimeError", nil},
		{"error at module level", map[string]any{"script": "import no_such_module_here\ndef main():\n    pass\n"},
			"ModuleNotFoundError: No module named 'no_such_module_here' (only the standard library can be imported unless the step lists the package in dependencies)\nTraceback (most recent call last):\n  script line 1, in <module>: import no_such_module_here", nil},
		{"syntax error", map[string]any{"script": "def main():\n    return (1\n"},
			"SyntaxError: '(' was never closed\nTraceback (most recent call last):\n  script line 2, in <module>: return (1", nil},
		{"extra input", map[string]any{"script": "def main(a):\n    return a\n", "inputs": map[string]any{"a": 1, "b": 2}},
			"TypeError: main() got an unexpected keyword argument 'b'", nil},
		{"missing input", map[string]any{"script": "def main(a, b):\n    return a\n", "inputs": map[string]any{"a": 1}},
			"TypeError: main() missing 1 required positional argument: 'b'", nil},
		{"no function", map[string]any{"script": "x = 1\n"},
			"the script defines no function to call; define main(...)", nil},
		{"several functions, no main", map[string]any{"script": "def a():\n    pass\ndef b():\n    pass\n"},
			"the script defines several functions (a, b) and none is called main; name the one to call main", nil},
		{"print floods", map[string]any{"script": "def main():\n    print('x' * 100000)\n    raise RuntimeError('after printing')\n"},
			"RuntimeError: after printing\nTraceback (most recent call last):\n  script line 3, in main: raise RuntimeError('after printing')", nil},
		{"sys.exit", map[string]any{"script": "import sys\ndef main():\n    sys.exit(4)\n"},
			"SystemExit: 4\nTraceback (most recent call last):\n  script line 3, in main: sys.exit(4)", nil},
		{"exit without a result", map[string]any{"script": "import os\ndef main():\n    os._exit(7)\n"},
			"the script's interpreter exited with status 7 without a result", nil},
		{"result not JSON", map[string]any{"script": "def main():\n    d = {}\n    d['d'] = d\n    return d\n"},
			"the value the function returned cannot be written as JSON: ValueError: Circular reference detected", nil},
		{"NaN result", map[string]any{"script": "def main():\n    return float('nan')\n"},
			"the value the function returned cannot be written as JSON: ValueError: Out of range float values are not JSON compliant", nil},
		{"NaN key", map[string]any{"script": "def main():\n    return {float('-inf'): 1}\n"},
			"the value the function returned cannot be written as JSON: ValueError: Out of range float values are not JSON compliant", nil},
		{"exception whose str() fails", map[string]any{"script": "class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\ndef main():\n    raise E()\n"},
			"E: <exception str() failed>\nTraceback (most recent call last):\n  script line 5, in main: raise E()", nil},
		{"key not JSON", map[string]any{"script": "def main():\n    return {(1, 2): 'x'}\n"},
			"the value the function returned cannot be written as JSON: TypeError: keys must be str, int, float, bool or None, not tuple", nil},
		{"missing dependencies", map[string]any{"script": "def main():\n    pass\n", "dependencies": []any{"json", "no-such-package-xyz>=1.0", "other_missing_pkg[extra]"}},
			"dependencies cannot be imported: no-such-package-xyz>=1.0, other_missing_pkg[extra]; packages are not installed at run time, install them for the interpreter that runs the steps (ACTUATE_PYTHON)", nil},
		{"bad env var name", map[string]any{"script": "def main():\n    pass\n", "env_vars": map[string]any{"A=B": "x"}},
			`env_vars: "A=B" is not a valid environment variable name`, nil},
		{"bad timeout", map[string]any{"script": "def main():\n    pass\n", "timeout_seconds": 0},
			"timeout_seconds must be a positive number of seconds, got 0", nil},
		{"timeout too long", map[string]any{"script": "def main():\n    pass\n", "timeout_seconds": 10_000_000_000},
			"timeout_seconds must be at most 31536000 (a year), got 10000000000", nil},
	}
	a := New(Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, _, err := runStep(t, a, c.args)
			if err == nil {
				t.Fatalf("no error; result %s", jsonOf(t, res))
			}
			if err.Error() != c.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, c.want)
			}
		})
	}
}

func TestDependenciesThatImport(t *testing.T) {
	t.Parallel()
	res, _, err := runStep(t, New(Config{}), map[string]any{
		"script":       "import json\ndef main():\n    return 'ok'\n",
		"dependencies": []any{"json", "urllib==1.0", "pip"},
	})
	if err != nil || res != "ok" {
		t.Fatalf("result %v, error %v", res, err)
	}
}

func TestStdoutAndStderrAreLogged(t *testing.T) {
	t.Parallel()
	_, log, err := runStep(t, New(Config{}), map[string]any{
		"script": "import sys\ndef main():\n    print('to stdout')\n    print('to stderr', file=sys.stderr)\n    return 1\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "level=INFO msg=\"python stdout\" step=py text=\"to stdout\"\nlevel=INFO msg=\"python stderr\" step=py text=\"to stderr\"\n"
	if log != want {
		t.Errorf("log:\n%s\nwant:\n%s", log, want)
	}
}

func TestLongOutputIsCut(t *testing.T) {
	t.Parallel()
	_, log, err := runStep(t, New(Config{}), map[string]any{"script": "def main():\n    print('x' * 100000)\n"})
	if err != nil {
		t.Fatal(err)
	}
	// The one line is longer than the limit: none of it shows.
	if want := "level=INFO msg=\"python stdout\" step=py text=\"[100001 more bytes not shown]\"\n"; log != want {
		t.Errorf("log %q, want %q", log, want)
	}
}

// A line cut at the output limit is left out whole, in the log and in the
// error: it could end in the first bytes of a secret, which the engine
// masks only where the whole value shows.
func TestCutOutputShowsNoPartOfASecret(t *testing.T) {
	t.Parallel()
	const token = "sk-live-0123456789abcdef"
	// On both streams the limit falls 5 bytes into the token; stderr's
	// last line ends the error.
	script := "import os, sys\ndef main(token):\n    for f in (sys.stdout, sys.stderr):\n        f.write('first line\\n' + 'x' * (65536 - 11 - 5) + token + '\\n')\n        f.flush()\n    os._exit(3)\n"
	_, log, err := runStep(t, New(Config{}), map[string]any{"script": script, "inputs": map[string]any{"token": token}})
	if want := "the script's interpreter exited with status 3 without a result: first line"; err == nil || err.Error() != want {
		t.Errorf("error %.200v, want %s", err, want)
	}
	omitted := 65536 - 11 - 5 + len(token) + 1
	want := fmt.Sprintf("level=INFO msg=\"python stdout\" step=py text=\"first line\\n[%d more bytes not shown]\"\n", omitted) +
		fmt.Sprintf("level=INFO msg=\"python stderr\" step=py text=\"first line\\n[%d more bytes not shown]\"\n", omitted)
	if log != want {
		t.Errorf("log %.200q, want %q", log, want)
	}
}

// limitedBuffer cuts what it keeps back to a whole line, so that no UTF-8
// character is split either.
func TestLimitedBufferKeepsWholeLines(t *testing.T) {
	t.Parallel()
	b := limitedBuffer{limit: 7}
	for _, p := range []string{"one\n", "twé\n", "three\n"} {
		if n, err := b.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	// The limit falls inside é.
	if text, omitted := b.Text(); string(text) != "one\n" || omitted != 11 {
		t.Errorf("Text() = %q, %d; want \"one\\n\", 11", text, omitted)
	}
	whole := limitedBuffer{limit: 7}
	_, _ = whole.Write([]byte("no end"))
	if text, omitted := whole.Text(); string(text) != "no end" || omitted != 0 {
		t.Errorf("Text() = %q, %d; want all of it", text, omitted)
	}
}

func TestEnvironmentIsEmptyButEnvVars(t *testing.T) {
	t.Setenv("ACTUATE_TEST_PARENT_SECRET", "parent-value")
	res, _, err := runStep(t, New(Config{}), map[string]any{
		"script":   "import os\ndef main():\n    return dict(os.environ)\n",
		"env_vars": map[string]any{"GREETING": "hello", "EMPTY": ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Python's UTF-8 mode and C locale coercion may add LC_CTYPE.
	m := res.(*value.Map)
	m.Delete("LC_CTYPE")
	if got := jsonOf(t, m); got != `{"EMPTY":"","GREETING":"hello"}` {
		t.Errorf("environment %s", got)
	}
}

func TestWorkingDirectoryIsFreshAndRemoved(t *testing.T) {
	t.Parallel()
	a := New(Config{})
	script := "import os\ndef main():\n    before = os.listdir('.')\n    open('left.txt', 'w').write('x')\n    return [os.getcwd(), before]\n"
	var dirs []string
	for i := 0; i < 2; i++ {
		res, _, err := runStep(t, a, map[string]any{"script": script})
		if err != nil {
			t.Fatal(err)
		}
		list := res.([]any)
		if got := jsonOf(t, list[1]); got != `[]` {
			t.Errorf("run %d saw %s in its working directory", i, got)
		}
		dirs = append(dirs, list[0].(string))
	}
	if dirs[0] == dirs[1] {
		t.Errorf("both runs used %s", dirs[0])
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists (%v)", d, err)
		}
	}
}

// listener is an HTTP server the scripts try to reach.
func listener(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "reached")
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

const connectScript = `import socket
def main(addr):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data = s.recv(1000)
    s.close()
    return data.decode().split("\r\n\r\n", 1)[1]
`

// The network namespace holds only a loopback interface, down: even the
// host's 127.0.0.1 is unreachable.
func TestNetworkIsRefused(t *testing.T) {
	t.Parallel()
	_, _, err := runStep(t, New(Config{}), map[string]any{"script": connectScript, "inputs": map[string]any{"addr": listener(t)}})
	if err == nil {
		t.Fatal("the script reached the network")
	}
	var se *ScriptError
	if !errors.As(err, &se) || se.Type != "OSError" || se.Message != "[Errno 101] Network is unreachable" {
		t.Fatalf("error %v, want OSError: [Errno 101] Network is unreachable", err)
	}
}

func TestNetworkAllowed(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{}, {Sandbox: SandboxOff}} {
		res, _, err := runStep(t, New(cfg), map[string]any{"script": connectScript, "inputs": map[string]any{"addr": listener(t)}, "allow_network": true})
		if err != nil || res != "reached" {
			t.Errorf("sandbox %d: result %v, error %v", cfg.Sandbox, res, err)
		}
	}
}

func TestSandboxOffReachesTheNetwork(t *testing.T) {
	t.Parallel()
	res, _, err := runStep(t, New(Config{Sandbox: SandboxOff}), map[string]any{"script": connectScript, "inputs": map[string]any{"addr": listener(t)}})
	if err != nil || res != "reached" {
		t.Errorf("result %v, error %v", res, err)
	}
}

func TestTimeoutKillsEveryProcess(t *testing.T) {
	t.Parallel()
	// The script leaves a child holding stdout open: only killing the
	// whole group lets the step end at its timeout.
	script := "import subprocess, sys, time\ndef main():\n    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n    time.sleep(60)\n"
	start := time.Now()
	_, _, err := runStep(t, New(Config{}), map[string]any{"script": script, "timeout_seconds": 1})
	took := time.Since(start)
	if err == nil || err.Error() != "the script ran longer than timeout_seconds (1s) and was killed; raise timeout_seconds if it needs more time" {
		t.Fatalf("error %v", err)
	}
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() {
		t.Errorf("the error is not a timeout: %T", err)
	}
	if took > 10*time.Second {
		t.Errorf("the step ended %s after it started, not at its 1s timeout", took)
	}
}

// What a script printed before its timeout is logged: it tells how far
// it got. Each line reaches actuate as it is printed.
func TestTimeoutLogsOutput(t *testing.T) {
	t.Parallel()
	script := "import time\ndef main():\n    print('reached step 3')\n    time.sleep(60)\n"
	_, log, err := runStep(t, New(Config{}), map[string]any{"script": script, "timeout_seconds": 1})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("error %v, want a timeout", err)
	}
	if want := "level=INFO msg=\"python stdout\" step=py text=\"reached step 3\"\n"; log != want {
		t.Errorf("log %q, want %q", log, want)
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, _, err := callCtx(ctx, t, New(Config{}), map[string]any{"script": "import time\ndef main():\n    time.sleep(60)\n"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	_, _, err := runStep(t, New(Config{MemoryLimit: 256 << 20}), map[string]any{"script": "def main():\n    return len(bytearray(1 << 30))\n"})
	want := "MemoryError (the script went past its memory limit; raise Config.MemoryLimit, or --python-memory on the command line)\nTraceback (most recent call last):\n  script line 2, in main: return len(bytearray(1 << 30))"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestCPULimit(t *testing.T) {
	t.Parallel()
	_, _, err := runStep(t, New(Config{CPULimit: time.Second}), map[string]any{"script": "def main():\n    while True:\n        pass\n", "timeout_seconds": 30})
	want := "the script used more than 1s of CPU time, its limit, and was killed; raise Config.CPULimit, or --python-cpu on the command line"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func TestNoInterpreter(t *testing.T) {
	t.Parallel()
	_, err := New(Config{Interpreter: "/no/such/python3"}).Run(context.Background(), value.MapOf("script", "def main(): pass"), &actions.Env{Logger: slog.New(slog.DiscardHandler)})
	want := "no Python interpreter for core.script.run_python steps: /no/such/python3: not found; install Python 3 (for example `apt-get install python3`) or set ACTUATE_PYTHON to the path of a python3"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant %s", err, want)
	}
}

func TestDryRunSkipsNetworkScripts(t *testing.T) {
	t.Parallel()
	interpreter(t)
	var log bytes.Buffer
	env := &actions.Env{Step: "py", Logger: slog.New(slog.NewTextHandler(&log, nil)), DryRun: func(actions.Request) {}}
	res, err := New(Config{}).Run(context.Background(), value.MapOf("script", "def main():\n    raise SystemExit(1)\n", "allow_network", true), env)
	if err != nil || res != nil {
		t.Fatalf("result %v, error %v", res, err)
	}
	if !strings.Contains(log.String(), "dry run: not running a Python step that sets allow_network") {
		t.Errorf("log %q", log.String())
	}
	// Without the network, the script runs in a dry run too.
	res, err = New(Config{}).Run(context.Background(), value.MapOf("script", "def main():\n    return 5\n"), env)
	if err != nil || res != 5 {
		t.Fatalf("result %v, error %v", res, err)
	}
}

// Where the kernel will not create the namespaces, a step refuses to run
// and says why; with the sandbox off it runs.
func TestSandboxFailsClosed(t *testing.T) {
	t.Parallel()
	refusing := func(sandboxed, network, withUserNS bool) *syscall.SysProcAttr {
		attr := isolation(sandboxed, network, withUserNS)
		if sandboxed {
			// CLONE_THREAD without CLONE_SIGHAND: the kernel says EINVAL,
			// as it does where namespaces are not allowed.
			attr.Cloneflags |= syscall.CLONE_THREAD
		}
		return attr
	}
	for _, network := range []bool{false, true} {
		a := New(Config{})
		a.isolate = refusing
		_, _, err := runStep(t, a, map[string]any{"script": "def main():\n    return 1\n", "allow_network": network})
		what := "network and PID namespaces"
		if network {
			what = "a PID namespace"
		}
		want := "cannot isolate the script: the kernel refused to create " + what + " (invalid argument); let actuate create them (run it as root, or allow unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1), or set Config.Sandbox to SandboxOff (--python-sandbox=off on the command line) to run Python steps without that isolation"
		if err == nil || err.Error() != want {
			t.Errorf("allow_network %v: error %v\nwant %s", network, err, want)
		}
	}
	off := New(Config{Sandbox: SandboxOff})
	off.isolate = refusing
	res, _, err := runStep(t, off, map[string]any{"script": "def main():\n    return 1\n"})
	if err != nil || res != 1 {
		t.Errorf("sandbox off: result %v, error %v", res, err)
	}
}

// locate points the frames at the script's lines and, through
// env.Source, at the template's.
func TestLocate(t *testing.T) {
	t.Parallel()
	script := "def main():\n    x = 1\n\treturn x  \n"
	e := &ScriptError{Type: "E", Frames: []Frame{{Line: 3, Function: "main"}, {Line: 1, Function: "<module>"}, {Line: 5, Function: "f"}, {Line: 0, Function: "g"}}}
	env := &actions.Env{Source: func(arg string, off int) (string, template.Pos, bool) {
		return "t.yml", template.Pos{Line: 100 + off}, arg == "script"
	}}
	e.locate(script, env)
	want := "E\nTraceback (most recent call last):\n  t.yml:122, in main: return x\n  t.yml:100, in <module>: def main():\n  script line 5, in f\n  script line 0, in g"
	if e.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", e, want)
	}
}

// The runner's bytecode is compiled once into the user's cache folder;
// where that cannot be written, the runner runs from source.
func TestRunnerBytecodeCache(t *testing.T) {
	in := interpreter(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	fresh := &Interpreter{Path: in.Path, Version: in.Version}
	args := fresh.runnerArgs()
	if len(args) != 1 || !strings.HasPrefix(args[0], cache+"/actuate/python/runner-") || !strings.HasSuffix(args[0], ".pyc") {
		t.Fatalf("runner args %q", args)
	}
	first, err := os.Stat(args[0])
	if err != nil || first.Size() == 0 {
		t.Fatalf("bytecode: %v", err)
	}
	// It runs a call.
	c := &call{script: "def main(a):\n    return a * 2\n", inputs: value.MapOf("a", 21), timeout: 10 * time.Second}
	a := New(Config{})
	o, err := a.exec(context.Background(), fresh, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := o.value(c, nil, a.cfg.CPULimit); err != nil || res != 42 {
		t.Fatalf("result %v, error %v", res, err)
	}
	// A second interpreter value finds the same file, and uses it as it
	// is: compiled again, it would be another file (renamed over it).
	if again := (&Interpreter{Path: in.Path, Version: in.Version}).runnerArgs(); again[0] != args[0] {
		t.Errorf("second lookup %q, want %q", again, args)
	}
	if st, err := os.Stat(args[0]); err != nil || !os.SameFile(st, first) || !st.ModTime().Equal(first.ModTime()) {
		t.Errorf("the second lookup wrote the bytecode again (%v)", err)
	}
	// An unwritable cache folder: the source.
	t.Setenv("XDG_CACHE_HOME", "/proc/no-cache-here")
	if got := (&Interpreter{Path: in.Path, Version: in.Version}).runnerArgs(); len(got) != 2 || got[0] != "-c" || got[1] != runnerSource {
		t.Errorf("runner args without a cache %.40q", got)
	}
}

// The end of a large reply may still be in the pipe when the interpreter
// has exited: it is read, not cut off. Steps run side by side, so that
// the reader of some lags behind the exit.
func TestLargeResultsReadWhole(t *testing.T) {
	t.Parallel()
	a := New(Config{})
	errs := make(chan error, 32)
	for range cap(errs) {
		go func() {
			res, _, err := runStep(t, a, map[string]any{"script": "def main():\n    return ['x' * 100000] * 10\n"})
			if list, ok := res.([]any); err == nil && (!ok || len(list) != 10 || list[9] != strings.Repeat("x", 100000)) {
				err = fmt.Errorf("result %.100v", res)
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// Without the sandbox, a process that leaves the script's process group
// survives it and may hold the reply's pipe open: the step does not wait
// for it.
func TestReplyPipeHeldOpen(t *testing.T) {
	t.Parallel()
	script := "import os, time\ndef main():\n    if os.fork() == 0:\n        os.setsid()\n        null = os.open(os.devnull, os.O_WRONLY)\n        os.dup2(null, 1)\n        os.dup2(null, 2)\n        time.sleep(6)\n        os._exit(0)\n    return 'done'\n"
	start := time.Now()
	res, _, err := runStep(t, New(Config{Sandbox: SandboxOff}), map[string]any{"script": script})
	if err != nil || res != "done" {
		t.Fatalf("result %v, error %v", res, err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the step took %s", took)
	}
}
