package value

import (
	"strings"
	"testing"
)

var jsonSeeds = []string{
	``, ` `, `null`, `true`, `false`, `0`, `-0`, `01`, `1.`, `.5`, `-`, `1e5`, `1E+2`, `1e-2`, `-12.5e3`,
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775809`, `1e400`, `-1e400`, `1e-400`,
	`""`, `"a\"b"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, "\"\xff\"", "\"a\tb\"", `"\x"`, `"é"`,
	`[]`, `[1, 2,]`, `[1 2]`, `{}`, `{"a": 1, "b": [true, null, {"c": "d"}], "a": 2}`, `{"a" 1}`, `{a: 1}`,
	`{"a": 1,}`, `[1] [2]`, ` {"x": 1} `, "\ufeff{}", `[[[[[[]]]]]]`, `{"k":`, `tru`, `nul`, `[1,`,
	`NaN`, `-Infinity`, `[Infinity, {"a": NaN}]`, `-NaN`, `Infinit`, `-I`, `nan`,
}

// TestParseFastMatchesTokens checks the one-pass parser against the
// encoding/json token path.
func TestParseFastMatchesTokens(t *testing.T) {
	t.Parallel()
	for _, s := range jsonSeeds {
		compareJSON(t, s)
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { compareJSON(t, s) })
}

func compareJSON(t *testing.T, s string) {
	t.Helper()
	want, wantErr := parseTokens(s)
	got, err := ParseJSON([]byte(s))
	if text, textErr := ParseJSONText(s); (textErr == nil) != (err == nil) || err == nil && Repr(text) != Repr(got) {
		t.Fatalf("ParseJSONText(%q) = %v, %v; ParseJSON gives %v, %v", s, text, textErr, got, err)
	}
	if err == nil && wantErr != nil && (strings.Contains(s, "NaN") || strings.Contains(s, "Infinity")) {
		// encoding/json rejects the NaN, Infinity and -Infinity that
		// ParseJSON reads as Python's json does.
		if r := Repr(got); !strings.Contains(r, "nan") && !strings.Contains(r, "inf") {
			t.Fatalf("ParseJSON(%q) = %s, token parser %v", s, r, wantErr)
		}
		return
	}
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("ParseJSON(%q) error %v, token parser %v", s, err, wantErr)
	}
	if err != nil {
		return
	}
	if g, w := Repr(got), Repr(want); g != w {
		t.Errorf("ParseJSON(%q) = %s, token parser %s", s, g, w)
	}
}
