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
// the text, and a second evaluation gives the same result.
func FuzzEval(f *testing.F) {
	for _, s := range seedStrings(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, err := Compile(s)
		if err != nil {
			return
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
