package template

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestParseTypeCanonical(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"str", "str"},
		{"int", "int"},
		{"float", "float"},
		{"bool", "bool"},
		{"datetime", "datetime"},
		{"duration", "duration"},
		{"any", "Any"},
		{"Any", "Any"},
		{"None", "None"},
		{"  str  ", "str"},
		{"str|None", "str | None"},
		{"str | None", "str | None"},
		{"int | str | None", "int | str | None"},
		{"list[str]", "list[str]"},
		{"list [ str ]", "list[str]"},
		{"list[list[str]]", "list[list[str]]"},
		{"list[int|str]|None", "list[int | str] | None"},
		{"list[list[str | int | float | bool | None]]", "list[list[str | int | float | bool | None]]"},
		{"list[dict[str, Any]] | None", "list[dict[str, Any]] | None"},
		{"dict", "dict[str, Any]"},
		{"dict | None", "dict[str, Any] | None"},
		{"dict[str,any]", "dict[str, Any]"},
		{"dict[ str , list[int | None] ]", "dict[str, list[int | None]]"},
		{"dict[int, str | int]", "dict[int, str | int]"},
		{"dict[str, dict]", "dict[str, dict[str, Any]]"},
		{"list[dict]", "list[dict[str, Any]]"},
		{`enum["a", "b"]`, `enum["a", "b"]`},
		{`enum['terraform', 'env']`, `enum["terraform", "env"]`},
		{`enum["a"] | None`, `enum["a"] | None`},
		{`enum [ "x" ,'y' ]`, `enum["x", "y"]`},
		{`enum["it's", 'say "hi"', "back\\slash"]`, `enum["it's", "say \"hi\"", "back\\slash"]`},
		{`list[enum["a", "b"]]`, `list[enum["a", "b"]]`},
		{"\tstr\n|\nNone", "str | None"},
		{"str | str", "str | str"},
	}
	for _, tc := range tests {
		typ, err := ParseType(tc.in)
		if err != nil {
			t.Errorf("ParseType(%q): %v", tc.in, err)
			continue
		}
		if got := typ.String(); got != tc.want {
			t.Errorf("ParseType(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		again, err := ParseType(typ.String())
		if err != nil {
			t.Errorf("re-parse of %q: %v", typ.String(), err)
			continue
		}
		if !reflect.DeepEqual(again, typ) {
			t.Errorf("re-parse of %q gives a different type", typ.String())
		}
	}
}

func TestParseTypeStructure(t *testing.T) {
	str, none, anyT := &Type{Kind: KindStr}, &Type{Kind: KindNone}, &Type{Kind: KindAny}
	tests := []struct {
		in   string
		want *Type
	}{
		{"str", str},
		{"any", anyT},
		{"str | None", &Type{Kind: KindUnion, Members: []*Type{str, none}}},
		{"dict", &Type{Kind: KindDict, Key: str, Val: anyT}},
		{"list[int | str] | None", &Type{Kind: KindUnion, Members: []*Type{
			{Kind: KindList, Elem: &Type{Kind: KindUnion, Members: []*Type{{Kind: KindInt}, str}}},
			none,
		}}},
		{"int | str | None", &Type{Kind: KindUnion, Members: []*Type{{Kind: KindInt}, str, none}}},
		{`enum['a', "B"]`, &Type{Kind: KindEnum, Enum: []string{"a", "B"}}},
		{"dict[str, list[float]]", &Type{Kind: KindDict, Key: str, Val: &Type{Kind: KindList, Elem: &Type{Kind: KindFloat}}}},
	}
	for _, tc := range tests {
		got, err := ParseType(tc.in)
		if err != nil {
			t.Errorf("ParseType(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseType(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestParseTypeErrors(t *testing.T) {
	const known = "str, int, float, bool, datetime, duration, any, None, list[...], dict[...], enum[...]"
	var vals []string
	for i := 0; i < 21; i++ {
		vals = append(vals, `"v`+string(rune('a'+i))+`"`)
	}
	twentyOne := "enum[" + strings.Join(vals, ", ") + "]"
	tests := []struct {
		in     string
		msg    string
		offset int
	}{
		{"", "empty type", 0},
		{"   ", "empty type", 3},
		{"strr", `unknown type "strr"; expected one of ` + known, 0},
		{"str | strr", `unknown type "strr"; expected one of ` + known, 6},
		{"List[str]", `unknown type "List"; expected one of ` + known, 0},
		{"none", `unknown type "none"; expected one of ` + known, 0},
		{"list", "list needs an item type, e.g. list[str]", 0},
		{"str | list", "list needs an item type, e.g. list[str]", 6},
		{"list | None", "list needs an item type, e.g. list[str]", 0},
		{"list[]", `expected a type after "list[", got "]"`, 5},
		{"list[str", `expected "]" to close "list["`, 8},
		{"list[str, int]", `expected "]" to close "list["`, 8},
		{"list[str]]", `unexpected "]" after type`, 9},
		{"str, int", `unexpected "," after type`, 3},
		{"str int", `unexpected "i" after type`, 4},
		{"str?", `unexpected "?" after type`, 3},
		{"str | é", `expected a type after "|", got "é"`, 6},
		{"str |", `expected a type after "|", got end of text`, 5},
		{"| str", `expected a type, got "|"`, 0},
		{"str || None", `expected a type after "|", got "|"`, 5},
		{"dict[str]", `expected "," between the key and value types of "dict["`, 8},
		{"dict[str, ]", `expected a type after "," in "dict[", got "]"`, 10},
		{"dict[str, int", `expected "]" to close "dict["`, 13},
		{"dict[str, int, int]", `expected "]" to close "dict["`, 13},
		{"dict[", `expected a type after "dict[", got end of text`, 5},
		{"enum", `enum needs its values, e.g. enum["a", "b"]`, 0},
		{"enum[]", `expected a quoted string in "enum[", got "]"`, 5},
		{"enum[a]", `expected a quoted string in "enum[", got "a"`, 5},
		{`enum["a",]`, `expected a quoted string in "enum[", got "]"`, 9},
		{`enum["a" "b"]`, `expected "," or "]" after an enum value, got "\""`, 9},
		{`enum["a"`, `expected "]" to close "enum["`, 8},
		{`enum["a`, `unterminated string in "enum[": missing closing "`, 5},
		{`enum['a", "b"]`, `unterminated string in "enum[": missing closing '`, 5},
		{`enum["a", ""]`, "enum values must not be empty", 10},
		{`enum["a", "b", "a"]`, `duplicate enum value "a"`, 15},
		{`enum["Low", "low"]`, `duplicate enum value "low": same as "Low" when case is ignored`, 12},
		{twentyOne, "too many enum values: at most 20 are allowed", strings.LastIndex(twentyOne, `"v`)},
		{"$ref", "type references ($name) are not supported", 0},
		{"list[$ref]", "type references ($name) are not supported", 5},
		{"str(pattern)", `unexpected "(" after type`, 3},
		{strings.Repeat("list[", 200) + "str" + strings.Repeat("]", 200), "type is nested too deeply", 505},
		{"str\x80", "unexpected byte 0x80 after type", 3},
	}
	for _, tc := range tests {
		typ, err := ParseType(tc.in)
		if err == nil {
			t.Errorf("ParseType(%q) = %s, want error %q", tc.in, typ, tc.msg)
			continue
		}
		var se *TypeSyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseType(%q) error %T, want *TypeSyntaxError", tc.in, err)
			continue
		}
		if se.Msg != tc.msg || se.Error() != tc.msg || se.Offset != tc.offset {
			t.Errorf("ParseType(%q) error = %q at %d, want %q at %d", tc.in, se.Msg, se.Offset, tc.msg, tc.offset)
		}
	}
}

func TestParseTypeEnumLimit(t *testing.T) {
	vals := make([]string, 20)
	for i := range vals {
		vals[i] = `"v` + string(rune('a'+i)) + `"`
	}
	in := "enum[" + strings.Join(vals, ", ") + "]"
	typ, err := ParseType(in)
	if err != nil {
		t.Fatalf("20 values: %v", err)
	}
	if len(typ.Enum) != 20 || typ.String() != in {
		t.Errorf("20 values: got %s", typ)
	}
}

func TestTypeOptional(t *testing.T) {
	tests := map[string]bool{
		"None":                   true,
		"any":                    true,
		"Any":                    true,
		"str | None":             true,
		"None | str":             true,
		"int | Any":              true,
		"str":                    false,
		"list[str | None]":       false,
		"dict":                   false,
		"list[int | str] | None": true,
		`enum["a"]`:              false,
		"int | str":              false,
	}
	for in, want := range tests {
		typ, err := ParseType(in)
		if err != nil {
			t.Fatalf("ParseType(%q): %v", in, err)
		}
		if got := typ.Optional(); got != want {
			t.Errorf("ParseType(%q).Optional() = %v, want %v", in, got, want)
		}
	}
}

func TestKindString(t *testing.T) {
	if got := KindDatetime.String(); got != "datetime" {
		t.Errorf("KindDatetime.String() = %q", got)
	}
	if got := Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}

func TestParseTypeCorpus(t *testing.T) {
	_, results := LoadPaths(corpusRoot(t))
	types := map[string]string{} // type text -> first file using it
	for _, r := range results {
		if r.Template == nil {
			continue
		}
		for _, in := range r.Template.Inputs {
			if _, seen := types[in.TypeText]; !seen {
				types[in.TypeText] = r.File
			}
		}
	}
	if len(types) == 0 {
		t.Fatal("no expects types found in the corpus")
	}
	texts := make([]string, 0, len(types))
	for s := range types {
		texts = append(texts, s)
	}
	sort.Strings(texts)
	for _, s := range texts {
		typ, err := ParseType(s)
		if err != nil {
			t.Errorf("%s: ParseType(%q): %v", types[s], s, err)
			continue
		}
		again, err := ParseType(typ.String())
		if err != nil {
			t.Errorf("%s: re-parse of %q: %v", types[s], typ.String(), err)
			continue
		}
		if again.String() != typ.String() {
			t.Errorf("%s: %q re-parses as %q", types[s], typ.String(), again.String())
		}
	}
	t.Logf("parsed %d distinct expects types", len(texts))
}
