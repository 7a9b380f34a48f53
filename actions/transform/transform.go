// Package transform provides the core.transform.* actions: reshape,
// filter, apply, map, is_in, not_in, drop_nulls, flatten_json,
// eval_jsonpaths, deduplicate and is_duplicate, with Tracecat's semantics.
//
// The python_lambda arguments are run by package pylambda, a Go
// interpreter for the Python subset Tracecat allows in lambdas; each
// distinct lambda source is compiled once per process.
//
// deduplicate and is_duplicate remember the keys they have seen in
// [actions.Env.RunState], so memory lasts for one run (nested templates
// included), where Tracecat keeps it in Redis across runs; entries expire
// after expire_seconds by [actions.Env.Now].
package transform

import (
	"context"
	"fmt"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/actions/pylambda"
	"github.com/actuatehq/actuate/expr"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// all are the actions of the package, registered with actions.Default.
var all = []*actions.Func{
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.reshape",
			Title:       "Reshape",
			Description: "Define the exact scalar, object, or list output you want from workflow data: returns value as it is, after its expressions are evaluated.",
			Inputs: []*template.Input{
				actions.Input("value", "Any", "The value to reshape."),
			},
		},
		Fn: reshape,
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.filter",
			Title:       "Filter",
			Description: "Filter a collection using a Python lambda function: the items for which the lambda returns a true value.",
			Inputs: []*template.Input{
				actions.Input("items", "list[Any]", "Items to filter."),
				actions.Input("python_lambda", "str", `Filter condition as a Python lambda expression (e.g. "lambda x: x > 2").`),
			},
		},
		Fn: filter,
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.is_in",
			Title:       "Is in",
			Description: "Filters items in a list based on whether they are in a collection.",
			Inputs: []*template.Input{
				actions.Input("items", "list[Any]", "Items to filter."),
				actions.Input("collection", "list[Any]", "Collection of hashable items to check against."),
				actions.OptionalInput("python_lambda", "str | None", nil, `Python lambda applied to each item before checking membership (e.g. "lambda x: x.get('name')"). Similar to key in the Python sorted function.`),
			},
		},
		Fn: func(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
			return membership(ctx, args, true)
		},
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.not_in",
			Title:       "Not in",
			Description: "Filters items in a list based on whether they are not in a collection.",
			Inputs: []*template.Input{
				actions.Input("items", "list[Any]", "Items to filter."),
				actions.Input("collection", "list[Any]", "Collection of hashable items to check against."),
				actions.OptionalInput("python_lambda", "str | None", nil, `Python lambda applied to each item before checking membership (e.g. "lambda x: x.get('name')"). Similar to key in the Python sorted function.`),
			},
		},
		Fn: func(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
			return membership(ctx, args, false)
		},
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.apply",
			Title:       "Apply",
			Description: "Apply a Python lambda function to a value.",
			Inputs: []*template.Input{
				actions.Input("value", "Any", "Value to apply the lambda function to."),
				actions.Input("python_lambda", "str", `Python lambda function as a string (e.g. "lambda x: x.get('name')").`),
			},
		},
		Fn: apply,
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.map",
			Title:       "Map",
			Description: "Map a Python lambda function to each item in a list.",
			Inputs: []*template.Input{
				actions.Input("items", "list[Any]", "Items to map the lambda function to."),
				actions.Input("python_lambda", "str", `Python lambda function as a string (e.g. "lambda x: x.get('name')").`),
			},
		},
		Fn: mapItems,
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.drop_nulls",
			Title:       "Drop nulls",
			Description: "Remove null values from a list.",
			Inputs: []*template.Input{
				actions.Input("items", "list[Any]", "List of items to filter."),
			},
		},
		Fn: dropNulls,
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.flatten_json",
			Title:       "Flatten JSON",
			Description: "Flatten a JSON object into a single level of fields, keyed by path: a.b for a nested key, a[0] for a list item. Empty objects and lists leave no field.",
			Inputs: []*template.Input{
				actions.Input("json", "str | dict[str, Any]", "JSON object to flatten, or its JSON text."),
			},
		},
		Fn: flattenJSON,
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.eval_jsonpaths",
			Title:       "Eval JSONPaths",
			Description: "Eval multiple JSONPath expressions on an object: returns a map from each path to its result (one match: the value; none: null; several, [*] or a filter: a list).",
			Inputs: []*template.Input{
				actions.Input("json", "str | dict[str, Any]", "JSON object to eval JSONPath expressions on, or its JSON text."),
				actions.Input("jsonpaths", "list[str]", "JSONPath expressions to eval (e.g. $.data.items[*].id)."),
			},
		},
		Fn: evalJSONPaths,
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.deduplicate",
			Title:       "Deduplicate",
			Description: "Deduplicate a JSON object or a list of JSON objects given a list of keys. Returns a list of deduplicated JSON objects: items with the same keys are merged (later fields win), and with persist, items already seen by an earlier step of the run within expire_seconds are dropped.",
			Inputs: []*template.Input{
				actions.Input("items", "dict[str, Any] | list[dict[str, Any]]", "JSON object or list of JSON objects to deduplicate."),
				actions.Input("keys", "list[str]", "List of JSONPath keys to deduplicate by. Supports dot notation for nested keys (e.g. ['user.id'])."),
				actions.OptionalInput("expire_seconds", "int", 3600, "Time to live for the deduplicated items in seconds. Defaults to 1 hour."),
				actions.OptionalInput("persist", "bool", true, "Whether to remember deduplicated items across calls (for the rest of the run). If false, deduplicates within the current call only."),
			},
		},
		Fn: deduplicate,
	},
	{
		ActionSpec: actions.Spec{
			Name:        "core.transform.is_duplicate",
			Title:       "Is duplicate",
			Description: "Check if a JSON object was recently seen (by an earlier deduplicate or is_duplicate call of the run with the same keys); the object is remembered for the next calls.",
			Inputs: []*template.Input{
				actions.Input("item", "dict[str, Any]", "JSON object to check."),
				actions.Input("keys", "list[str]", "List of JSONPath keys to check."),
				actions.OptionalInput("expire_seconds", "int", 3600, "Time to live for the deduplicated items in seconds. Defaults to 1 hour."),
			},
		},
		Fn: isDuplicate,
	},
}

func init() {
	for _, a := range all {
		actions.MustRegister(a)
	}
}

// compileLambda returns the compiled lambda of src, compiled once.
func compileLambda(src string) (*pylambda.Lambda, error) {
	l, err := pylambda.Cached(src)
	if err != nil {
		return nil, fmt.Errorf("python_lambda: %w", err)
	}
	return l, nil
}

// callOne calls l with one argument, as Tracecat does.
func callOne(l *pylambda.Lambda, v any) (any, error) {
	r, err := l.Call(v)
	if err != nil {
		return nil, fmt.Errorf("python_lambda: %w", err)
	}
	return r, nil
}

func getString(args *value.Map, name string) string {
	v, _ := args.Get(name)
	s, _ := v.(string)
	return s
}

func getList(args *value.Map, name string) []any {
	v, _ := args.Get(name)
	l, _ := v.([]any)
	return l
}

func reshape(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	v, _ := args.Get("value")
	return v, nil
}

func apply(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	l, err := compileLambda(getString(args, "python_lambda"))
	if err != nil {
		return nil, err
	}
	v, _ := args.Get("value")
	return callOne(l, v)
}

// eachItem calls fn for each item, checking ctx now and then, and adds
// the item's index to errors.
func eachItem(ctx context.Context, items []any, fn func(any) error) error {
	for i, it := range items {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(it); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
	}
	return nil
}

func filter(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	l, err := compileLambda(getString(args, "python_lambda"))
	if err != nil {
		return nil, err
	}
	out := []any{}
	err = eachItem(ctx, getList(args, "items"), func(it any) error {
		r, err := callOne(l, it)
		if err != nil {
			return err
		}
		if value.Truthy(r) {
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func mapItems(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	l, err := compileLambda(getString(args, "python_lambda"))
	if err != nil {
		return nil, err
	}
	items := getList(args, "items")
	out := make([]any, 0, len(items))
	err = eachItem(ctx, items, func(it any) error {
		r, err := callOne(l, it)
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// membership is is_in (keep = true) and not_in: Python's set(collection)
// and `item in col_set`.
func membership(ctx context.Context, args *value.Map, keep bool) (any, error) {
	var l *pylambda.Lambda
	if src := getString(args, "python_lambda"); src != "" {
		var err error
		if l, err = compileLambda(src); err != nil {
			return nil, err
		}
	}
	set := map[any]bool{}
	for i, c := range getList(args, "collection") {
		k, err := value.HashKey(c)
		if err != nil {
			return nil, fmt.Errorf("collection item %d: TypeError: %w", i, err)
		}
		set[k] = true
	}
	out := []any{}
	err := eachItem(ctx, getList(args, "items"), func(it any) error {
		v := it
		if l != nil {
			var err error
			if v, err = callOne(l, it); err != nil {
				return err
			}
		}
		k, err := value.HashKey(v)
		if err != nil {
			return fmt.Errorf("TypeError: %w", err)
		}
		if set[k] == keep {
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func dropNulls(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	out := []any{}
	for _, it := range getList(args, "items") {
		if it != nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// jsonObject reads the json argument: an object or the JSON text of one.
func jsonObject(args *value.Map) (*value.Map, error) {
	v, _ := args.Get("json")
	if s, ok := v.(string); ok {
		parsed, err := value.ParseJSONText(s)
		if err != nil {
			return nil, fmt.Errorf("json is not valid JSON: %w", err)
		}
		v = parsed
	}
	m, ok := v.(*value.Map)
	if !ok || m == nil {
		return nil, fmt.Errorf("json must be a JSON object or a string holding one, not %s", value.TypeName(v))
	}
	return m, nil
}

// maxFlattenDepth is Tracecat's limit on nesting in flatten_json.
const maxFlattenDepth = 100

func flattenJSON(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	m, err := jsonObject(args)
	if err != nil {
		return nil, err
	}
	out := value.NewMap(m.Len())
	if err := flatten(out, m, "", 0); err != nil {
		return nil, err
	}
	return out, nil
}

// flatten adds the leaves of v to out under their paths, as Tracecat's
// flatten_dict does: a.b for keys, a[0] for list items.
func flatten(out *value.Map, v any, prefix string, depth int) error {
	if depth > maxFlattenDepth {
		return fmt.Errorf("Maximum recursion depth (%d) exceeded while flattening object", maxFlattenDepth)
	}
	switch x := v.(type) {
	case []any:
		for i, it := range x {
			p := fmt.Sprintf("%s[%d]", prefix, i)
			if err := flattenChild(out, it, p, depth); err != nil {
				return err
			}
		}
	case *value.Map:
		var err error
		x.Range(func(k string, it any) bool {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			err = flattenChild(out, it, p, depth)
			return err == nil
		})
		return err
	default:
		out.Set(prefix, v)
	}
	return nil
}

func flattenChild(out *value.Map, v any, path string, depth int) error {
	switch v.(type) {
	case []any, *value.Map:
		return flatten(out, v, path, depth+1)
	}
	out.Set(path, v)
	return nil
}

func evalJSONPaths(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	m, err := jsonObject(args)
	if err != nil {
		return nil, err
	}
	paths := getList(args, "jsonpaths")
	out := value.NewMap(len(paths))
	for _, p := range paths {
		s, _ := p.(string)
		r, err := expr.JSONPath(s, m)
		if err != nil {
			return nil, err
		}
		out.Set(s, r)
	}
	return out, nil
}
