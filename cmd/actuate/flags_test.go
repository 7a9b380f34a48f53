package main

import (
	"flag"
	"testing"

	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

var update = flag.Bool("update", false, "rewrite the expected output of the scripts in testdata/script")

// -i text becomes the declared type: text for str, JSON for the rest;
// for any, JSON when it is JSON.
func TestInputValue(t *testing.T) {
	for _, tc := range []struct {
		typ, text string
		want      any
	}{
		{"str", "5", "5"},
		{"any", "5", 5},
		{"any", `{"title": "t"}`, `{"title":"t"}`},
		{"any", `"5"`, "5"},
		{"any", "hello", "hello"},
		{"str | None", "null", "null"},
		{"int", "5", 5},
	} {
		typ, err := template.ParseType(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		got := inputValue(tc.text, typ)
		if m, ok := got.(*value.Map); ok {
			b, _ := value.MarshalJSON(m)
			got = string(b)
		}
		if got != tc.want {
			t.Errorf("%s %q: %#v, want %#v", tc.typ, tc.text, got, tc.want)
		}
	}
}
