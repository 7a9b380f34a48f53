package template

import (
	"errors"
	"testing"
)

func FuzzParseType(f *testing.F) {
	for _, s := range []string{
		"str", "str | None", "list[dict[str, Any]] | None", "dict", "dict[int, list[str | None]]",
		`enum["a", 'b']`, `enum["it's", "say \"hi\""]`, "list[list[str | int | float | bool | None]]",
		"", "list", "list[", "dict[str]", "$ref", "enum[]", `enum["a", "A"]`, "str || None",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, err := ParseType(s)
		if err != nil {
			var se *TypeSyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseType(%q) error %T, want *TypeSyntaxError", s, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("ParseType(%q) error offset %d out of range", s, se.Offset)
			}
			if se.Msg == "" {
				t.Fatalf("ParseType(%q) empty error message", s)
			}
			return
		}
		text := typ.String()
		again, err := ParseType(text)
		if err != nil {
			t.Fatalf("ParseType(%q) = %q, which does not re-parse: %v", s, text, err)
		}
		if again.String() != text {
			t.Fatalf("ParseType(%q) = %q, re-parsed as %q", s, text, again.String())
		}
		_ = typ.Optional()
	})
}
