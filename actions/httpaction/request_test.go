package httpaction

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

var req = requestAction{}

func TestRegistered(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"core.http_request"} {
		a, ok := actions.Default.Lookup(name)
		if !ok {
			t.Fatalf("%s is not registered", name)
		}
		if a.Spec().Name != name {
			t.Errorf("spec name %q", a.Spec().Name)
		}
	}
}

// TestRequestSpecDefaults checks the declared defaults and that
// parseRequest applies the same ones: core.http_request gets only the
// args a step gives (OwnDefaults).
func TestRequestSpecDefaults(t *testing.T) {
	t.Parallel()
	given := value.MapOf("url", "http://x", "method", "GET")
	filled, err := template.Validate(req.Spec().Name, req.Spec().Inputs, given)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"url":"http://x","method":"GET","headers":null,"params":null,"payload":null,"content":null,` +
		`"form_data":null,"files":null,"auth":null,"timeout":10.0,"follow_redirects":false,"max_redirects":20,` +
		`"ignore_status_codes":null,"base64_encode_data":false,"verify_ssl":true}`
	if s := jsonText(t, filled); s != want {
		t.Errorf("defaults:\n got %s\nwant %s", s, want)
	}
	got := args(t, req, "url", "http://x", "method", "GET")
	if s := jsonText(t, got); s != `{"url":"http://x","method":"GET"}` {
		t.Errorf("validated args hold more than was given: %s", s)
	}
	fromDefaults, err := parseRequest(filled, req.Spec().Name)
	if err != nil {
		t.Fatal(err)
	}
	fromGiven, err := parseRequest(got, req.Spec().Name)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromDefaults, fromGiven) {
		t.Errorf("parseRequest's defaults differ from the declared ones:\n%+v\n%+v", fromGiven, fromDefaults)
	}
	s := req.Spec()
	if len(s.Secrets) != 2 || s.Secrets[0].Name != "mtls" || s.Secrets[0].SecretType != "mtls" || !s.Secrets[0].Optional ||
		s.Secrets[1].Name != "ca_cert" || s.Secrets[1].SecretType != "ca_cert" || !s.Secrets[1].Optional {
		t.Errorf("secrets: %+v %+v", s.Secrets[0], s.Secrets[1])
	}
	if _, err := req.Spec().Validate(value.MapOf("url", "http://x", "method", "get")); err == nil {
		t.Error("lowercase method accepted")
	}
}

func TestRequestResult(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noDate(w)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.Header()["x-lower"] = []string{"l"}
		w.Write([]byte(`{"z": 1, "a": [1, 2.5, "s", null, true], "m": {"k": "v"}}`))
	}))
	t.Cleanup(srv.Close)
	got, err := run(t, req, nil, "url", srv.URL, "method", "GET")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"status_code":200,"headers":{"content-length":"57","content-type":"application/json; charset=utf-8",` +
		`"x-lower":"l","x-multi":"a, b"},"data":{"z":1,"a":[1,2.5,"s",null,true],"m":{"k":"v"}}}`
	if s := jsonText(t, got); s != want {
		t.Errorf("\n got %s\nwant %s", s, want)
	}
}

func TestRequestData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		base64      bool
		method      string
		want        string // JSON of data
		wantErr     string
	}{
		{name: "json", status: 200, contentType: "application/json", body: `[1, {"b": 2, "a": 1}]`, want: `[1,{"b":2,"a":1}]`},
		{name: "no content", status: 204, contentType: "application/json", want: `null`},
		{name: "base64", status: 200, contentType: "application/json", body: "\x00\xffhi", base64: true, want: `"AP9oaQ=="`},
		{name: "text", status: 200, contentType: "text/plain", body: "héllo", want: `"héllo"`},
		{name: "no content type", status: 200, body: "plain", want: `"plain"`},
		{name: "vnd json is text", status: 200, contentType: "application/vnd.api+json", body: `{"a":1}`, want: `"{\"a\":1}"`},
		{name: "latin-1", status: 200, contentType: "text/plain; charset=iso-8859-1", body: "caf\xe9", want: `"café"`},
		{name: "charset name in capitals", status: 200, contentType: "text/plain; Charset=ISO-8859-1", body: "caf\xe9", want: `"café"`},
		// ISO-8859-1 as Python's codec has it (0x80 is U+0080), not as the
		// WHATWG table (windows-1252, 0x80 is €); Python's spellings too.
		{name: "latin-1 is not windows-1252", status: 200, contentType: "text/plain; charset=latin_1", body: "caf\x80\xe9", want: "\"caf\u0080é\""},
		{name: "windows-1252", status: 200, contentType: "text/plain; charset=cp1252", body: "caf\x80\xe9", want: `"caf€é"`},
		{name: "json with a byte order mark", status: 200, contentType: "application/json", body: "\xef\xbb\xbf{\"a\": 1}", want: `{"a":1}`},
		{name: "invalid utf-8", status: 200, contentType: "text/plain", body: "a\xffb", want: "\"a\ufffdb\""},
		{name: "head", method: "HEAD", status: 200, contentType: "application/json", body: `{"a":1}`, want: `""`},
		{name: "redirect status is a result", status: 302, contentType: "text/plain", body: "moved", want: `"moved"`},
		{name: "invalid json", status: 200, contentType: "application/json", body: `{"a":`,
			wantErr: "the response from URL has Content-Type application/json but its body is not valid JSON: invalid JSON: unexpected end of input"},
		{name: "empty json", status: 200, contentType: "application/json",
			wantErr: "the response from URL has Content-Type application/json but its body is not valid JSON: invalid JSON: unexpected end of input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				} else {
					w.Header()["Content-Type"] = nil
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			method := tc.method
			if method == "" {
				method = "GET"
			}
			got, err := run(t, req, nil, "url", srv.URL+"/p", "method", method, "base64_encode_data", tc.base64)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "URL", srv.URL+"/p")
				if err == nil || err.Error() != want {
					t.Fatalf("error:\n got %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := got.(*value.Map)
			if sc, _ := m.Get("status_code"); sc != tc.status {
				t.Errorf("status_code %v", sc)
			}
			data, _ := m.Get("data")
			if s := jsonText(t, data); s != tc.want {
				t.Errorf("data:\n got %s\nwant %s", s, tc.want)
			}
		})
	}
}

func TestRequestBuilding(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(echo))
	t.Cleanup(srv.Close)
	tests := []struct {
		name    string
		url     string
		args    []any
		want    string // JSON of the echo
		wantErr string
	}{
		{
			name: "defaults",
			want: `{"body":"","headers":{"Accept":"*/*"},"method":"GET","uri":"/p"}`,
		},
		{
			name: "params merged into the query",
			url:  "/p?a=1&b=2&b=22&keep=x%20y",
			args: []any{"params", value.MapOf("b", 3, "c", []any{1, "two", nil}, "d", nil, "e", true, "f", false,
				"g", 1.5, "h", "sp ace&=", "keep", nil)},
			want: `{"body":"","headers":{"Accept":"*/*"},"method":"GET",` +
				`"uri":"/p?a=1&b=3&keep=x+y&c=1&c=two&c=&e=true&f=false&g=1.5&h=sp+ace%26%3D"}`,
		},
		{
			name: "headers, null dropped, accept overridden",
			args: []any{"method", "DELETE", "headers", value.MapOf("X-Keep", "k", "X-Drop", nil, "accept", "application/xml")},
			want: `{"body":"","headers":{"Accept":"application/xml","X-Keep":"k"},"method":"DELETE","uri":"/p"}`,
		},
		{
			name: "json payload keeps key order",
			args: []any{"method", "POST", "payload", value.MapOf("z", 1, "a", []any{1.0, "é", nil}, "m", value.MapOf("y", true, "b", false))},
			want: `{"body":"{\"z\":1,\"a\":[1.0,\"é\",null],\"m\":{\"y\":true,\"b\":false}}",` +
				`"headers":{"Accept":"*/*","Content-Type":"application/json"},"method":"POST","uri":"/p"}`,
		},
		{
			name: "json list payload, user content type wins",
			args: []any{"method", "PUT", "payload", []any{1, 2}, "headers", value.MapOf("Content-Type", "application/merge-patch+json")},
			want: `{"body":"[1,2]","headers":{"Accept":"*/*","Content-Type":"application/merge-patch+json"},"method":"PUT","uri":"/p"}`,
		},
		{
			name: "empty payload is still a body",
			args: []any{"method", "POST", "payload", value.NewMap(0)},
			want: `{"body":"{}","headers":{"Accept":"*/*","Content-Type":"application/json"},"method":"POST","uri":"/p"}`,
		},
		{
			name: "form data",
			args: []any{"method", "POST", "form_data", value.MapOf("a", "x y", "l", []any{1, 2}, "b", true, "n", nil)},
			want: `{"body":"a=x+y&l=1&l=2&b=true&n=","headers":{"Accept":"*/*","Content-Type":"application/x-www-form-urlencoded"},"method":"POST","uri":"/p"}`,
		},
		{
			name: "form data wins over payload",
			args: []any{"method", "POST", "form_data", value.MapOf("a", "1"), "payload", value.MapOf("b", 2)},
			want: `{"body":"a=1","headers":{"Accept":"*/*","Content-Type":"application/x-www-form-urlencoded"},"method":"POST","uri":"/p"}`,
		},
		{
			name: "raw content",
			args: []any{"method", "PATCH", "content", "<xml/>", "headers", value.MapOf("Content-Type", "text/xml")},
			want: `{"body":"<xml/>","headers":{"Accept":"*/*","Content-Type":"text/xml"},"method":"PATCH","uri":"/p"}`,
		},
		{
			name: "basic auth",
			args: []any{"auth", value.MapOf("username", "user", "password", "pa:ss")},
			want: `{"body":"","headers":{"Accept":"*/*","Authorization":"Basic dXNlcjpwYTpzcw=="},"method":"GET","uri":"/p"}`,
		},
		{
			name: "empty auth sends none",
			args: []any{"auth", value.NewMap(0)},
			want: `{"body":"","headers":{"Accept":"*/*"},"method":"GET","uri":"/p"}`,
		},
		{
			name:    "content with payload",
			args:    []any{"method", "POST", "content", "x", "payload", value.MapOf("a", 1)},
			wantErr: "Raw content cannot be combined with payload, form_data, or files.",
		},
		{
			name:    "content with form data",
			args:    []any{"method", "POST", "content", "x", "form_data", value.MapOf("a", 1)},
			wantErr: "Raw content cannot be combined with payload, form_data, or files.",
		},
		{
			name:    "content with files",
			args:    []any{"method", "POST", "content", "x", "files", value.MapOf("f", "eA==")},
			wantErr: "Raw content cannot be combined with payload, form_data, or files.",
		},
		{
			name:    "auth without password",
			args:    []any{"auth", value.MapOf("username", "user")},
			wantErr: "auth must have exactly the keys username and password",
		},
		{
			name:    "bad url",
			url:     "://nope",
			wantErr: `invalid URL "://nope": missing protocol scheme`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := srv.URL + "/p"
			if tc.url != "" {
				u = srv.URL + tc.url
				if !strings.HasPrefix(tc.url, "/") {
					u = tc.url
				}
			}
			pairs := append([]any{"url", u, "method", "GET"}, tc.args...)
			// Later keys override the defaults above.
			m := value.NewMap(len(pairs) / 2)
			for i := 0; i < len(pairs); i += 2 {
				m.Set(pairs[i].(string), pairs[i+1])
			}
			var flat []any
			m.Range(func(k string, v any) bool { flat = append(flat, k, v); return true })
			got, err := run(t, req, nil, flat...)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error:\n got %v\nwant %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := got.(*value.Map).Get("data")
			if s := jsonText(t, data); s != tc.want {
				t.Errorf("\n got %s\nwant %s", s, tc.want)
			}
		})
	}
}

func TestRequestStatusErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        string // SRV stands for the server's URL
	}{
		{
			name: "400 with a JSON object", status: 400, contentType: "application/json",
			body: `{"error": {"message": "bad", "code": 7}, "b": [1, "x"], "a": null}`,
			want: "400 Bad request for 'SRV/api/items?q=1'.\n\n" +
				"a: null\nb:\n- 1\n- x\nerror:\n  code: 7\n  message: bad\n\n\n" +
				"This error occurs when the server cannot understand the request.\nPlease check that:\n" +
				"- The request URL is properly formatted\n- Query parameters are valid\n" +
				"- Headers are correctly specified\n- Request body matches the API requirements",
		},
		{
			name: "404", status: 404, contentType: "text/plain", body: "nothing here",
			want: "404 Not found for 'SRV/api/items?q=1'.\n\nPlease check that the URL is correct and the resource exists:\n\n" +
				"Host: 127.0.0.1\nPort: PORT\nPath: /api/items",
		},
		{
			name: "422 with a JSON list", status: 422, contentType: "application/json", body: `["a", 1, null, true]`,
			want: "422 Unprocessable entity for 'SRV/api/items?q=1'.\n\n['a', 1, None, True]\n\n" +
				"This error occurs when the server cannot process the request payload.\nPlease check that:\n" +
				"- The request body matches the expected format (e.g. valid JSON)\n- All required fields are included\n" +
				"- Field values match the expected types and constraints",
		},
		{
			name: "500 with text", status: 500, contentType: "text/html", body: "<h1>oops</h1>",
			want: "500 Internal server error for 'SRV/api/items?q=1'.\n\n<h1>oops</h1>\n\n" +
				"This error occurs when the server encounters an unexpected error while processing the request.\nPlease check that:\n" +
				"- Check if the server is running and accessible\n- Review server logs for error details\n" +
				"- Contact the server administrator if the issue persists\n- Try the request again after a few minutes",
		},
		{
			name: "other status with JSON in text/plain", status: 418, contentType: "text/plain", body: `{"teapot": true}`,
			want: "HTTP request failed with status 418. Details:\n\n```\nteapot: true\n\n```",
		},
		{
			name: "other status with a JSON string", status: 401, contentType: "application/json", body: `"denied"`,
			want: "HTTP request failed with status 401. Details:\n\n```\ndenied\n```",
		},
		{
			name: "other status with JSON after a byte order mark", status: 409, contentType: "application/json", body: "\xef\xbb\xbf{\"conflict\": 1}",
			want: "HTTP request failed with status 409. Details:\n\n```\nconflict: 1\n\n```",
		},
		{
			name: "other status with an empty body", status: 403,
			want: "HTTP request failed with status 403. Details:\n\n```\n\n```",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			_, err := run(t, req, nil, "url", srv.URL+"/api/items?q=1", "method", "POST")
			want := strings.ReplaceAll(tc.want, "SRV", srv.URL)
			want = strings.ReplaceAll(want, "PORT", srv.URL[strings.LastIndexByte(srv.URL, ':')+1:])
			if err == nil || err.Error() != want {
				t.Fatalf("error:\n got %v\nwant %s", err, want)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != tc.status || se.URL != srv.URL+"/api/items?q=1" ||
				se.Method != "POST" || string(se.Body) != tc.body {
				t.Errorf("StatusError: %+v", se)
			}
		})
	}
}

func TestRequestIgnoreStatusCodes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noDate(w)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		io.WriteString(w, `{"found": false}`)
	}))
	t.Cleanup(srv.Close)
	got, err := run(t, req, nil, "url", srv.URL, "method", "GET", "ignore_status_codes", []any{409, 404})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"status_code":404,"headers":{"content-length":"16","content-type":"application/json"},"data":{"found":false}}`
	if s := jsonText(t, got); s != want {
		t.Errorf("\n got %s\nwant %s", s, want)
	}
	if _, err := run(t, req, nil, "url", srv.URL, "method", "GET", "ignore_status_codes", []any{409}); err == nil {
		t.Error("404 not in ignore_status_codes did not fail")
	}
}

func TestRequestRedirects(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noDate(w)
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/hop1", http.StatusFound)
		case "/hop1":
			http.Redirect(w, r, "/end", http.StatusMovedPermanently)
		case "/end":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "arrived "+r.Method)
		}
	}))
	t.Cleanup(srv.Close)

	t.Run("not followed", func(t *testing.T) {
		t.Parallel()
		got, err := run(t, req, nil, "url", srv.URL+"/start", "method", "GET")
		if err != nil {
			t.Fatal(err)
		}
		want := `{"status_code":302,"headers":{"content-length":"28","content-type":"text/html; charset=utf-8","location":"/hop1"},` +
			`"data":"<a href=\"/hop1\">Found</a>.\n\n"}`
		if s := jsonText(t, got); s != want {
			t.Errorf("\n got %s\nwant %s", s, want)
		}
	})
	t.Run("followed", func(t *testing.T) {
		t.Parallel()
		got, err := run(t, req, nil, "url", srv.URL+"/start", "method", "POST", "follow_redirects", true, "max_redirects", 2)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"status_code":200,"headers":{"content-length":"11","content-type":"text/plain"},"data":"arrived GET"}`
		if s := jsonText(t, got); s != want {
			t.Errorf("\n got %s\nwant %s", s, want)
		}
	})
	t.Run("too many", func(t *testing.T) {
		t.Parallel()
		_, err := run(t, req, nil, "url", srv.URL+"/start", "method", "GET", "follow_redirects", true, "max_redirects", 1)
		want := "GET " + srv.URL + "/start: exceeded the maximum of 1 redirects"
		if err == nil || err.Error() != want {
			t.Fatalf("error:\n got %v\nwant %s", err, want)
		}
		var tm *TooManyRedirectsError
		if !errors.As(err, &tm) || tm.Max != 1 {
			t.Errorf("not a *TooManyRedirectsError: %T", err)
		}
	})
}

// TestRequestRedirectAuthorization checks that a followed redirect drops
// the Authorization header once it leaves the origin, as httpx does, and
// keeps the other headers.
func TestRequestRedirectAuthorization(t *testing.T) {
	t.Parallel()
	seen := func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "auth="+r.Header.Get("Authorization")+" key="+r.Header.Get("X-Api-Key"))
	}
	var a, b *httptest.Server
	a = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/end", http.StatusFound)
		case "/away":
			http.Redirect(w, r, b.URL+"/end", http.StatusFound)
		case "/round":
			http.Redirect(w, r, b.URL+"/back", http.StatusFound)
		default:
			seen(w, r)
		}
	}))
	t.Cleanup(a.Close)
	// b is the same host on another port: another origin.
	b = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/back" {
			http.Redirect(w, r, a.URL+"/end", http.StatusFound)
			return
		}
		seen(w, r)
	}))
	t.Cleanup(b.Close)
	tests := []struct{ path, auth, want string }{
		{"/same", "header", "auth=Bearer s3cret key=k"},
		{"/away", "header", "auth= key=k"},
		{"/round", "header", "auth= key=k"},
		{"/same", "basic", "auth=Basic dTpw key=k"},
		{"/away", "basic", "auth= key=k"},
	}
	for _, tc := range tests {
		t.Run(tc.path+" "+tc.auth, func(t *testing.T) {
			t.Parallel()
			headers := value.MapOf("X-Api-Key", "k")
			pairs := []any{"url", a.URL + tc.path, "method", "GET", "follow_redirects", true, "headers", headers}
			if tc.auth == "header" {
				headers.Set("Authorization", "Bearer s3cret")
			} else {
				pairs = append(pairs, "auth", value.MapOf("username", "u", "password", "p"))
			}
			got, err := run(t, req, nil, pairs...)
			if err != nil {
				t.Fatal(err)
			}
			if data, _ := got.(*value.Map).Get("data"); data != tc.want {
				t.Errorf("got %q, want %q", data, tc.want)
			}
		})
	}
}

func TestKeepsAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to string
		want     bool
	}{
		{"https://api.example.com/a", "https://API.example.com:443/b", true},
		{"http://api.example.com/a", "https://api.example.com/b", true},
		{"http://api.example.com:8080/a", "https://api.example.com/b", false},
		{"https://api.example.com/a", "http://api.example.com/b", false},
		{"https://api.example.com/a", "https://api.example.com:8443/b", false},
		{"https://example.com/a", "https://api.example.com/b", false},
		{"https://api.example.com/a", "https://evil.example/b", false},
	}
	for _, tc := range tests {
		from, _ := url.Parse(tc.from)
		to, _ := url.Parse(tc.to)
		if got := keepsAuthorization(from, to); got != tc.want {
			t.Errorf("keepsAuthorization(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

// wrapped hides an *http.Transport behind another type, as a wrapping
// transport would, so that the exchange watches every phase itself.
type wrapped struct{ rt http.RoundTripper }

func (w wrapped) RoundTrip(r *http.Request) (*http.Response, error) { return w.rt.RoundTrip(r) }

// TestRequestTimeouts runs each phase's timeout through an *http.Transport
// (a clone applies the timeout) and through a transport of another type
// (the exchange watches the phases with httptrace).
func TestRequestTimeouts(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow-headers":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/slow-body":
			w.WriteHeader(200)
			io.WriteString(w, "part")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/no-read":
			// never reads the upload, so the client's writes stall
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/steady":
			// 6 chunks 100 ms apart: 600 ms in all, more than the
			// timeout, but no read waits longer than it.
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			for i := range 6 {
				time.Sleep(100 * time.Millisecond)
				io.WriteString(w, string(rune('a'+i)))
				w.(http.Flusher).Flush()
			}
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	// A server that accepts connections and never answers the TLS
	// handshake.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mute.Close() })
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			go func() {
				<-release
				c.Close()
			}()
		}
	}()
	upload := strings.Repeat("x", 16<<20) // more than the loopback buffers hold

	for _, path := range []string{"timed", "fallback"} {
		transport := func(tr *http.Transport) http.RoundTripper {
			if path == "fallback" {
				return wrapped{tr}
			}
			return tr
		}
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			tests := []struct {
				phase, method, url, want string
				body                     any
			}{
				{"read_headers", "GET", "SRV/slow-headers?secret=1", "GET SRV/slow-headers: waiting for the response headers timed out after 100ms", nil},
				{"read_body", "GET", "SRV/slow-body?secret=1", "GET SRV/slow-body: reading the response body timed out after 100ms", nil},
				{"write", "POST", "SRV/no-read?secret=1", "POST SRV/no-read: sending the request timed out after 100ms", upload},
				{"tls", "GET", "https://MUTE/x?secret=1", "GET https://MUTE/x: the TLS handshake timed out after 100ms", nil},
			}
			for _, tc := range tests {
				t.Run(tc.phase, func(t *testing.T) {
					t.Parallel()
					env, _ := newEnv()
					env.Transport = transport(testTransport)
					expand := strings.NewReplacer("SRV", srv.URL, "MUTE", mute.Addr().String())
					start := time.Now()
					_, err := run(t, req, env, "url", expand.Replace(tc.url), "method", tc.method, "timeout", 0.1, "content", tc.body)
					want := expand.Replace(tc.want)
					if err == nil || err.Error() != want {
						t.Fatalf("error:\n got %v\nwant %s", err, want)
					}
					var te *TimeoutError
					if !errors.As(err, &te) || te.Phase != tc.phase || te.After != 100*time.Millisecond || !te.Timeout() {
						t.Errorf("TimeoutError: %+v", te)
					}
					if d := time.Since(start); d > 2*time.Second {
						t.Errorf("took %s", d)
					}
				})
			}
			t.Run("per phase, not total", func(t *testing.T) {
				t.Parallel()
				env, _ := newEnv()
				env.Transport = transport(testTransport)
				got, err := run(t, req, env, "url", srv.URL+"/steady", "method", "GET", "timeout", 0.4)
				if err != nil {
					t.Fatal(err)
				}
				if data, _ := got.(*value.Map).Get("data"); data != "abcdef" {
					t.Errorf("data %v", data)
				}
			})
			t.Run("connect", func(t *testing.T) {
				t.Parallel()
				env, _ := newEnv()
				tr := testTransport.Clone()
				tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
					<-ctx.Done() // a host that never answers
					return nil, ctx.Err()
				}
				env.Transport = transport(tr)
				// GET: a timeout is not retried.
				_, err := run(t, req, env, "url", "http://192.0.2.1:9/x", "method", "GET", "timeout", 0.05)
				want := "GET http://192.0.2.1:9/x: connecting to the server timed out after 50ms"
				if err == nil || err.Error() != want {
					t.Fatalf("error:\n got %v\nwant %s", err, want)
				}
			})
		})
	}
}

// TestTimedTransportCache checks that steps with the same timeout and TLS
// settings share a timed clone, and that a transport the timeout cannot
// be applied to is left to the exchange's watch.
func TestTimedTransportCache(t *testing.T) {
	t.Parallel()
	env, _ := newEnv()
	a, ta, _ := stepTransport(env, true, time.Second)
	b, tb, _ := stepTransport(env, true, time.Second)
	if a != b || ta != tb || a != http.RoundTripper(ta) || a == testTransport {
		t.Errorf("timed transports not cached: %p %p", a, b)
	}
	if ta.ResponseHeaderTimeout != 0 || ta.TLSHandshakeTimeout != time.Second {
		t.Errorf("timeouts: response headers %s, TLS handshake %s", ta.ResponseHeaderTimeout, ta.TLSHandshakeTimeout)
	}
	c, _, _ := stepTransport(env, true, 2*time.Second)
	d, _, _ := stepTransport(env, false, time.Second)
	if c == a || d == a || d == c {
		t.Error("timed transport shared across settings")
	}
	if e, te, _ := stepTransport(env, true, 0); e != testTransport || te != nil {
		t.Error("no timeout, yet not the plain transport")
	}
	limited := testTransport.Clone()
	limited.MaxConnsPerHost = 4
	env.Transport = limited
	if f, tf, _ := stepTransport(env, true, time.Second); f != limited || tf != nil {
		t.Error("a transport with a connection limit got a timed clone")
	}
	env.Transport = wrapped{testTransport}
	if g, tg, _ := stepTransport(env, true, time.Second); g != env.Transport || tg != nil {
		t.Error("a wrapping transport got a timed clone")
	}
}

// TestTimedTransportCacheBound checks that the cache of step transports
// starts afresh past its bound, keeping the transport just added. Not
// parallel: it lowers the bound for the whole package.
func TestTimedTransportCacheBound(t *testing.T) {
	defer func(n int64) { maxStepTransports = n }(maxStepTransports)
	maxStepTransports = stepTransportCount.Load() + 3
	env, _ := newEnv()
	base := testTransport.Clone()
	env.Transport = base
	cached := func() (n int) {
		stepTransports.Range(func(k, _ any) bool {
			if k.(stepKey).base == base {
				n++
			}
			return true
		})
		return n
	}
	var first http.RoundTripper
	for i := 1; i <= 3; i++ {
		rt, _, _ := stepTransport(env, true, time.Duration(i)*time.Millisecond)
		if i == 1 {
			first = rt
		}
	}
	if n := cached(); n != 3 {
		t.Fatalf("%d transports cached, want 3", n)
	}
	if again, _, _ := stepTransport(env, true, time.Millisecond); again != first {
		t.Fatal("a cached transport was not reused")
	}
	fourth, _, _ := stepTransport(env, true, 4*time.Millisecond)
	if n := cached(); n != 1 {
		t.Errorf("%d transports cached past the bound, want 1 (the one just added)", n)
	}
	if again, _, _ := stepTransport(env, true, 4*time.Millisecond); again != fourth {
		t.Error("the transport added past the bound was not kept")
	}
	if again, _, _ := stepTransport(env, true, time.Millisecond); again == first {
		t.Error("a transport dropped from the cache was returned")
	}
}

func TestRequestCancel(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-started
		cancel()
	}()
	env, _ := newEnv()
	start := time.Now()
	_, err := req.Run(ctx, args(t, req, "url", srv.URL, "method", "GET"), env)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cancellation took %s", d)
	}
}

func TestRequestDryRun(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	env, _ := newEnv()
	var got []actions.Request
	env.DryRun = func(r actions.Request) { got = append(got, r) }
	res, err := run(t, req, env, "url", srv.URL+"/p?a=1", "method", "POST",
		"params", value.MapOf("b", []any{1, 2}), "headers", value.MapOf("X-Custom", "c"),
		"payload", value.MapOf("k", "v"), "auth", value.MapOf("username", "u", "password", "p"))
	if err != nil {
		t.Fatal(err)
	}
	if s := jsonText(t, res); s != `{"status_code":200,"headers":{},"data":null}` {
		t.Errorf("result %s", s)
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent in a dry run", hits.Load())
	}
	if len(got) != 1 {
		t.Fatalf("DryRun called %d times", len(got))
	}
	r := got[0]
	if r.Method != "POST" || r.URL != srv.URL+"/p?a=1&b=1&b=2" || r.Body != `{"k":"v"}` {
		t.Errorf("request %+v", r)
	}
	wantHeaders := http.Header{"Accept": {"*/*"}, "Authorization": {"Basic dTpw"}, "Content-Type": {"application/json"}, "X-Custom": {"c"}}
	if jsonText(t, headerValue(r.Headers)) != jsonText(t, headerValue(wantHeaders)) {
		t.Errorf("headers %v", r.Headers)
	}
}

func headerValue(h http.Header) *value.Map {
	m := value.NewMap(len(h))
	for _, k := range sortedKeys(h) {
		m.Set(k, strings.Join(h[k], ","))
	}
	return m
}

func sortedKeys(h http.Header) []string {
	var ks []string
	for k := range h {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(100<<20+1))
		io.WriteString(w, "x")
	}))
	t.Cleanup(srv.Close)
	_, err := run(t, req, nil, "url", srv.URL+"/big", "method", "GET")
	want := "GET " + srv.URL + "/big: the response body is larger than the limit of 100 MiB"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
}

// TestResponseTooLargeStreamed reads 100 MiB, which would starve the
// timing-sensitive tests if it ran in parallel with them.
func TestResponseTooLargeStreamed(t *testing.T) { //nolint:paralleltest // see above
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		chunk := strings.Repeat("x", 1<<20)
		for range 101 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	_, err := run(t, req, nil, "url", srv.URL+"/big", "method", "GET")
	want := "GET " + srv.URL + "/big: the response body is larger than the limit of 100 MiB"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
}

// TestTimedConnectionIdle checks the timed transport's read deadline on
// pooled connections: a connection is reused while it has been idle for
// less than the timeout, and closed once idle for longer, the next
// request (a POST too) dialing a new one without an error.
func TestTimedConnectionIdle(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Method)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	env, _ := newEnv()
	env.Transport = testTransport.Clone() // a pool of its own
	send := func(method string) {
		t.Helper()
		got, err := run(t, req, env, "url", srv.URL, "method", method, "timeout", 0.2)
		if err != nil {
			t.Fatal(err)
		}
		if data, _ := got.(*value.Map).Get("data"); data != method {
			t.Fatalf("data %v, want %s", data, method)
		}
	}
	send("GET")
	send("GET")
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for two requests in a row, want 1", n)
	}
	time.Sleep(500 * time.Millisecond) // idle for more than the timeout
	send("POST")
	send("GET")
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2: the idle one closed, a new one reused", n)
	}
}

// TestHeaderMap checks the result's headers: lowercased names in order,
// repeated values joined, and names differing only in case (which a
// transport other than net/http's may give) merged in a fixed order.
func TestHeaderMap(t *testing.T) {
	t.Parallel()
	h := http.Header{"X-A": {"1"}, "x-a": {"2", "3"}, "B": {"4", "5"}, "Content-Type": {"text/plain"}}
	for range 20 { // map iteration order varies
		got := jsonText(t, headerMap(h))
		if want := `{"b":"4, 5","content-type":"text/plain","x-a":"1, 2, 3"}`; got != want {
			t.Fatalf("headerMap = %s, want %s", got, want)
		}
	}
}
