package expr

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

// seedStrings returns template strings to seed the fuzzers: a few of our
// own and, when ACTUATE_CORPUS is set, every line of the Tracecat corpus
// that holds an expression.
func seedStrings(tb testing.TB) []string {
	seeds := []string{
		`${{ inputs.user_id }}`,
		`${{ inputs.base_url || VARS.okta.base_url || "https://x" }}/api/v1/users/${{ FN.url_encode(inputs.id) }}`,
		`${{ FN.to_base64(SECRETS.a.U + ":" + SECRETS.a.P) }}`,
		`${{ 1 if inputs.n > 3 else 2 }}`,
		`${{ steps.a.result.data[*].id }}`,
		`${{ steps.a.result..id }}`,
		`${{ steps.a.result.data[?(@.id == 2 & @.x != 'y')] }}`,
		`${{ steps.a.result.data[1:3] }}`,
		`${{ {"k": [1, 2.5, None, True]}["k"][-1] }}`,
		`${{ FN.lowercase.map(inputs.names) -> str }}`,
		`$<< not inputs.a in ["x"] && inputs.b is not None >>`,
		`${{ int("4") * -2 % 3 / 1.5 }}`,
	}
	dir := os.Getenv("ACTUATE_CORPUS")
	if dir == "" {
		return seeds
	}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if i := strings.Index(line, "${{"); i >= 0 {
				seeds = append(seeds, strings.Trim(strings.TrimSpace(line[i:]), `"'`))
			}
		}
		return nil
	})
	return seeds
}

var fuzzEnv = Env{
	"inputs":  value.MapOf("user_id", "u1", "n", 5, "names", []any{"A", "B"}, "a", "x", "b", nil, "id", "a b"),
	"steps":   value.MapOf("a", value.MapOf("result", value.MapOf("data", []any{value.MapOf("id", 1, "x", "y"), value.MapOf("id", 2)}))),
	"VARS":    value.MapOf("okta", value.MapOf("base_url", "https://okta")),
	"SECRETS": value.MapOf("a", value.MapOf("U", "u", "P", "p")),
}

// FuzzCompile compiles arbitrary template strings: never a panic, and every
// error carries an offset inside the text.
func FuzzCompile(f *testing.F) {
	for _, s := range seedStrings(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Compile(s)
		if err == nil {
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("Compile(%q) returned %T %v, want Errors", s, err, err)
		}
		for _, e := range errs {
			if e.Offset < 0 || e.Offset > len(s) || e.Msg == "" {
				t.Fatalf("Compile(%q): bad error %+v", s, e)
			}
		}
	})
}

// FuzzEval compiles and evaluates arbitrary template strings against a
// fixed context: never a panic, errors are *Error with an offset inside
// the text, a second evaluation gives the same result, and a bare
// context read gives what its program gives.
func FuzzEval(f *testing.F) {
	for _, s := range seedStrings(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, err := Compile(s)
		if err != nil {
			return
		}
		for _, e := range text.Exprs() {
			checkContextRead(t, e, fuzzEnv)
		}
		v1, err1 := text.Eval(fuzzEnv)
		v2, err2 := text.Eval(fuzzEnv)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: evaluations disagree: %v / %v", s, err1, err2)
		}
		if err1 != nil {
			var e *Error
			if !errors.As(err1, &e) || e.Offset < 0 || e.Offset > len(s) {
				t.Fatalf("%q: error %T %v has no valid offset", s, err1, err1)
			}
			return
		}
		if value.Repr(v1) != value.Repr(v2) && !strings.Contains(s, "uuid4") && !strings.Contains(s, "now") && !strings.Contains(s, "wall_clock") {
			t.Fatalf("%q: evaluations differ: %s / %s", s, value.Repr(v1), value.Repr(v2))
		}
	})
}

// checkContextRead checks that Eval, which reads a bare context path
// without the VM, gives what the expression's program gives.
func checkContextRead(t *testing.T, e *Expr, env Env) {
	t.Helper()
	if _, ok := e.root.(*contextNode); !ok {
		return
	}
	fast, err := e.Eval(env)
	slow, serr := e.run(env)
	if err != nil || serr != nil || value.Repr(fast) != value.Repr(slow) {
		t.Fatalf("%q: read directly %s (%v), by the program %s (%v)", e.Text(), value.Repr(fast), err, value.Repr(slow), serr)
	}
}

// TestContextReadWithoutVM checks the direct reads of context paths
// against their programs, over paths that find and miss their values.
func TestContextReadWithoutVM(t *testing.T) {
	t.Parallel()
	env := Env{
		"inputs": value.MapOf("a", value.MapOf("b", "x", "n", nil), "list", []any{value.MapOf("id", 1), value.MapOf("id", 2), 3},
			"m", value.MapOf("k k", true)),
		"steps":   value.MapOf("s", value.MapOf("result", value.MapOf("data", []any{"d"}))),
		"SECRETS": value.MapOf("api", value.MapOf("TOKEN", "t")),
	}
	for _, src := range []string{
		"inputs.a", "inputs.a.b", "inputs.a.n", "inputs.a.missing", "inputs.a.b.c",
		"inputs.list[0]", "inputs.list[5]", "inputs.list[-1]", "inputs.list[*].id", "inputs.list[1:]",
		`inputs.m["k k"]`, "inputs..id", "steps.s.result.data", "steps.s.result.data[0]", "steps.t.result",
		"SECRETS.api.TOKEN", "SECRETS.api.OTHER", "VARS.v.k", "ENV.x", "ENV",
	} {
		e, err := CompileExpr(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if _, ok := e.root.(*contextNode); !ok {
			t.Fatalf("%s: not a context read", src)
		}
		checkContextRead(t, e, env)
		checkContextRead(t, e, nil)
	}
}
