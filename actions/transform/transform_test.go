package transform

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
)

// run calls the action through the registry as the engine does: validate
// args against the spec, then Run.
func run(t *testing.T, env *actions.Env, name, argsJSON string) (any, error) {
	t.Helper()
	a, ok := actions.Default.Lookup(name)
	if !ok {
		t.Fatalf("%s is not registered", name)
	}
	raw, err := value.ParseJSON([]byte(argsJSON))
	if err != nil {
		t.Fatalf("bad test args %s: %v", argsJSON, err)
	}
	args, err := a.Spec().Validate(raw.(*value.Map))
	if err != nil {
		return nil, err
	}
	return a.Run(t.Context(), args, env)
}

func newEnv(now *time.Time) *actions.Env {
	return &actions.Env{
		Step:     "step",
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      func() time.Time { return *now },
		RunState: &sync.Map{},
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, action, args string
		want, err          string
	}{
		{"reshape", "core.transform.reshape", `{"value": {"a": [1, null]}}`, "{'a': [1, None]}", ""},
		{"reshape null", "core.transform.reshape", `{"value": null}`, "None", ""},
		{"filter", "core.transform.filter", `{"items": [1, 2, 3, 4], "python_lambda": "lambda x: x > 2"}`, "[3, 4]", ""},
		{"filter truthiness", "core.transform.filter", `{"items": [{"a": 1}, {"a": 0}, {}], "python_lambda": "lambda x: x.get('a')"}`, "[{'a': 1}]", ""},
		{"filter corpus", "core.transform.filter", `{"items": [{"matched": true, "success": true}, {"matched": true, "success": false}], "python_lambda": "lambda x: x.get('matched') and x.get('success')\n"}`, "[{'matched': True, 'success': True}]", ""},
		{"filter runtime error", "core.transform.filter", `{"items": [{"a": 1}, {}], "python_lambda": "lambda x: x['a']"}`, "", "item 1: python_lambda: KeyError: 'a'"},
		{"filter compile error", "core.transform.filter", `{"items": [], "python_lambda": "lambda x: open(x)"}`, "", "python_lambda: open is not an allowed function in lambdas; allowed: abs, min, max, sum, round, len, int, float, str, bool, list, dict, tuple, set, all, any, sorted, reversed, enumerate, zip, range, jsonpath"},
		{"filter not a lambda", "core.transform.filter", `{"items": [1], "python_lambda": "x > 1"}`, "", "python_lambda: syntax error at column 1: a python_lambda must be a single lambda, e.g. lambda x: x['id']; it starts with 'x'"},
		{"filter missing lambda", "core.transform.filter", `{"items": [1]}`, "", "python_lambda: required input is missing"},
		{"apply", "core.transform.apply", `{"value": {"name": "x"}, "python_lambda": "lambda x: x.get('name')"}`, "'x'", ""},
		{"apply set result", "core.transform.apply", `{"value": [3, 1, 3], "python_lambda": "lambda x: set(x)"}`, "[3, 1]", ""},
		{"apply error", "core.transform.apply", `{"value": null, "python_lambda": "lambda x: x.get('a')"}`, "", "python_lambda: AttributeError: 'NoneType' object has no attribute 'get'"},
		{"map", "core.transform.map", `{"items": [{"id": "a"}, {"id": "b"}], "python_lambda": "lambda agent: agent['id']"}`, "['a', 'b']", ""},
		{"map empty", "core.transform.map", `{"items": [], "python_lambda": "lambda x: x"}`, "[]", ""},
		{"map error", "core.transform.map", `{"items": [1, "a"], "python_lambda": "lambda x: x + 1"}`, "", `item 1: python_lambda: TypeError: can only concatenate str (not "int") to str`},
		{"is_in", "core.transform.is_in", `{"items": [1, 2, 3, "1"], "collection": [1, 3.0]}`, "[1, 3]", ""},
		{"is_in lambda", "core.transform.is_in", `{"items": [{"name": "a"}, {"name": "b"}, {}], "collection": ["a", null], "python_lambda": "lambda x: x.get('name')"}`, "[{'name': 'a'}, {}]", ""},
		{"is_in unhashable item", "core.transform.is_in", `{"items": [[1]], "collection": [1]}`, "", "item 0: TypeError: unhashable type: 'list'"},
		{"is_in unhashable collection", "core.transform.is_in", `{"items": [1], "collection": [1, {"a": 1}]}`, "", "collection item 1: TypeError: unhashable type: 'dict'"},
		{"not_in", "core.transform.not_in", `{"items": [1, 2, 3, true], "collection": [1, 3]}`, "[2]", ""},
		{"not_in lambda", "core.transform.not_in", `{"items": ["A", "b"], "collection": ["a"], "python_lambda": "lambda x: x.lower()"}`, "['b']", ""},
		{"not_in lambda error", "core.transform.not_in", `{"items": ["A", 1], "collection": ["a"], "python_lambda": "lambda x: x.lower()"}`, "", "item 1: python_lambda: AttributeError: 'int' object has no attribute 'lower'"},
		{"drop_nulls", "core.transform.drop_nulls", `{"items": [null, 0, "", null, false, [], {}]}`, "[0, '', False, [], {}]", ""},
		{"drop_nulls not a list", "core.transform.drop_nulls", `{"items": 5}`, "", "items: expected list[Any], got 5 (int)"},
		{"flatten_json", "core.transform.flatten_json", `{"json": {"a": {"b": 1, "c": [1, {"d": null}, []]}, "e": {}, "f": "x"}}`, "{'a.b': 1, 'a.c[0]': 1, 'a.c[1].d': None, 'f': 'x'}", ""},
		{"flatten_json string", "core.transform.flatten_json", `{"json": "{\"a\": [[1, 2]], \"b\": {\"c\": true}}"}`, "{'a[0][0]': 1, 'a[0][1]': 2, 'b.c': True}", ""},
		{"flatten_json empty", "core.transform.flatten_json", `{"json": {}}`, "{}", ""},
		{"flatten_json not an object", "core.transform.flatten_json", `{"json": "[1, 2]"}`, "", "json must be a JSON object or a string holding one, not list"},
		{"flatten_json bad json", "core.transform.flatten_json", `{"json": "{"}`, "", "json is not valid JSON"},
		{"eval_jsonpaths", "core.transform.eval_jsonpaths", `{"json": {"data": {"items": [{"id": 1}, {"id": 2}], "next": null}}, "jsonpaths": ["$.data.items[*].id", "$.data.items[0].id", "$.data.next", "$.missing", "$..id", "$.data.items[?(@.id == 2)]"]}`, "{'$.data.items[*].id': [1, 2], '$.data.items[0].id': 1, '$.data.next': None, '$.missing': None, '$..id': [1, 2], '$.data.items[?(@.id == 2)]': [{'id': 2}]}", ""},
		{"eval_jsonpaths string", "core.transform.eval_jsonpaths", `{"json": "{\"a\": 1}", "jsonpaths": ["$.a"]}`, "{'$.a': 1}", ""},
		{"eval_jsonpaths bad path", "core.transform.eval_jsonpaths", `{"json": {}, "jsonpaths": ["$.a["]}`, "", "Invalid jsonpath '$.a[': '[' is never closed with ']'"},
		{"eval_jsonpaths not an object", "core.transform.eval_jsonpaths", `{"json": "3", "jsonpaths": []}`, "", "json must be a JSON object or a string holding one, not int"},
		{"deduplicate in call", "core.transform.deduplicate", `{"items": [{"id": 1, "a": 1}, {"id": 2}, {"id": 1, "b": 2, "a": 3}], "keys": ["id"], "persist": false}`, "[{'id': 1, 'a': 3, 'b': 2}, {'id': 2}]", ""},
		{"deduplicate nested keys", "core.transform.deduplicate", `{"items": [{"user": {"id": 1}, "x": 1}, {"user": {"id": 1}, "x": 2}, {"user": {"id": 2}}], "keys": ["user.id"], "persist": false}`, "[{'user': {'id': 1}, 'x': 2}, {'user': {'id': 2}}]", ""},
		{"deduplicate several keys", "core.transform.deduplicate", `{"items": [{"a": 1, "b": [1]}, {"a": 1, "b": [2]}, {"a": 1, "b": [1]}], "keys": ["a", "b"], "persist": false}`, "[{'a': 1, 'b': [1]}, {'a': 1, 'b': [2]}]", ""},
		{"deduplicate one object", "core.transform.deduplicate", `{"items": {"id": 1}, "keys": ["id"], "persist": false}`, "[{'id': 1}]", ""},
		{"deduplicate empty", "core.transform.deduplicate", `{"items": [], "keys": ["id"]}`, "[]", ""},
		{"deduplicate empty object", "core.transform.deduplicate", `{"items": {}, "keys": ["id"]}`, "[]", ""},
		{"deduplicate empty object in a list", "core.transform.deduplicate", `{"items": [{}], "keys": ["id"], "persist": false}`, "", "item 0: Couldn't resolve expression '$.id' in the context"},
		{"is_duplicate empty object", "core.transform.is_duplicate", `{"item": {}, "keys": ["id"]}`, "True", ""},
		{"flatten_json too deep", "core.transform.flatten_json", `{"json": ` + strings.Repeat(`{"a": `, 102) + `1` + strings.Repeat(`}`, 102) + `}`, "", "Maximum recursion depth (100) exceeded while flattening object"},
		{"flatten_json deepest", "core.transform.flatten_json", `{"json": ` + strings.Repeat(`{"a": `, 101) + `1` + strings.Repeat(`}`, 101) + `}`, "{'" + strings.Repeat("a.", 100) + "a': 1}", ""},
		{"deduplicate null key value", "core.transform.deduplicate", `{"items": [{"id": null}, {"id": null, "z": 1}], "keys": ["id"], "persist": false}`, "[{'id': None, 'z': 1}]", ""},
		{"deduplicate missing key", "core.transform.deduplicate", `{"items": [{"id": 1}, {"other": 1}], "keys": ["id"], "persist": false}`, "", "item 1: Couldn't resolve expression '$.id' in the context"},
		{"deduplicate jsonpath key", "core.transform.deduplicate", `{"items": [{"tags": ["a", "b"]}, {"tags": ["a", "c"]}], "keys": ["tags[0]"], "persist": false}`, "[{'tags': ['a', 'c']}]", ""},
		{"deduplicate bad ttl", "core.transform.deduplicate", `{"items": [{"id": 1}], "keys": ["id"], "expire_seconds": 0}`, "", "expire_seconds must be a positive number of seconds, not 0"},
		{"is_duplicate first time", "core.transform.is_duplicate", `{"item": {"id": 1}, "keys": ["id"]}`, "False", ""},
		{"is_duplicate missing key", "core.transform.is_duplicate", `{"item": {"id": 1}, "keys": ["x.y"]}`, "", "item 0: Couldn't resolve expression '$.x.y' in the context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			got, err := run(t, newEnv(&now), tt.action, tt.args)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r := value.Repr(got); r != tt.want {
				t.Errorf("got  %s\nwant %s", r, tt.want)
			}
		})
	}
}

func TestDeduplicateAcrossSteps(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	env := newEnv(&now)
	step := func(action, args, want string) {
		t.Helper()
		got, err := run(t, env, action, args)
		if err != nil {
			t.Fatalf("%s %s: %v", action, args, err)
		}
		if r := value.Repr(got); r != want {
			t.Errorf("%s %s = %s, want %s", action, args, r, want)
		}
	}
	step("core.transform.deduplicate", `{"items": [{"id": 1}, {"id": 2}, {"id": 1, "x": 1}], "keys": ["id"], "expire_seconds": 60}`, "[{'id': 1, 'x': 1}, {'id': 2}]")
	step("core.transform.deduplicate", `{"items": [{"id": 2}, {"id": 3}], "keys": ["id"], "expire_seconds": 60}`, "[{'id': 3}]")
	// persist=false neither reads nor writes the run's memory.
	step("core.transform.deduplicate", `{"items": [{"id": 3}, {"id": 4}], "keys": ["id"], "persist": false}`, "[{'id': 3}, {'id': 4}]")
	step("core.transform.is_duplicate", `{"item": {"id": 4, "other": true}, "keys": ["id"], "expire_seconds": 60}`, "False")
	step("core.transform.is_duplicate", `{"item": {"id": 4}, "keys": ["id"]}`, "True")
	step("core.transform.is_duplicate", `{"item": {"id": "4"}, "keys": ["id"]}`, "False")
	// A duplicate does not extend the first one's expiry.
	now = now.Add(59 * time.Second)
	step("core.transform.is_duplicate", `{"item": {"id": 1}, "keys": ["id"]}`, "True")
	now = now.Add(time.Second)
	step("core.transform.is_duplicate", `{"item": {"id": 1}, "keys": ["id"]}`, "False")
	step("core.transform.deduplicate", `{"items": [{"id": 1}, {"id": 2}], "keys": ["id"]}`, "[{'id': 2}]")

	// Another run starts with an empty memory.
	other := newEnv(&now)
	got, err := run(t, other, "core.transform.is_duplicate", `{"item": {"id": 4}, "keys": ["id"]}`)
	if err != nil || got != false {
		t.Errorf("new run: is_duplicate = %v, %v; want False", got, err)
	}
}

func TestDeduplicateDoesNotModifyItems(t *testing.T) {
	t.Parallel()
	now := time.Now()
	a, _ := actions.Default.Lookup("core.transform.deduplicate")
	first := value.MapOf("id", 1)
	args := value.MapOf("items", []any{first, value.MapOf("id", 1, "x", 2)}, "keys", []any{"id"}, "expire_seconds", 10, "persist", false)
	if _, err := a.Run(context.Background(), args, newEnv(&now)); err != nil {
		t.Fatal(err)
	}
	if value.Repr(first) != "{'id': 1}" {
		t.Errorf("the first item changed: %s", value.Repr(first))
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	now := time.Now()
	a, _ := actions.Default.Lookup("core.transform.map")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	args := value.MapOf("items", []any{1, 2}, "python_lambda", "lambda x: x")
	if _, err := a.Run(ctx, args, newEnv(&now)); err != context.Canceled {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestLambdaCache(t *testing.T) {
	t.Parallel()
	src := "lambda x: x * 2 # cache test"
	l1, err1 := compileLambda(src)
	l2, err2 := compileLambda(src)
	if err1 != nil || err2 != nil || l1 != l2 {
		t.Errorf("compileLambda twice = %p, %v; %p, %v; want the same lambda", l1, err1, l2, err2)
	}
	_, err1 = compileLambda("lambda x: import")
	_, err2 = compileLambda("lambda x: import")
	want := "python_lambda: syntax error at column 11: 'import' is not allowed in lambdas (lambdas accept only a subset of Python expressions)"
	if err1 == nil || err2 == nil || err1.Error() != want || err2.Error() != want {
		t.Errorf("compile errors = %v, %v; want %s", err1, err2, want)
	}
}

func TestSpecs(t *testing.T) {
	t.Parallel()
	names := []string{"reshape", "filter", "is_in", "not_in", "apply", "map", "drop_nulls", "flatten_json", "eval_jsonpaths", "deduplicate", "is_duplicate"}
	for _, n := range names {
		a, ok := actions.Default.Lookup("core.transform." + n)
		if !ok {
			t.Errorf("core.transform.%s is not registered", n)
			continue
		}
		s := a.Spec()
		if s.Title == "" || s.Description == "" || len(s.Inputs) == 0 {
			t.Errorf("%s: incomplete spec", s.Name)
		}
		for _, in := range s.Inputs {
			if in.Description == "" || in.Type == nil {
				t.Errorf("%s.%s: no description or type", s.Name, in.Name)
			}
		}
	}
}
