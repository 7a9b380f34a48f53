package engine_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// The secret of the redaction tests, with characters that change under
// encodings, and the user it pairs with.
const (
	secret = `Pa55 w0rd/+"x"`
	user   = "svc-bot"
)

// echoServer answers every request with 401 and the request's
// Authorization header, query and body in the error, as careless APIs do.
func echoServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		out, _ := value.MarshalJSON(value.MapOf(
			"error", "bad credentials",
			"auth", r.Header.Get("Authorization"),
			"x_key", r.Header.Get("X-Key"),
			"path", r.URL.Path,
			"query", r.URL.RawQuery,
			"body", string(body)))
		_, _ = w.Write(out)
	}))
}

// TestRedactionTable runs templates that move a secret into every place a
// run can show it, and asserts that neither the secret nor the value
// derived from it appears in the result, the events, the logs or the
// error.
func TestRedactionTable(t *testing.T) {
	t.Parallel()
	srv := echoServer()
	t.Cleanup(srv.Close)
	sum := sha256.Sum256([]byte(secret))
	cases := []struct {
		name string
		// args of a core.http_request step, or a value for
		// core.transform.reshape when reshape is set
		args    string
		reshape bool
		dryRun  bool
		// leaks are the derived forms that must not appear, besides
		// the secret itself and its base64 and URL encodings.
		leaks []string
	}{
		{name: "bearer header", args: `{url: "URL/h", method: GET, headers: {Authorization: "Bearer ${{ SECRETS.api.KEY }}"}}`},
		{name: "base64 of the secret", args: `{url: "URL/b", method: GET, headers: {X-Key: "${{ FN.to_base64(SECRETS.api.KEY) }}"}}`},
		{name: "basic auth built by the action", dryRun: true, args: `{url: "URL/a", method: GET, auth: {username: "${{ SECRETS.api.USER }}", password: "${{ SECRETS.api.KEY }}"}}`,
			leaks: []string{base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))}},
		{name: "basic auth built by the action, sent", args: `{url: "URL/as", method: GET, auth: {username: "${{ SECRETS.api.USER }}", password: "${{ SECRETS.api.KEY }}"}}`,
			leaks: []string{base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))}},
		{name: "basic auth header built by an expression", args: `{url: "URL/ab", method: GET, headers: {Authorization: "Basic ${{ FN.to_base64(SECRETS.api.USER + ':' + SECRETS.api.KEY) }}"}}`,
			leaks: []string{base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))}},
		{name: "query parameter", args: `{url: "URL/q", method: GET, params: {api_key: "${{ SECRETS.api.KEY }}"}}`,
			leaks: []string{url.QueryEscape(secret)}},
		{name: "path segment", args: `{url: "URL/keys/${{ FN.url_encode(SECRETS.api.KEY) }}", method: GET}`,
			leaks: []string{url.PathEscape(secret)}},
		{name: "json payload", args: `{url: "URL/j", method: POST, payload: {credentials: {key: "${{ SECRETS.api.KEY }}"}}}`},
		{name: "form data", args: `{url: "URL/f", method: POST, form_data: {key: "${{ SECRETS.api.KEY }}"}}`},
		{name: "raw content", args: `{url: "URL/c", method: POST, content: "key=${{ SECRETS.api.KEY }}&x=1"}`},
		{name: "dry run request", dryRun: true, args: `{url: "URL/d?k=${{ SECRETS.api.KEY }}", method: POST, headers: {X-Key: "${{ SECRETS.api.KEY }}"}, payload: {k: "${{ SECRETS.api.KEY }}"}}`},
		{name: "uppercased", reshape: true, args: `"${{ FN.uppercase(SECRETS.api.KEY) }}"`, leaks: []string{strings.ToUpper(secret)}},
		{name: "hashed", reshape: true, args: `"${{ FN.hash_sha256(SECRETS.api.KEY) }}"`, leaks: []string{hex.EncodeToString(sum[:])}},
		{name: "sliced", reshape: true, args: `"${{ FN.slice(SECRETS.api.KEY, 0, 8) }}"`, leaks: []string{secret[:8]}},
		{name: "concatenated", reshape: true, args: `"${{ SECRETS.api.USER + '/' + SECRETS.api.KEY }}"`, leaks: []string{user + "/" + secret}},
		{name: "in a list in the result", reshape: true, args: `["${{ SECRETS.api.KEY }}", "${{ SECRETS.oauth_oauth.OAUTH_USER_TOKEN }}"]`, leaks: []string{"gho_tok3n_value"}},
		{name: "json serialized", reshape: true, args: `"${{ FN.serialize_json({'k': SECRETS.api.KEY}) }}"`},
		{name: "in an expression error", reshape: true, args: `"${{ int(SECRETS.api.KEY) }}"`},
		{name: "oauth token in a header", args: `{url: "URL/o", method: GET, headers: {Authorization: "Bearer ${{ SECRETS.oauth_oauth.OAUTH_USER_TOKEN }}"}}`, leaks: []string{"gho_tok3n_value"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			action := "core.http_request"
			args := strings.ReplaceAll(c.args, "URL", srv.URL)
			if c.reshape {
				action, args = "core.transform.reshape", "{value: "+args+"}"
			}
			src := fmt.Sprintf(`definition:
  title: Leak
  display_group: Test
  namespace: tools.leak
  name: leak
  secrets:
    - {name: api, keys: [KEY, USER]}
    - {type: oauth, provider_id: oauth, grant_type: authorization_code}
  expects: {}
  steps:
    - ref: step
      action: %s
      args: %s
  returns: ${{ steps.step.result }}
`, action, args)
			path := filepath.Join(t.TempDir(), "leak.yml")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			tpl, ds := template.Load(path)
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			var out bytes.Buffer
			var mu sync.Mutex
			opts := engine.Options{
				Secrets: engine.StaticSecrets{"api": {"KEY": secret, "USER": user}, "oauth_oauth": {"OAUTH_USER_TOKEN": "gho_tok3n_value"}},
				Logger:  slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})),
				DryRun:  c.dryRun,
				Events: func(ev engine.Event) {
					mu.Lock()
					defer mu.Unlock()
					fmt.Fprintf(&out, "event %+v\n", ev)
					if ev.Request != nil {
						fmt.Fprintf(&out, "request %+v\n", *ev.Request)
					}
				},
			}
			res, err := engine.RunTemplate(t.Context(), tpl, value.NewMap(0), opts)
			if err != nil {
				fmt.Fprintf(&out, "error %v\n", err)
			} else {
				text, _ := value.MarshalJSON(res.Redacted())
				fmt.Fprintf(&out, "result %s\n", text)
			}
			shown := out.String()
			if !strings.Contains(shown, "***") {
				t.Errorf("nothing was masked; output:\n%s", shown)
			}
			leaks := append([]string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), url.QueryEscape(secret), strings.ReplaceAll(secret, `"`, `\"`)}, c.leaks...)
			for _, leak := range leaks {
				if strings.Contains(shown, leak) {
					t.Errorf("%q leaked into the output:\n%s", leak, shown)
				}
			}
		})
	}
	if len(cases) < 15 {
		t.Fatalf("%d cases, want at least 15", len(cases))
	}
}

// TestRedactionNumbers runs a template that turns a numeric secret into
// numbers and checks the printed result masks them.
func TestRedactionNumbers(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "pin.yml")
	src := `definition:
  title: Pin
  display_group: Test
  namespace: tools.leak
  name: pin
  secrets:
    - {name: api, keys: [PIN]}
  expects: {}
  steps:
    - ref: step
      action: core.transform.reshape
      args:
        value: {pin: "${{ int(SECRETS.api.PIN) }}", longer: "${{ FN.length(SECRETS.api.PIN) + 1000 }}", plain: "${{ 7 }}"}
  returns: ${{ steps.step.result }}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, ds := template.Load(path)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	res, err := engine.RunTemplate(t.Context(), tpl, value.NewMap(0), engine.Options{Secrets: engine.StaticSecrets{"api": {"PIN": "482913"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := value.MarshalJSON(res.Value); string(got) != `{"pin":482913,"longer":1006,"plain":7}` {
		t.Fatalf("unmasked result %s", got)
	}
	if got, _ := value.MarshalJSON(res.Redacted()); string(got) != `{"pin":"***","longer":"***","plain":7}` {
		t.Errorf("Redacted = %s", got)
	}
}
