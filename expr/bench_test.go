package expr

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	exprlang "github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/actuatehq/actuate/expr/value"
)

// benchEnv is the context of the benchmarks, as our evaluator sees it.
func benchEnv() Env {
	return Env{
		"inputs":  value.MapOf("user_id", "00u1 abc/def", "base_url", nil, "id", "a b", "n", 5),
		"VARS":    value.MapOf("okta", value.MapOf("base_url", "https://okta.example.com")),
		"SECRETS": value.MapOf("a", value.MapOf("U", "user", "P", "pass")),
	}
}

// nativeEnv is the same data in the form expr-lang reads natively.
func nativeEnv() map[string]any {
	return map[string]any{
		"inputs":  map[string]any{"user_id": "00u1 abc/def", "base_url": nil, "id": "a b", "n": 5},
		"VARS":    map[string]any{"okta": map[string]any{"base_url": "https://okta.example.com"}},
		"SECRETS": map[string]any{"a": map[string]any{"U": "user", "P": "pass"}},
	}
}

// BenchmarkShapes runs five common expression shapes compiled by us
// against the same expressions written in expr-lang's own syntax and
// compiled by expr-lang directly (target: ours at most 1.3x native).
func BenchmarkShapes(b *testing.B) {
	shapes := []struct{ name, ours, native string }{
		{"path", `inputs.user_id`, `inputs.user_id`},
		{"fallback", `inputs.base_url || VARS.okta.base_url || "https://x"`, `inputs.base_url ?? VARS.okta.base_url ?? "https://x"`},
		{"url_encode", `FN.url_encode(inputs.id)`, `url_encode(inputs.id)`},
		{"base64", `FN.to_base64(SECRETS.a.U + ":" + SECRETS.a.P)`, `to_base64(SECRETS.a.U + ":" + SECRETS.a.P)`},
		{"ternary", `1 if inputs.n > 3 else 2`, `inputs.n > 3 ? 1 : 2`},
	}
	nativeFuncs := []exprlang.Option{
		exprlang.Function("url_encode", func(args ...any) (any, error) {
			return url.PathEscape(args[0].(string)), nil
		}, new(func(string) string)),
		exprlang.Function("to_base64", func(args ...any) (any, error) {
			return base64.StdEncoding.EncodeToString([]byte(args[0].(string))), nil
		}, new(func(string) string)),
	}
	for _, s := range shapes {
		ours, err := CompileExpr(s.ours)
		if err != nil {
			b.Fatal(err)
		}
		env := benchEnv()
		b.Run(s.name+"/actuate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ours.Eval(env); err != nil {
					b.Fatal(err)
				}
			}
		})
		native, err := exprlang.Compile(s.native, append([]exprlang.Option{exprlang.Env(nativeEnv())}, nativeFuncs...)...)
		if err != nil {
			b.Fatal(err)
		}
		nenv := nativeEnv()
		b.Run(s.name+"/exprlang", func(b *testing.B) {
			b.ReportAllocs()
			var m vm.VM
			for b.Loop() {
				if _, err := m.Run(native, nenv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderURL renders a URL template string against a hand-written
// Go function that builds the same string (target: at most 3x, at most 4
// allocations).
func BenchmarkRenderURL(b *testing.B) {
	text, err := Compile(`${{ inputs.base_url }}/api/v1/users/${{ FN.url_encode(inputs.user_id) }}`)
	if err != nil {
		b.Fatal(err)
	}
	env := Env{"inputs": value.MapOf("base_url", "https://okta.example.com", "user_id", "00u1 abc/def")}
	want := "https://okta.example.com/api/v1/users/00u1%20abc%2Fdef"
	b.Run("actuate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, err := text.Eval(env)
			if err != nil || v != want {
				b.Fatal(v, err)
			}
		}
	})
	inputs := map[string]any{"base_url": "https://okta.example.com", "user_id": "00u1 abc/def"}
	b.Run("handwritten", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var sb strings.Builder
			sb.WriteString(inputs["base_url"].(string))
			sb.WriteString("/api/v1/users/")
			sb.WriteString(strings.ReplaceAll(url.PathEscape(inputs["user_id"].(string)), "/", "%2F"))
			if sb.String() != want {
				b.Fatal(sb.String())
			}
		}
	})
}

// BenchmarkCompile measures compiling one typical URL string, the work
// done once per expression when a template loads.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(`${{ inputs.base_url || VARS.okta.base_url }}/api/v1/users/${{ FN.url_encode(inputs.user_id) }}`); err != nil {
			b.Fatal(err)
		}
	}
}
