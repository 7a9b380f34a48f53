package expr

import (
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

func TestJSONPath(t *testing.T) {
	t.Parallel()
	doc, err := value.ParseJSON([]byte(`{
		"data": {
			"items": [
				{"id": 1, "status": "open", "tags": ["a"], "n": "10"},
				{"id": 2, "status": "closed", "tags": [], "n": "x"},
				{"id": 3, "status": "open", "nested": {"id": 30}}
			],
			"next": null,
			"content-type": "json",
			"weird key": "w",
			"one": [42]
		},
		"id": 0
	}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want string
	}{
		{"$", value.Repr(doc)},
		{"$.id", "0"},
		{"$.data.next", "None"},
		{"$.data.missing", "None"},
		{"$.data.items[0].id", "1"},
		{"$.data.items[-1].id", "3"},
		{"$.data.items[5]", "None"},
		{`$["data"]["items"][1]['status']`, "'closed'"},
		{"$.data['weird key']", "'w'"},
		{"$.data.content-type", "'json'"},
		{"$.data.items[*].id", "[1, 2, 3]"},
		{"$.data.one[*]", "[42]"},
		{"$.data.items[0:2].id", "[1, 2]"},
		{"$.data.items[::2].id", "[1, 3]"},
		{"$.data.items[::-1].id", "[3, 2, 1]"},
		{"$.data.items[:1].id", "1"},
		{"$..id", "[0, 1, 2, 3, 30]"},
		{"$.data.items..id", "[1, 2, 3, 30]"},
		{"$.data.items[?(@.status == 'open')].id", "[1, 3]"},
		{"$.data.items[?(@.status == 'none')]", "[]"},
		{"$.data.items[?(@.id > 1 & @.status == 'open')].id", "[3]"},
		{"$.data.items[?(@.nested)].id", "[3]"},
		{"$.data.items[?(@.n == 10)].id", "[1]"},
		{"$.data.items[?(@.nested.id == 30)].id", "[3]"},
		{"$.data.*", "[[{'id': 1, 'status': 'open', 'tags': ['a'], 'n': '10'}, {'id': 2, 'status': 'closed', 'tags': [], 'n': 'x'}, {'id': 3, 'status': 'open', 'nested': {'id': 30}}], None, 'json', 'w', [42]]"},
		{"data.items[*].status", "['open', 'closed', 'open']"},
		{"data", value.Repr(mustGet(doc, "data"))},
		{"[\"id\"]", "0"},
		{"  $.id  ", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			got, err := JSONPath(tt.path, doc)
			if err != nil {
				t.Fatalf("JSONPath(%q): %v", tt.path, err)
			}
			if r := value.Repr(got); r != tt.want {
				t.Errorf("JSONPath(%q) = %s, want %s", tt.path, r, tt.want)
			}
			q, err := CompileJSONPath(tt.path)
			if err != nil {
				t.Fatalf("CompileJSONPath(%q): %v", tt.path, err)
			}
			if r := value.Repr(q.Eval(doc)); r != tt.want {
				t.Errorf("CompileJSONPath(%q).Eval = %s, want %s", tt.path, r, tt.want)
			}
		})
	}
}

func TestJSONPathScalars(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		path string
		root any
		want string
	}{
		{"$[0]", []any{"a", "b"}, "'a'"},
		{"$[*]", []any{"a", "b"}, "['a', 'b']"},
		{"$[*]", "s", "['s']"},
		{"$[*]", nil, "[]"},
		{"$.a", nil, "None"},
		{"$.a", "str", "None"},
		{"$[1]", "héllo", "'é'"},
	} {
		got, err := JSONPath(tt.path, tt.root)
		if err != nil {
			t.Fatalf("JSONPath(%q): %v", tt.path, err)
		}
		if r := value.Repr(got); r != tt.want {
			t.Errorf("JSONPath(%q, %s) = %s, want %s", tt.path, value.Repr(tt.root), r, tt.want)
		}
	}
}

func TestJSONPathErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ path, want string }{
		{"", "Invalid jsonpath '': the path is empty; write $ for the whole value or $.name for a key"},
		{"$.", "Invalid jsonpath '$.': '.' must be followed by a name, a quoted key, * or ["},
		{"$.a[", "Invalid jsonpath '$.a[': '[' is never closed with ']'"},
		{"$.a[x]", "Invalid jsonpath '$.a[x]': [x] must hold a number, a quoted key, *, a slice a:b or a filter ?(...); to index with an expression, put the path in parentheses: (inputs.x)[inputs.i]"},
		{"$.a[0,1]", "Invalid jsonpath '$.a[0,1]': [0,1] must hold a number, a quoted key, *, a slice a:b or a filter ?(...); to index with an expression, put the path in parentheses: (inputs.x)[inputs.i]"},
		{"$['a", "Invalid jsonpath '$['a': unterminated quoted key: add the closing '"},
		{"$.a b", `Invalid jsonpath '$.a b': cannot read " b"; a path is made of .name, ['key'], [n], [*], [a:b], ..name and [?(@.field == value)] segments`},
		{"$[?(@.a == )]", "Invalid jsonpath '$[?(@.a == )]': a filter compares with a quoted string, a number, True, False or None"},
		{"$[1:2:0]", "Invalid jsonpath '$[1:2:0]': slice step cannot be zero"},
	} {
		_, err := JSONPath(tt.path, nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("JSONPath(%q) error = %v\nwant %s", tt.path, err, tt.want)
		}
		if q, err := CompileJSONPath(tt.path); q != nil || err == nil || err.Error() != tt.want {
			t.Errorf("CompileJSONPath(%q) = %v, %v\nwant error %s", tt.path, q, err, tt.want)
		}
	}
}

func mustGet(v any, key string) any {
	r, _ := v.(*value.Map).Get(key)
	return r
}
