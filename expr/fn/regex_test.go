package fn

import "testing"

func TestRegex(t *testing.T) {
	t.Parallel()
	const lookahead = `regex_extract: pattern uses lookahead "(?=", which Go's RE2 engine does not support (Python re does); rewrite the pattern without it`
	runCases(t, []fnCase{
		{name: "group", fn: "regex_extract", args: l(`id=(\d+)`, "x id=42 y"), want: "42"},
		{name: "whole match", fn: "regex_extract", args: l(`\d+`, "ab 123 45"), want: "123"},
		{name: "first non-null group", fn: "regex_extract", args: l(`(a)|(b)`, "xb"), want: "b"},
		{name: "empty group", fn: "regex_extract", args: l(`x(\d*)`, "x"), want: ""},
		{name: "named group", fn: "regex_extract", args: l(`(?P<year>\d{4})-`, "on 2024-01"), want: "2024"},
		{name: "no match", fn: "regex_extract", args: l(`\d`, "abc"), want: nil},
		{name: "unicode digit", fn: "regex_extract", args: l(`\d+`, "x٣٤"), want: "٣٤"},
		{name: "unicode word", fn: "regex_extract", args: l(`\w+`, "--héllo--"), want: "héllo"},
		{name: "ascii flag", fn: "regex_extract", args: l(`(?a)\w+`, "héllo"), want: "h"},
		{name: "unicode space", fn: "regex_extract", args: l(`a\sb`, "a\u00a0b"), want: "a\u00a0b"},
		{name: "ignorecase", fn: "regex_extract", args: l(`(?i)abc`, "xABC"), want: "ABC"},
		{name: "verbose", fn: "regex_extract", args: l("(?x) (\\d+)  # digits\n [a-z ]", "12 x"), want: "12"},
		{name: "Z", fn: "regex_extract", args: l(`\w+\Z`, "ab cd"), want: "cd"},
		{name: "dollar before final newline", fn: "regex_extract", args: l(`\w+$`, "ab\ncd\n"), want: "cd"},
		{name: "dollar leftmost", fn: "regex_extract", args: l(`.*$`, "x\n"), want: "x"},
		{name: "brace shorthand", fn: "regex_extract", args: l(`a{,2}`, "aaa"), want: "aa"},
		{name: "literal brace", fn: "regex_extract", args: l(`{x}`, "a{x}"), want: "{x}"},
		{name: "escapes", fn: "regex_extract", args: l(`\u0041\x42\103`, "zABC"), want: "ABC"},
		{name: "class bracket", fn: "regex_extract", args: l(`[]a]+`, "x]a]"), want: "]a]"},
		{name: "comment group", fn: "regex_extract", args: l(`a(?#note)b`, "ab"), want: "ab"},
		{name: "lookahead", fn: "regex_extract", args: l(`a(?=b)`, "ab"), err: lookahead},
		{name: "negative lookbehind", fn: "regex_extract", args: l(`(?<!a)b`, "cb"), err: `regex_extract: pattern uses negative lookbehind "(?<!", which Go's RE2 engine does not support (Python re does); rewrite the pattern without it`},
		{name: "backreference", fn: "regex_extract", args: l(`(a)\1`, "aa"), err: `regex_extract: pattern uses backreference "\\1", which Go's RE2 engine does not support (Python re does); rewrite the pattern without it`},
		{name: "named backreference", fn: "regex_extract", args: l(`(?P<x>a)(?P=x)`, "aa"), err: `regex_extract: pattern uses named backreference "(?P=x)", which Go's RE2 engine does not support (Python re does); rewrite the pattern without it`},
		{name: "possessive", fn: "regex_extract", args: l(`a++`, "aa"), err: `regex_extract: pattern uses possessive quantifier "++", which Go's RE2 engine does not support (Python re does); rewrite the pattern without it`},
		{name: "atomic", fn: "regex_extract", args: l(`(?>a)`, "a"), err: `regex_extract: pattern uses atomic group "(?>", which Go's RE2 engine does not support (Python re does); rewrite the pattern without it`},
		{name: "invalid", fn: "regex_extract", args: l(`a(b`, "ab"), err: `regex_extract: invalid regular expression "a(b": missing closing )`},
		{name: "bad escape", fn: "regex_extract", args: l(`\q`, "q"), err: `regex_extract: bad escape \q in pattern "\\q"`},
		{name: "null text", fn: "regex_extract", args: l(`a`, nil), err: "regex_extract: argument 2 must be a string, got None (NoneType)"},
		{name: "null pattern", fn: "regex_extract", args: l(nil, "a"), err: "regex_extract: argument 1 must be a string, got None (NoneType)"},

		{name: "start", fn: "regex_match", args: l(`\d+`, "123abc"), want: true},
		{name: "not at start", fn: "regex_match", args: l(`\d+`, "abc123"), want: false},
		{name: "alternation anchored", fn: "regex_match", args: l(`x|\d`, "a1"), want: false},
		{name: "flags", fn: "regex_match", args: l(`(?i)ABC`, "abcd"), want: true},
		{name: "dollar newline", fn: "regex_match", args: l(`abc$`, "abc\n"), want: true},
		{name: "multiline dollar", fn: "regex_match", args: l(`(?m)a$`, "a\nb"), want: true},
		{name: "lookahead", fn: "regex_match", args: l(`a(?!b)`, "ac"), err: `regex_match: pattern uses negative lookahead "(?!", which Go's RE2 engine does not support (Python re does); rewrite the pattern without it`},
		{name: "text type", fn: "regex_match", args: l(`a`, 1), err: "regex_match: argument 2 must be a string, got 1 (int)"},

		{name: "no match", fn: "regex_not_match", args: l(`\d`, "abc"), want: true},
		{name: "match", fn: "regex_not_match", args: l(`a`, "abc"), want: false},
		{name: "lookbehind", fn: "regex_not_match", args: l(`(?<=a)b`, "ab"), err: `regex_not_match: pattern uses lookbehind "(?<=", which Go's RE2 engine does not support (Python re does); rewrite the pattern without it`},
	})
}

func TestTranslatePattern(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`\d\D`, `\p{Nd}\P{Nd}`},
		{`[\w-]`, `[\p{L}\p{N}_-]`},
		{`\W`, `[^\p{L}\p{N}_]`},
		{`(?a)\w\s`, `\w[\s\v]`},
		{`(?<n>x)`, `(?P<n>x)`},
		{`(?u)x`, `x`},
		{`(?i-s:x)`, `(?i-s:x)`},
		{`[\b]`, `[\x{8}]`},
		{`\0`, `\x{0}`},
		{`[[]`, `[\[]`},
	} {
		got, err := translatePattern(tc.in)
		if err != nil || got.expr != tc.want {
			t.Errorf("translatePattern(%q) = %q, %v; want %q", tc.in, got.expr, err, tc.want)
		}
	}
}

func BenchmarkRegexExtract(b *testing.B) {
	f, _ := Lookup("regex_extract")
	for b.Loop() {
		if _, err := f.Call(`id=(\d+)`, "some text id=12345 more"); err != nil {
			b.Fatal(err)
		}
	}
}
