package fn

import (
	"math"
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

func TestMaps(t *testing.T) {
	t.Parallel()
	runCases(t, []fnCase{
		{name: "present", fn: "lookup", args: l(m("a", 1), "a"), want: 1},
		{name: "absent", fn: "lookup", args: l(m("a", 1), "b"), want: nil},
		{name: "int key", fn: "lookup", args: l(m("1", 1), 1), want: nil},
		{name: "unhashable", fn: "lookup", args: l(m(), l()), err: "lookup: unhashable type: 'list'"},
		{name: "none", fn: "lookup", args: l(nil, "a"), err: "lookup: argument 1 must be a dict, got None (NoneType)"},

		{name: "later wins", fn: "merge", args: l(l(m("a", 1, "b", 2), m("b", 3, "c", 4))), want: m("a", 1, "b", 3, "c", 4)},
		{name: "empty", fn: "merge", args: l(l()), want: m()},
		{name: "not a list", fn: "merge", args: l(m("a", 1)), err: "merge: argument 1 must be a list, got {'a': 1} (dict) (merge takes one list of dicts)"},
		{name: "bad item", fn: "merge", args: l(l(m(), nil)), err: "merge: item [1] of argument 1 must be a dict, got None (NoneType)"},

		{name: "rename", fn: "map_keys", args: l(m("a", 1, "b", 2), m("a", "x", "b", "y")), want: m("x", 1, "y", 2)},
		{name: "missing", fn: "map_keys", args: l(m("a", 1, "c", 2), m("a", "x")), err: "map_keys: key 'c' is not in the mapping (argument 2)"},
		{name: "non-string name", fn: "map_keys", args: l(m("a", 1), m("a", 2)), err: "map_keys: the mapping gives key 'a' the new name 2 (int), which is not a string"},
		{name: "bad mapping", fn: "map_keys", args: l(m("a", 1), nil), err: "map_keys: argument 2 must be a dict, got None (NoneType)"},

		{name: "order", fn: "to_keys", args: l(m("b", 1, "a", 2)), want: l("b", "a")},
		{name: "bad", fn: "to_keys", args: l(l()), err: "to_keys: argument 1 must be a dict, got [] (list)"},
		{name: "order", fn: "to_values", args: l(m("b", 1, "a", nil)), want: l(1, nil)},
		{name: "bad", fn: "to_values", args: l("x"), err: "to_values: argument 1 must be a dict, got 'x' (str)"},

		{name: "nested", fn: "flatten_dict", args: l(m("a", m("b", 1, "c", l(1, m("d", 2))), "e", m(), "f", l())), want: m("a.b", 1, "a.c[0]", 1, "a.c[1].d", 2, "e", m(), "f", l())},
		{name: "json string", fn: "flatten_dict", args: l(`{"x": {"y": [true]}}`), want: m("x.y[0]", true)},
		{name: "top list", fn: "flatten_dict", args: l(l(1, m("a", 2))), want: m("[0]", 1, "[1].a", 2)},
		{name: "max depth", fn: "flatten_dict", args: l(m("a", m("b", m("c", 1))), 2), want: m("a.b", m("c", 1))},
		{name: "bad depth", fn: "flatten_dict", args: l(m(), 0), err: "flatten_dict: max_depth must be at least 1, got 0"},
		{name: "bad json", fn: "flatten_dict", args: l("{x"), err: "flatten_dict: argument 1 is a string but not JSON: invalid JSON: invalid character 'x'"},
		{name: "scalar", fn: "flatten_dict", args: l(5), err: "flatten_dict: argument 1 must be a dict, a list or a JSON string, got 5 (int)"},

		{name: "object", fn: "is_json", args: l(`{"a": [1, 2.5, null]}`), want: true},
		{name: "scalar", fn: "is_json", args: l(`"x"`), want: true},
		{name: "invalid", fn: "is_json", args: l(`{a}`), want: false},
		{name: "trailing", fn: "is_json", args: l(`1 2`), want: false},
		{name: "not a string", fn: "is_json", args: l(1), want: false},

		{name: "ordered", fn: "deserialize_json", args: l(`{"b": 1, "a": [1.5, "x", null, true]}`), want: m("b", 1, "a", l(1.5, "x", nil, true))},
		{name: "invalid", fn: "deserialize_json", args: l(`{"a":}`), err: "deserialize_json: invalid JSON: invalid character '}' looking for beginning of value"},
		{name: "null", fn: "deserialize_json", args: l(nil), err: "deserialize_json: argument 1 must be a string, got None (NoneType)"},

		{name: "lines", fn: "deserialize_ndjson", args: l("{\"a\":1}\r\n\n[2]\n3\n"), want: l(m("a", 1), l(2), 3)},
		{name: "empty", fn: "deserialize_ndjson", args: l(""), want: l()},
		{name: "bad line", fn: "deserialize_ndjson", args: l("1\n{"), err: "deserialize_ndjson: line 2: invalid JSON: unexpected end of input"},
		{name: "null", fn: "deserialize_ndjson", args: l(nil), err: "deserialize_ndjson: argument 1 must be a string, got None (NoneType)"},

		{name: "mapping", fn: "deserialize_yaml", args: l("b: 1\na: [x, 2.5, null, true]\nc: {d: e}\n"), want: m("b", 1, "a", l("x", 2.5, nil, true), "c", m("d", "e"))},
		{name: "yaml 1.1", fn: "deserialize_yaml", args: l("a: yes\nb: off\nc: 1e3\nd: 0x1F\ne: 1_000\nf: '12'\ng: ~\nh: .inf\n"), want: m("a", true, "b", false, "c", "1e3", "d", 31, "e", 1000, "f", "12", "g", nil, "h", math.Inf(1))},
		{name: "timestamps", fn: "deserialize_yaml", args: l("d: 2024-01-02\nt: 2024-01-02T03:04:05Z\nn: 2024-01-02 03:04:05\n"), want: m("d", value.Date{Year: 2024, Month: 1, Day: 2}, "t", value.DateTime{Time: mustTime("2024-01-02T03:04:05Z")}, "n", value.DateTime{Time: mustTime("2024-01-02T03:04:05Z"), Naive: true})},
		{name: "anchors and merge", fn: "deserialize_yaml", args: l("base: &b {x: 1, y: 2}\nother: &o {y: 9, z: 0}\nc:\n  <<: [*b, *o]\n  x: 5\nd: *b\n"), want: m("base", m("x", 1, "y", 2), "other", m("y", 9, "z", 0), "c", m("y", 2, "z", 0, "x", 5), "d", m("x", 1, "y", 2))},
		{name: "scalar", fn: "deserialize_yaml", args: l("hello"), want: "hello"},
		{name: "empty", fn: "deserialize_yaml", args: l(""), want: nil},
		{name: "two documents", fn: "deserialize_yaml", args: l("a\n---\nb\n"), err: "deserialize_yaml: expected a single document in the stream, but found another document at line 2"},
		{name: "syntax", fn: "deserialize_yaml", args: l("a: [1"), err: "deserialize_yaml: yaml: line 1: did not find expected ',' or ']'"},
		{name: "custom tag", fn: "deserialize_yaml", args: l("a: !Ref x"), err: "deserialize_yaml: line 1: could not determine a constructor for the tag '!Ref'"},
		{name: "complex key", fn: "deserialize_yaml", args: l("? [a]\n: 1\n"), err: "deserialize_yaml: line 1: mapping keys must be scalars"},
		{name: "null", fn: "deserialize_yaml", args: l(nil), err: "deserialize_yaml: argument 1 must be a string, got None (NoneType)"},

		{name: "compact", fn: "serialize_json", args: l(m("b", l(1, 2.5, nil, true), "a", "é<>")), want: `{"b":[1,2.5,null,true],"a":"é<>"}`},
		{name: "string", fn: "serialize_json", args: l("x"), want: `"x"`},
		{name: "nan", fn: "serialize_json", args: l(l(math.NaN(), math.Inf(1))), want: "[null,null]"},
		{name: "compact", fn: "serialize", args: l(l(m("a", 1))), want: `[{"a":1}]`},

		{name: "nested", fn: "prettify_json", args: l(m("a", l(1, 2.5), "b", m(), "c", l(), "d", "é\"\n😀", "e", nil)), want: "{\n  \"a\": [\n    1,\n    2.5\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": \"\\u00e9\\\"\\n\\ud83d\\ude00\",\n  \"e\": null\n}"},
		{name: "scalar", fn: "prettify_json", args: l(1e16), want: "1e+16"},
		{name: "nan", fn: "prettify_json", args: l(l(math.NaN(), math.Inf(-1), false)), want: "[\n  NaN,\n  -Infinity,\n  false\n]"},
		{name: "datetime", fn: "prettify_json", args: l(value.DateTime{Time: mustTime("2024-01-02T03:04:05Z")}), want: `"2024-01-02T03:04:05Z"`},

		{name: "sorted block", fn: "serialize_yaml", args: l(m("b", l(1, "x", m("k", nil)), "a", m("z", true, "y", 1.5), "c", "true")), want: "a:\n  y: 1.5\n  z: true\nb:\n- 1\n- x\n- k: null\nc: 'true'\n"},
		{name: "scalar", fn: "serialize_yaml", args: l("hi"), want: "hi\n...\n"},
		{name: "typed-looking strings", fn: "serialize_yaml", args: l(l("yes", "12", "1.5", "", "2024-01-02", "x1")), want: "- 'yes'\n- '12'\n- '1.5'\n- ''\n- '2024-01-02'\n- x1\n"},
		{name: "datetime", fn: "serialize_yaml", args: l(m("t", value.DateTime{Time: mustTime("2024-01-02T03:04:05Z")})), want: "t: 2024-01-02 03:04:05+00:00\n"},
		{name: "empty list", fn: "serialize_yaml", args: l(m("a", l())), want: "a: []\n"},

		{name: "rows", fn: "parse_csv", args: l("name,age\r\nann,30\n\"b,ob\",\"4\"\"\"\n"), want: l(m("name", "ann", "age", "30"), m("name", "b,ob", "age", `4"`))},
		{name: "short row", fn: "parse_csv", args: l("a,b\n1\n"), want: l(m("a", "1", "b", nil))},
		{name: "header only", fn: "parse_csv", args: l("a,b\n"), want: l()},
		{name: "empty", fn: "parse_csv", args: l(""), want: l()},
		{name: "long row", fn: "parse_csv", args: l("a\n1,2\n"), err: "parse_csv: line 2 has 2 fields but the header has 1"},
		{name: "null", fn: "parse_csv", args: l(nil), err: "parse_csv: argument 1 must be a string, got None (NoneType)"},
	})
}
