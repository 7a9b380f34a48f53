package fn

import (
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

// fnCase is one call of an FN function and its expected result: want is
// compared through value.Repr, which tells 1 from 1.0 and True and shows
// dict order; err, when set, is the exact error text.
type fnCase struct {
	name string
	fn   string
	args []any
	want any
	err  string
}

func runCases(t *testing.T, cases []fnCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.fn+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f, ok := Lookup(tc.fn)
			if !ok {
				t.Fatalf("function %q is not registered", tc.fn)
			}
			if err := f.CheckArity(len(tc.args)); err != nil {
				t.Fatalf("arity: %v", err)
			}
			got, err := f.Call(tc.args...)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("got %s, want error %q", value.Repr(got), tc.err)
				}
				if err.Error() != tc.err {
					t.Fatalf("error:\n got  %q\n want %q", err.Error(), tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if g, w := value.Repr(got), value.Repr(tc.want); g != w {
				t.Fatalf("\n got  %s\n want %s", g, w)
			}
		})
	}
}

// l builds a list.
func l(items ...any) []any {
	if items == nil {
		return []any{}
	}
	return items
}

var m = value.MapOf

func TestStrings(t *testing.T) {
	t.Parallel()
	runCases(t, []fnCase{
		{name: "two", fn: "concat", args: l("a", "b"), want: "ab"},
		{name: "none", fn: "concat", args: l(), want: ""},
		{name: "null", fn: "concat", args: l("a", nil), err: "concat: argument 2 must be a string, got None (NoneType)"},
		{name: "int", fn: "concat", args: l(1), err: "concat: argument 1 must be a string, got 1 (int)"},

		{name: "auto", fn: "format", args: l("{} and {}", "a", 1), want: "a and 1"},
		{name: "manual", fn: "format", args: l("{1}{0}{1}", "a", "b"), want: "bab"},
		{name: "braces", fn: "format", args: l("{{x}} {}", nil), want: "{x} None"},
		{name: "spec", fn: "format", args: l("[{:>5}|{:<4}|{:^7}]", "ab", 1, "mid"), want: "[   ab|1   |  mid  ]"},
		{name: "float", fn: "format", args: l("{:.2f} {:,} {:08.3f} {:e} {}", 3.14159, 1234567, -3.5, 12345.678, 0.1), want: "3.14 1,234,567 -003.500 1.234568e+04 0.1"},
		{name: "int spec", fn: "format", args: l("{:x} {:#b} {:+d} {:05d} {:_}", 255, 5, 3, -42, 10000), want: "ff 0b101 +3 -0042 10_000"},
		{name: "general", fn: "format", args: l("{:g} {:g} {:.3} {:.3} {:%}", 1e6, 0.0001, 1.0, 1234.5, 0.25), want: "1e+06 0.0001 1.0 1.23e+03 25.000000%"},
		{name: "conversion", fn: "format", args: l("{!r} {!s} {!a}", "é", "x", "é"), want: "'é' x '\\xe9'"},
		{name: "index", fn: "format", args: l("{0[a]} {0[b][1]}", m("a", 1, "b", l(5, 6))), want: "1 6"},
		{name: "bool", fn: "format", args: l("{} {:d}", true, false), want: "True 0"},
		{name: "nested spec", fn: "format", args: l("{:>{}}", "x", 3), want: "  x"},
		{name: "list", fn: "format", args: l("{}", l("a", 1)), want: "['a', 1]"},
		{name: "out of range", fn: "format", args: l("{} {}", 1), err: "format: Replacement index 1 out of range for positional args tuple"},
		{name: "keyword", fn: "format", args: l("{name}", 1), err: "format: no value for the field {name}: FN.format takes positional arguments only, use {} or {0}"},
		{name: "switch", fn: "format", args: l("{0} {}", 1), err: "format: cannot switch from manual field specification to automatic field numbering"},
		{name: "single close", fn: "format", args: l("a}"), err: "format: Single '}' encountered in format string"},
		{name: "single open", fn: "format", args: l("a{"), err: "format: Single '{' encountered in format string"},
		{name: "unclosed", fn: "format", args: l("a{0"), err: "format: expected '}' before end of string"},
		{name: "bad code", fn: "format", args: l("{:d}", "x"), err: "format: Unknown format code 'd' for object of type 'str'"},
		{name: "none spec", fn: "format", args: l("{:>3}", nil), err: "format: unsupported format string passed to NoneType.__format__"},
		{name: "template type", fn: "format", args: l(1), err: "format: argument 1 must be a string, got 1 (int)"},

		{name: "newline sep", fn: "join", args: l(l("a", "b", "c"), `\n`), want: "a\nb\nc"},
		{name: "escapes", fn: "join", args: l(l("a", "b"), `\t\\\r\x`), want: "a\t\\\r\\xb"},
		{name: "empty", fn: "join", args: l(l(), ","), want: ""},
		{name: "non-string item", fn: "join", args: l(l("a", 2), ","), err: "join: item [1] of argument 1 must be a string, got 2 (int)"},
		{name: "null list", fn: "join", args: l(nil, ","), err: "join: argument 1 must be a list of strings, got None (NoneType)"},
		{name: "null sep", fn: "join", args: l(l("a"), nil), err: "join: argument 2 must be a string, got None (NoneType)"},

		{name: "ascii", fn: "lowercase", args: l("HeLLo"), want: "hello"},
		{name: "unicode", fn: "lowercase", args: l("ÉCOLE"), want: "école"},
		{name: "null", fn: "lowercase", args: l(nil), err: "lowercase: argument 1 must be a string, got None (NoneType)"},
		{name: "ascii", fn: "uppercase", args: l("straße"), want: "STRASSE"},
		{name: "null", fn: "uppercase", args: l(1.5), err: "uppercase: argument 1 must be a string, got 1.5 (float)"},

		{name: "mixed", fn: "capitalize", args: l("hELLO wORLD"), want: "Hello world"},
		{name: "empty", fn: "capitalize", args: l(""), want: ""},
		{name: "digit first", fn: "capitalize", args: l("1ABC"), want: "1abc"},
		{name: "null", fn: "capitalize", args: l(nil), err: "capitalize: argument 1 must be a string, got None (NoneType)"},

		{name: "words", fn: "titleize", args: l("hello wORLD"), want: "Hello World"},
		{name: "python quirks", fn: "titleize", args: l("they're 1st-class"), want: "They'Re 1St-Class"},
		{name: "null", fn: "titleize", args: l(nil), err: "titleize: argument 1 must be a string, got None (NoneType)"},

		{name: "string", fn: "prefix", args: l("b", "a-"), want: "a-b"},
		{name: "list", fn: "prefix", args: l(l("x", 1, nil), "p:"), want: l("p:x", "p:1", "p:None")},
		{name: "dict is a value", fn: "prefix", args: l(m("k", 1), ">"), want: ">{'k': 1}"},
		{name: "string", fn: "suffix", args: l("a", ".txt"), want: "a.txt"},
		{name: "list", fn: "suffix", args: l(l("a", 2), 1), want: l("a1", "21")},

		{name: "all", fn: "replace", args: l("a-b-c", "-", "+"), want: "a+b+c"},
		{name: "empty old", fn: "replace", args: l("ab", "", "-"), want: "-a-b-"},
		{name: "null", fn: "replace", args: l("ab", nil, "-"), err: "replace: argument 2 must be a string, got None (NoneType)"},

		{name: "middle", fn: "slice", args: l("abcdef", 1, 3), want: "bcd"},
		{name: "past end", fn: "slice", args: l("abc", 2, 10), want: "c"},
		{name: "negative start", fn: "slice", args: l("abcdef", -3, 2), want: "de"},
		{name: "negative to zero", fn: "slice", args: l("abcdef", -3, 3), want: ""},
		{name: "unicode", fn: "slice", args: l("héllo", 1, 2), want: "él"},
		{name: "list", fn: "slice", args: l(l(1, 2, 3, 4), 1, 2), want: l(2, 3)},
		{name: "float index", fn: "slice", args: l("abc", 1.0, 1), err: "slice: argument 2 must be an integer, got 1.0 (float)"},
		{name: "not a string", fn: "slice", args: l(5, 1, 1), err: "slice: argument 1 must be a string or a list, got 5 (int)"},

		{name: "comma", fn: "split", args: l("a,b,,c", ","), want: l("a", "b", "", "c")},
		{name: "whitespace", fn: "split", args: l("  a \t b\n", nil), want: l("a", "b")},
		{name: "empty sep", fn: "split", args: l("abc", ""), err: "split: empty separator"},
		{name: "null", fn: "split", args: l(nil, ","), err: "split: argument 1 must be a string, got None (NoneType)"},

		{name: "chars", fn: "strip", args: l("==abc=", "="), want: "abc"},
		{name: "set", fn: "strip", args: l("xyabcyx", "yx"), want: "abc"},
		{name: "whitespace", fn: "strip", args: l(" \tabc\n", nil), want: "abc"},
		{name: "bad chars", fn: "strip", args: l("abc", 1), err: "strip: argument 2 must be a string or None, got 1 (int)"},

		{name: "yes", fn: "startswith", args: l("hello", "he"), want: true},
		{name: "no", fn: "startswith", args: l("hello", "lo"), want: false},
		{name: "tuple", fn: "startswith", args: l("hello", l("x", "h")), want: true},
		{name: "null", fn: "startswith", args: l(nil, "h"), err: "startswith: argument 1 must be a string, got None (NoneType)"},
		{name: "yes", fn: "endswith", args: l("hello", "lo"), want: true},
		{name: "no", fn: "endswith", args: l("hello", "he"), want: false},
		{name: "bad", fn: "endswith", args: l("hello", 1), err: "endswith: argument 2 must be a string or a list of strings, got 1 (int)"},

		{name: "basic", fn: "slugify", args: l("Hello, World!"), want: "hello-world"},
		{name: "accents", fn: "slugify", args: l("Crème Brûlée à la carte"), want: "creme-brulee-a-la-carte"},
		{name: "quotes and numbers", fn: "slugify", args: l("It's 1,000 _items_"), want: "it-s-1000-items"},
		{name: "entities", fn: "slugify", args: l("Fish &amp; Chips"), want: "fish-chips"},
		{name: "transliterated", fn: "slugify", args: l("Straße Ærø"), want: "strasse-aero"},
		{name: "dashes", fn: "slugify", args: l("--a--b--"), want: "a-b"},
		{name: "null", fn: "slugify", args: l(nil), err: "slugify: argument 1 must be a string, got None (NoneType)"},

		{name: "slash", fn: "url_encode", args: l("a b/c?d=é&e~f"), want: "a%20b%2Fc%3Fd%3D%C3%A9%26e~f"},
		{name: "safe", fn: "url_encode", args: l("a/b c", "/"), want: "a/b%20c"},
		{name: "int", fn: "url_encode", args: l(42), want: "42"},
		{name: "none", fn: "url_encode", args: l(nil), want: "None"},
		{name: "bad safe", fn: "url_encode", args: l("a", 1), err: "url_encode: argument 2 must be a string, got 1 (int)"},

		{name: "basic", fn: "url_decode", args: l("a%20b%2Fc+d%C3%A9"), want: "a b/c+dé"},
		{name: "malformed", fn: "url_decode", args: l("100%+%zz%4"), want: "100%+%zz%4"},
		{name: "invalid utf8", fn: "url_decode", args: l("%FFa"), want: "\ufffda"},
		{name: "null", fn: "url_decode", args: l(nil), err: "url_decode: argument 1 must be a string, got None (NoneType)"},
	})
}

// TestFamiliesRegistered checks that every function of the string, regex,
// logic, collection, map, formatting, math and encoding families exists
// and is documented.
func TestFamiliesRegistered(t *testing.T) {
	t.Parallel()
	names := []string{
		"concat", "format", "join", "lowercase", "uppercase", "capitalize", "titleize", "prefix", "suffix", "replace", "slice", "split", "strip", "startswith", "endswith", "slugify", "url_encode", "url_decode",
		"regex_extract", "regex_match", "regex_not_match",
		"is_equal", "not_equal", "is_not_equal", "greater_than", "greater_than_or_equal", "less_than", "less_than_or_equal", "is_null", "not_null", "is_not_null", "and", "or", "not",
		"length", "at", "contains", "is_in", "does_not_contain", "not_in", "is_not_in", "contains_any_of", "contains_none_of", "is_empty", "not_empty", "is_not_empty", "compact", "drop_nulls", "flatten", "unique", "union", "intersection", "difference", "symmetric_difference", "zip", "iter_product", "range", "zip_map",
		"lookup", "merge", "map_keys", "to_keys", "to_values", "flatten_dict", "is_json", "deserialize_json", "deserialize_ndjson", "deserialize_yaml", "serialize_json", "serialize", "prettify_json", "serialize_yaml", "parse_csv",
		"tabulate", "to_markdown_table", "to_markdown_list", "to_markdown_tasks",
		"add", "sub", "mul", "div", "mod", "pow", "sum", "min", "max",
		"to_base64", "from_base64", "to_base64url", "from_base64url", "hash_md5", "hash_sha1", "hash_sha256", "hash_sha512", "uuid4",
	}
	if len(names) != 95 {
		t.Fatalf("list has %d names", len(names))
	}
	for _, n := range names {
		f, ok := Lookup(n)
		if !ok {
			t.Errorf("%s is not registered", n)
			continue
		}
		if f.Doc == "" {
			t.Errorf("%s has no Doc", n)
		}
	}
}
