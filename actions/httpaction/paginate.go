package httpaction

import (
	"context"
	"fmt"
	"slices"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/actions/pylambda"
	"github.com/actuatehq/actuate/expr"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

var paginateSpec = actions.Spec{
	Name:        "core.http_paginate",
	Title:       "HTTP paginate",
	Description: "Paginate through a HTTP response.",
	DocURL:      docURL,
	Inputs: slices.Concat(
		commonInputs(),
		[]*template.Input{formDataInput},
		timeoutInputs(),
		[]*template.Input{
			verifySSLInput,
			actions.Input("stop_condition", "str",
				"Python lambda that stops pagination when it returns a true value; it receives the page's response {headers, data, status_code}."),
			actions.Input("next_request", "str",
				"Python lambda that returns the next request as a dict of any of url, method, headers, params, payload, form_data (missing keys keep their value); it receives the page's response."),
			actions.OptionalInput("items_jsonpath", "str | None", nil,
				"JSONPath of the items in each page's data; the result is then the items of all pages and limit counts items."),
			actions.OptionalInput("limit", "int", 1000,
				"Maximum number of items (with items_jsonpath) or pages (without) to return."),
		},
	),
	Secrets: []*template.Secret{mtlsSecret, caCertSecret},
}

// nextRequestKeys are the arguments next_request may change.
var nextRequestKeys = []string{"url", "method", "headers", "params", "payload", "form_data"}

// paginateAction is core.http_paginate.
type paginateAction struct{}

func (paginateAction) Spec() *actions.Spec { return &paginateSpec }

func (paginateAction) Run(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	r, err := parseRequest(args, paginateSpec.Name)
	if err != nil {
		return nil, err
	}
	var (
		stop, next *pylambda.Lambda
		itemsPath  any // string or nil
		limit      = 1000
	)
	for _, k := range args.Keys() {
		v, _ := args.Get(k)
		switch k {
		case "stop_condition", "next_request":
			s, err := argString(k, v)
			if err != nil {
				return nil, err
			}
			l, err := pylambda.Cached(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if k == "stop_condition" {
				stop = l
			} else {
				next = l
			}
		case "items_jsonpath":
			itemsPath = v
		case "limit":
			if limit, err = argInt(k, v); err != nil {
				return nil, err
			}
		}
	}
	results := []any{}
	if limit <= 0 {
		return results, nil
	}
	path, withItems := itemsPath.(string)
	var cur *value.Map // the request's args once next_request changed them
	for {
		var resp response
		sent, err := send(ctx, env, &r, &resp)
		if err != nil {
			return nil, err
		}
		if !sent { // dry run: one page
			if !withItems {
				results = append(results, dryRunResult())
			}
			return results, nil
		}
		if err := r.checkStatus(&resp); err != nil {
			return nil, err
		}
		page, err := resp.result(false)
		if err != nil {
			return nil, err
		}
		if withItems {
			data, _ := page.Get("data")
			items := data
			if m, ok := data.(*value.Map); ok {
				if items, err = expr.JSONPath(path, m); err != nil {
					return nil, fmt.Errorf("items_jsonpath: %w", err)
				}
			}
			switch x := items.(type) {
			case nil:
			case []any:
				results = append(results, x[:min(len(x), limit-len(results))]...)
			default:
				results = append(results, x)
			}
		} else {
			results = append(results, page)
		}
		if len(results) >= limit {
			return results, nil
		}
		v, err := stop.Call(page)
		if err != nil {
			return nil, fmt.Errorf("stop_condition: %w", err)
		}
		if value.Truthy(v) {
			return results, nil
		}
		v, err = next.Call(page)
		if err != nil {
			return nil, fmt.Errorf("next_request: %w", err)
		}
		m, ok := v.(*value.Map)
		if !ok {
			return nil, fmt.Errorf("next_request must return a dict, not %s", value.TypeName(v))
		}
		if cur == nil {
			cur = args.Clone()
		}
		for _, k := range nextRequestKeys {
			nv, ok := m.Get(k)
			if !ok {
				continue
			}
			in, _ := paginateSpec.Input(k)
			cv, err := in.Type.Coerce(nv)
			if err != nil {
				return nil, fmt.Errorf("next_request returned an invalid %s: %w", k, err)
			}
			cur.Set(k, cv)
		}
		if r, err = parseRequest(cur, paginateSpec.Name); err != nil {
			return nil, err
		}
	}
}

// Interface guards.
var _ actions.Action = paginateAction{}
