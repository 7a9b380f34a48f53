package httpaction

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

const docURL = "https://docs.tracecat.com/core-actions/http"

// Secrets the HTTP actions read when a step declares them.
var (
	mtlsSecret = &template.Secret{
		Kind: template.CustomSecret, Name: "mtls", SecretType: "mtls", Optional: true,
		Keys: []string{"TLS_CERTIFICATE", "TLS_PRIVATE_KEY"},
	}
	caCertSecret = &template.Secret{
		Kind: template.CustomSecret, Name: "ca_cert", SecretType: "ca_cert", Optional: true,
		Keys: []string{"CA_CERTIFICATE"},
	}
)

const methodType = `enum["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]`

// commonInputs are the arguments shared by the three actions, in
// documentation order, except verify_ssl which comes last.
func commonInputs() []*template.Input {
	return []*template.Input{
		actions.Input("url", "str", "The destination of the HTTP request."),
		actions.Input("method", methodType, "HTTP request method."),
		actions.OptionalInput("headers", "dict[str, str | None] | None", nil,
			"HTTP request headers; a header whose value is null is not sent."),
		actions.OptionalInput("params", "dict[str, Any] | None", nil,
			"URL query parameters, merged into the URL's query; null values are dropped, a list repeats the key."),
		actions.OptionalInput("payload", "dict[str, Any] | list[Any] | None", nil,
			"JSON body, sent with Content-Type: application/json."),
	}
}

func timeoutInputs() []*template.Input {
	return []*template.Input{
		actions.OptionalInput("auth", "dict[str, str] | None", nil,
			"HTTP Basic credentials: {username, password}."),
		actions.OptionalInput("timeout", "float", 10.0,
			"Timeout in seconds for each phase of the exchange (connect, TLS, write, read); not a total deadline. 0 or less disables it."),
		actions.OptionalInput("follow_redirects", "bool", false, "Follow HTTP redirects."),
		actions.OptionalInput("max_redirects", "int", 20, "Maximum number of redirects to follow."),
	}
}

var verifySSLInput = actions.OptionalInput("verify_ssl", "bool", true,
	"Verify TLS certificates. Defaults to true; disable at your own risk.")

var formDataInput = actions.OptionalInput("form_data", "dict[str, Any] | None", nil,
	"Form fields, sent as application/x-www-form-urlencoded (or as multipart fields when files are given).")

var requestSpec = actions.Spec{
	Name:        "core.http_request",
	Title:       "HTTP request",
	Description: "Perform a HTTP request to a given URL.",
	DocURL:      docURL,
	Inputs: slices.Concat(
		commonInputs(),
		[]*template.Input{
			actions.OptionalInput("content", "str | None", nil,
				"Raw request body; cannot be combined with payload, form_data or files."),
			formDataInput,
			actions.OptionalInput("files", "dict[str, str | dict[str, Any]] | None", nil,
				"Files to upload as multipart/form-data: form field name -> base64 content, or {filename, content_base64, content_type}."),
		},
		timeoutInputs(),
		[]*template.Input{
			actions.OptionalInput("ignore_status_codes", "list[int] | None", nil,
				"Statuses of 400 or more to return as results instead of failing."),
			actions.OptionalInput("base64_encode_data", "bool", false,
				"Return the raw response body base64-encoded in data."),
			verifySSLInput,
		},
	),
	Secrets: []*template.Secret{mtlsSecret, caCertSecret},
	// parseRequest starts from the same defaults.
	OwnDefaults: true,
}

// requestAction is core.http_request.
type requestAction struct{}

func (requestAction) Spec() *actions.Spec { return &requestSpec }

func (requestAction) Run(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	r, err := parseRequest(args, requestSpec.Name)
	if err != nil {
		return nil, err
	}
	var resp response
	sent, err := send(ctx, env, &r, &resp)
	if err != nil {
		return nil, err
	}
	if !sent {
		return dryRunResult(), nil
	}
	if err := r.checkStatus(&resp); err != nil {
		return nil, err
	}
	return resp.result(r.base64Data)
}

func init() {
	actions.MustRegister(requestAction{})
	actions.MustRegister(pollAction{})
	actions.MustRegister(paginateAction{})
}

// request is one HTTP exchange described by validated args.
type request struct {
	action          string
	method          string
	url             string
	headers         *value.Map
	params          *value.Map
	payload         any
	content         any // string or nil
	formData        *value.Map
	files           *value.Map
	auth            *value.Map
	timeout         time.Duration
	followRedirects bool
	maxRedirects    int
	ignoreStatus    []any
	base64Data      bool
	verifySSL       bool
	// pollStatuses leaves every status to the caller: http_poll, whose
	// own loop decides which ones to ask again, retries connection
	// errors only.
	pollStatuses bool
}

// parseRequest reads the arguments shared by the three actions; those an
// action does not declare keep their zero value.
func parseRequest(args *value.Map, action string) (request, error) {
	r := request{action: action, verifySSL: true, maxRedirects: 20, timeout: 10 * time.Second}
	if args == nil {
		return r, errors.New("missing arguments")
	}
	var err error
	vals := args.Values()
	for i, k := range args.Keys() {
		v := vals[i]
		switch k {
		case "url":
			r.url, err = argString(k, v)
		case "method":
			r.method, err = argString(k, v)
		case "headers":
			r.headers, err = argMap(k, v)
		case "params":
			r.params, err = argMap(k, v)
		case "payload":
			switch v.(type) {
			case nil, *value.Map, []any:
				r.payload = v
			default:
				err = fmt.Errorf("payload must be a dict or a list, not %s; send text with content", value.TypeName(v))
			}
		case "content":
			if _, ok := v.(string); !ok && v != nil {
				err = fmt.Errorf("content must be a string, not %s", value.TypeName(v))
			}
			r.content = v
		case "form_data":
			r.formData, err = argMap(k, v)
		case "files":
			r.files, err = argMap(k, v)
		case "auth":
			r.auth, err = argMap(k, v)
		case "timeout":
			f, ok := value.Number(v)
			if !ok {
				err = fmt.Errorf("timeout must be a number of seconds, not %s", value.TypeName(v))
			}
			r.timeout = time.Duration(f * float64(time.Second))
		case "follow_redirects":
			r.followRedirects, err = argBool(k, v)
		case "max_redirects":
			r.maxRedirects, err = argInt(k, v)
		case "ignore_status_codes":
			if v != nil {
				l, ok := v.([]any)
				if !ok {
					err = fmt.Errorf("ignore_status_codes must be a list of ints, not %s", value.TypeName(v))
				}
				r.ignoreStatus = l
			}
		case "base64_encode_data":
			r.base64Data, err = argBool(k, v)
		case "verify_ssl":
			r.verifySSL, err = argBool(k, v)
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

func argString(name string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string, not %s", name, value.TypeName(v))
	}
	return s, nil
}

func argMap(name string, v any) (*value.Map, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("%s must be a dict, not %s", name, value.TypeName(v))
	}
	return m, nil
}

func argBool(name string, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%s must be a bool, not %s", name, value.TypeName(v))
	}
	return b, nil
}

func argInt(name string, v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	}
	return 0, fmt.Errorf("%s must be an int, not %s", name, value.TypeName(v))
}

// built is a request ready to send: the *http.Request without its body,
// and the body.
type built struct {
	req  *http.Request
	body []byte
}

// build makes the *http.Request for r under ctx.
func (r *request) build(ctx context.Context) (built, error) {
	hreq, err := http.NewRequestWithContext(ctx, r.method, r.url, nil)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return built{}, fmt.Errorf("invalid URL %q: %w", r.url, err)
	}
	if r.params != nil && r.params.Len() > 0 {
		hreq.URL.RawQuery = mergeQuery(hreq.URL.RawQuery, r.params)
	}
	h := hreq.Header
	if r.headers != nil {
		for _, k := range r.headers.Keys() {
			v, _ := r.headers.Get(k)
			if v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				return built{}, fmt.Errorf("header %q must be a string, not %s", k, value.TypeName(v))
			}
			h.Set(k, s)
		}
	}
	if h.Get("Accept") == "" {
		h["Accept"] = acceptAny
	}
	if r.auth != nil && r.auth.Len() > 0 { // an empty auth is none, as Tracecat's `if auth`
		user, uok := r.auth.Get("username")
		pass, pok := r.auth.Get("password")
		us, _ := user.(string)
		ps, _ := pass.(string)
		if !uok || !pok || r.auth.Len() != 2 {
			return built{}, errors.New("auth must have exactly the keys username and password")
		}
		hreq.SetBasicAuth(us, ps)
	}
	body, contentType, err := r.encodeBody()
	if err != nil {
		return built{}, err
	}
	if contentType != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentType)
	}
	return built{req: hreq, body: body}, nil
}

var acceptAny = []string{"*/*"}

// encodeBody returns the request body and its default Content-Type, with
// httpx's precedence: content, files (multipart with form_data as
// fields), form_data, payload.
func (r *request) encodeBody() ([]byte, string, error) {
	hasFiles := r.files != nil && r.files.Len() > 0
	hasForm := r.formData != nil && r.formData.Len() > 0
	if s, ok := r.content.(string); ok {
		if r.payload != nil || hasForm || hasFiles {
			return nil, "", errors.New("Raw content cannot be combined with payload, form_data, or files.")
		}
		return []byte(s), "", nil
	}
	switch {
	case hasFiles:
		return encodeMultipart(r.action, r.formData, r.files)
	case hasForm:
		var b strings.Builder
		for _, k := range r.formData.Keys() {
			v, _ := r.formData.Get(k)
			if l, ok := v.([]any); ok {
				for _, it := range l {
					appendPair(&b, k, primitiveString(it))
				}
				continue
			}
			appendPair(&b, k, primitiveString(v))
		}
		return []byte(b.String()), "application/x-www-form-urlencoded", nil
	case r.payload != nil:
		data, err := value.MarshalJSON(r.payload)
		if err != nil {
			return nil, "", fmt.Errorf("payload: %w", err)
		}
		return data, "application/json", nil
	}
	return nil, "", nil
}

// primitiveString encodes a query or form value as httpx does: true/false
// for booleans, "" for None, Python's str() otherwise.
func primitiveString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case nil:
		return ""
	case int:
		return strconv.Itoa(x)
	}
	return value.Str(v)
}

func appendPair(b *strings.Builder, k, v string) {
	if b.Len() > 0 {
		b.WriteByte('&')
	}
	b.WriteString(url.QueryEscape(k))
	b.WriteByte('=')
	b.WriteString(url.QueryEscape(v))
}

// mergeQuery merges params into an existing raw query as httpx does: a
// param replaces every existing value of its key, in the key's first
// place; new keys follow in order. Null params are dropped (an existing
// value of their key stays) and list values repeat the key.
func mergeQuery(raw string, params *value.Map) string {
	type pair struct{ k, v string }
	var pairs []pair
	if raw != "" {
		for part := range strings.SplitSeq(raw, "&") {
			if part == "" {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
			if uv, err := url.QueryUnescape(v); err == nil {
				v = uv
			}
			pairs = append(pairs, pair{k, v})
		}
	}
	var b strings.Builder
	done := map[string]bool{}
	writeParam := func(k string, v any) {
		if l, ok := v.([]any); ok {
			for _, it := range l {
				appendPair(&b, k, primitiveString(it))
			}
			return
		}
		appendPair(&b, k, primitiveString(v))
	}
	for _, p := range pairs {
		if v, _ := params.Get(p.k); v != nil {
			if !done[p.k] {
				done[p.k] = true
				writeParam(p.k, v)
			}
			continue
		}
		appendPair(&b, p.k, p.v)
	}
	for _, k := range params.Keys() {
		if done[k] {
			continue
		}
		v, _ := params.Get(k)
		if v == nil {
			continue
		}
		writeParam(k, v)
	}
	return b.String()
}

// checkStatus returns the *StatusError for a status of 400 or more that
// r does not ignore.
func (r *request) checkStatus(resp *response) error {
	if resp.status < 400 {
		return nil
	}
	for _, c := range r.ignoreStatus {
		if n, ok := c.(int); ok && n == resp.status {
			return nil
		}
	}
	return newStatusError(r.method, resp)
}

// dryRunResult is the placeholder response of a dry run.
func dryRunResult() *value.Map {
	return value.MapOf("status_code", 200, "headers", value.NewMap(0), "data", nil)
}

// Interface guards.
var _ actions.Action = requestAction{}
