package golden_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actuatehq/actuate/engine/golden"
	"github.com/actuatehq/actuate/expr/value"

	_ "github.com/actuatehq/actuate/actions/builtin"
)

// TestTestdata runs the project's golden cases, next to the templates in
// testdata. ACTUATE_UPDATE_GOLDEN=1 go test ./engine/golden rewrites
// their goldens.
func TestTestdata(t *testing.T) {
	t.Parallel()
	golden.Run(t, "../../testdata")
}

func write(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// oauthOK is a valid oauth entry's fields.
const oauthOK = "provider_id: custom_x, grant_type: client_credentials, client_id: id, client_secret: sec, " +
	"token_endpoint: https://auth.example.com/token, access_token: tok"

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"empty", "", "c.test.yaml: empty case file: want a list of cases, or a mapping with cases"},
		{"yaml", "- name: a\n  inputs: [\n", "c.test.yaml:2: did not find expected node content"},
		{"scalar", "hello\n", "c.test.yaml:1:1: a case file holds a list of cases, or a mapping with cases"},
		{"top key", "cases: []\nextra: 1\n", `c.test.yaml:2:1: unknown key "extra" in case file (want one of cases)`},
		{"no cases", "cases: []\n", "c.test.yaml:1:8: no cases"},
		{"no name", "- inputs: {}\n", "c.test.yaml:1:3: case 1 has no name"},
		{"bad name", "- name: a b\n", `c.test.yaml:1:9: case name "a b" must be letters, digits, '_', '-' and '.', starting with a letter or digit`},
		{"unknown key", "- name: a\n  input: {}\n", `c.test.yaml:2:3: unknown key "input" in case 1 (want one of name, description, action, inputs, secrets, oauth, vars, cassette, live, golden, requests, error)`},
		{"duplicate", "- name: a\n- name: a\n", `c.test.yaml:2:3: duplicate case name "a" (first at line 1)`},
		{"inputs list", "- name: a\n  inputs: [1]\n", "c.test.yaml:2:11: inputs must be a mapping of input names to values"},
		{"secret key", "- name: a\n  secrets: {s: {k: [1]}}\n", "c.test.yaml:2:20: secret s.k must be a string"},
		{"vars", "- name: a\n  vars: {github: 1}\n", "c.test.yaml:2:18: variable github must be a mapping of keys to values"},
		{"missing cassette", "- name: a\n  cassette: nope.yaml\n", "c.test.yaml:2:13: cassette file nope.yaml does not exist"},
		{"inline cassette", "- name: a\n  cassette:\n    - request: {verb: GET}\n      response: {status: 200}\n", `c.test.yaml:3:17: unknown key "verb" in interaction 1 request (want one of method, url, headers, body, body_encoding, match)`},
		{"live inline", "- name: a\n  live: http://127.0.0.1:1\n  cassette: []\n", "c.test.yaml:2:9: live needs a cassette file to record into, not an inline cassette"},
		{"live url", "- name: a\n  live: ftp://x\n", `c.test.yaml:2:9: live must be an http or https URL, not "ftp://x"`},
		{"error and golden", "- name: a\n  error: boom\n  golden: a.json\n", `c.test.yaml:3:11: case "a" expects an error, so it has no golden result`},
		{"request", "- name: a\n  requests:\n    - url: http://x\n", "c.test.yaml:3:7: request 1 has no method"},
		{"oauth map", "- name: a\n  oauth: {provider_id: custom_x}\n", "c.test.yaml:2:10: oauth must be a list of integrations (provider_id, grant_type, client_id, client_secret, token_endpoint, access_token, ...)"},
		{"oauth key", "- name: a\n  oauth:\n    - {" + oauthOK + ", scope: x}\n", `c.test.yaml:3:165: unknown key "scope" in oauth entry 1 (want one of provider_id, grant_type, client_id, client_secret, token_endpoint, authorization_endpoint, access_token, refresh_token, expires_in_seconds)`},
		{"oauth missing", "- name: a\n  oauth:\n    - {provider_id: custom_x, grant_type: client_credentials}\n", "c.test.yaml:3:7: oauth entry 1 has no client_id"},
		{"oauth grant", "- name: a\n  oauth:\n    - {" + strings.Replace(oauthOK, "client_credentials", "password", 1) + "}\n", `c.test.yaml:3:43: oauth entry 1: unknown grant type "password": use authorization_code or client_credentials`},
		{"oauth provider", "- name: a\n  oauth:\n    - {" + strings.Replace(oauthOK, "custom_x", "Nope", 1) + "}\n", `c.test.yaml:3:21: oauth entry 1: unknown provider "Nope": use a built-in provider (actuate integrations list) or a custom one named custom_<name> (lowercase letters, digits, underscores)`},
		{"oauth endpoint", "- name: a\n  oauth:\n    - {" + strings.Replace(oauthOK, ", token_endpoint: https://auth.example.com/token", "", 1) + "}\n", `c.test.yaml:3:7: oauth entry 1: custom provider custom_x needs token_endpoint`},
		{"oauth expiry", "- name: a\n  oauth:\n    - {" + oauthOK + ", expires_in_seconds: soon}\n", `c.test.yaml:3:185: oauth entry 1: expires_in_seconds must be a whole number of seconds (negative: already expired)`},
		{"oauth empty", "- name: a\n  oauth:\n    - {" + strings.Replace(oauthOK, "access_token: tok", "access_token: ''", 1) + "}\n", `c.test.yaml:3:160: oauth entry 1: access_token is empty`},
		{"oauth duplicate", "- name: a\n  oauth:\n    - {" + oauthOK + "}\n    - {" + oauthOK + "}\n", `c.test.yaml:4:7: oauth entry 2: integration custom_x (client_credentials) is already given at line 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := golden.Parse("c.test.yaml", []byte(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	in := `{"b": [1.50, "2024-05-01T10:00:00.123+02:00", "at 2024-05-01 10:00"], "a": {"id": "5B8C4E1A-3F2D-4C6B-9A7E-1D2C3B4A5F60",
 "same": "/x/5b8c4e1a-3f2d-4c6b-9a7e-1d2c3b4a5f60", "other": "00000000-0000-0000-0000-000000000000",
 "ulid": "01HZX3Q4R5S6T7V8W9XAYBZC0D", "word": "ABCDEFGHJKMNPQRSTVWXYZABCD", "date": "2024-05-01", "html": "<a&b>", "e": {}, "l": []}}`
	want := `{
  "a": {
    "date": "2024-05-01",
    "e": {},
    "html": "<a&b>",
    "id": "<uuid:1>",
    "l": [],
    "other": "<uuid:2>",
    "same": "/x/<uuid:1>",
    "ulid": "<ulid:1>",
    "word": "ABCDEFGHJKMNPQRSTVWXYZABCD"
  },
  "b": [
    1.50,
    "<time>",
    "at <time>"
  ]
}
`
	got, err := golden.NormalizeJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got\n%s", got)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	b := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn"
	want := `--- want
+++ got
@@ -1,5 +1,5 @@
 a
-b
+B
 c
 d
 e
@@ -11,3 +11,4 @@
 k
 l
 m
+n
\ No newline at end of file
`
	if got := golden.Diff("want", a, "got", b); got != want {
		t.Errorf("got\n%s", got)
	}
	if got := golden.Diff("want", a, "got", a); got != "" {
		t.Errorf("equal texts: got %q", got)
	}
	if got, want := golden.Diff("w", "", "g", "x\n"), "--- w\n+++ g\n@@ -0,0 +1 @@\n+x\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

const echoTemplate = `type: action
definition:
  title: Echo
  description: Echo.
  display_group: Test
  namespace: tools.test
  name: echo
  secrets:
    - name: api
      keys: [API_KEY]
  expects:
    who:
      type: str
  steps:
    - ref: get
      action: core.http_request
      args:
        url: https://api.example.com/hello/${{ inputs.who }}
        method: GET
        headers:
          X-Api-Key: ${{ SECRETS.api.API_KEY }}
  returns: ${{ steps.get.result.data }}
`

// TestUpdateAndFail writes goldens with Update, records a cassette
// against a live stand-in, then fails on a changed golden with a diff.
func TestUpdateAndFail(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("X-Api-Key") != "real-key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"hello": "`+r.PathValue("who")+strings.TrimPrefix(r.URL.Path, "/hello/")+`", "at": "2024-05-01T10:00:00Z"}`)
	}))
	defer api.Close()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"echo.yml": echoTemplate,
		"echo.test.yaml": `- name: live
  inputs: {who: world}
  secrets: {api: {API_KEY: real-key}}
  cassette: _cassettes/live.yaml
  live: ` + api.URL + `
- name: inline
  inputs: {who: you}
  secrets: {api: {API_KEY: fake}}
  cassette:
    - request: {method: GET, url: "https://api.example.com/hello/you", headers: {X-Api-Key: "<secret:api.API_KEY>"}}
      response: {status: 200, headers: {Content-Type: application/json}, body: {hello: you}}
`,
	})
	ctx := context.Background()
	s, err := golden.Load(dir)
	if err != nil || len(s.Errors) > 0 {
		t.Fatal(err, s.Errors)
	}
	// Without --update, the unrecorded cassette fails the case.
	out := s.Run(ctx, golden.Options{})
	if out[0].Status != golden.Fail || !strings.Contains(out[0].Message, "has not been recorded yet") {
		t.Fatalf("live before recording: %+v", out[0])
	}
	out = s.Run(ctx, golden.Options{Update: true})
	for _, o := range out {
		if o.Status != golden.Updated {
			t.Fatalf("update: %+v", o)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("live server hit %d times, want 1", n)
	}
	tape, err := os.ReadFile(filepath.Join(dir, "_cassettes/live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(tape), "real-key") || !strings.Contains(string(tape), "url: https://api.example.com/hello/world") || !strings.Contains(string(tape), "X-Api-Key: <secret:api.API_KEY>") {
		t.Errorf("cassette:\n%s", tape)
	}
	g, err := os.ReadFile(filepath.Join(dir, "echo.live.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"at\": \"<time>\",\n  \"hello\": \"world\"\n}\n"; string(g) != want {
		t.Errorf("golden:\n%s", g)
	}

	// Replay: reload (the cassette exists now), pass with no network.
	api.Close()
	s, _ = golden.Load(dir)
	for _, o := range s.Run(ctx, golden.Options{}) {
		if o.Status != golden.Pass {
			t.Errorf("replay: %+v", o)
		}
	}

	write(t, dir, map[string]string{"echo.inline.golden.json": "{\n  \"hello\": \"me\"\n}\n"})
	s, _ = golden.Load(dir)
	out = s.Run(ctx, golden.Options{Run: regexpMust(t, "/inline$")})
	if len(out) != 1 || out[0].Status != golden.Fail {
		t.Fatalf("changed golden: %+v", out)
	}
	wantDiff := "--- " + filepath.ToSlash(filepath.Join(dir, "echo.inline.golden.json")) + "\n+++ result\n@@ -1,3 +1,3 @@\n {\n-  \"hello\": \"me\"\n+  \"hello\": \"you\"\n }\n"
	if out[0].Diff != wantDiff {
		t.Errorf("diff:\n%s\nwant:\n%s", out[0].Diff, wantDiff)
	}
}

// Normalize walks engine values directly; it must write what normalising
// their JSON text writes.
func TestNormalizeValuesAsTheirJSON(t *testing.T) {
	t.Parallel()
	doc, err := value.ParseJSON([]byte(`{"b": [1.50, 2, -0.25, 1e21, "2024-05-01T10:00:00.123+02:00", "at 2024-05-01 10:00", true, null],
 "a": {"id": "5B8C4E1A-3F2D-4C6B-9A7E-1D2C3B4A5F60", "same": "/x/5b8c4e1a-3f2d-4c6b-9a7e-1d2c3b4a5f60",
 "ulid": "01HZX3Q4R5S6T7V8W9XAYBZC0D", "html": "<a&b> \u2028 é", "e": {}, "l": [], "01HZX3Q4R5S6T7V8W9XAYBZC0E": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := doc.(*value.Map)
	m.Set("when", value.DateTime{Time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)})
	m.Set("day", value.Date{Year: 2024, Month: 5, Day: 1})
	m.Set("span", 90*time.Minute)
	m.Set("none", (*value.Map)(nil))
	// Go slices and maps, outside the engine's own types, are normalised
	// inside too.
	m.Set("stamps", []string{"2024-05-01T10:00:00Z", "<b>", "5b8c4e1a-3f2d-4c6b-9a7e-1d2c3b4a5f60"})
	m.Set("tags", map[string]any{"z": 1.5, "a": []int{}, "t": map[string]string{"at": "2024-05-01 10:00:00"}})
	data, err := value.MarshalJSON(m)
	if err != nil {
		t.Fatal(err)
	}
	want, err := golden.NormalizeJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := golden.Normalize(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("Normalize:\n%s\nNormalizeJSON of its JSON:\n%s", got, want)
	}
}

// A token a step fetches is a placeholder in the recorded cassette and
// masked when replayed; the recording's golden must mask it too, so that
// it holds no live token and the replay passes.
func TestRecordMasksLearnedToken(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token": "live-tok-123456", "expires_in": 3600}`)
	}))
	defer api.Close()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"tok.yml": `type: action
definition:
  title: Token
  display_group: Test
  namespace: tools.test
  name: tok
  expects: {}
  steps:
    - ref: get
      action: core.http_request
      args:
        url: https://auth.example.com/token
        method: POST
  returns: ${{ steps.get.result.data }}
`,
		"tok.test.yaml": "- name: live\n  cassette: _cassettes/live.yaml\n  live: " + api.URL + "\n",
	})
	ctx := context.Background()
	s, err := golden.Load(dir)
	if err != nil || len(s.Errors) > 0 {
		t.Fatal(err, s.Errors)
	}
	if out := s.Run(ctx, golden.Options{Update: true}); out[0].Status != golden.Updated {
		t.Fatalf("update: %+v", out[0])
	}
	g, err := os.ReadFile(filepath.Join(dir, "tok.live.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"access_token\": \"***\",\n  \"expires_in\": 3600\n}\n"; string(g) != want {
		t.Errorf("golden:\n%s\nwant:\n%s", g, want)
	}
	tape, err := os.ReadFile(filepath.Join(dir, "_cassettes/live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(tape), "live-tok") || !strings.Contains(string(tape), "access_token: <secret:access_token>") {
		t.Errorf("cassette:\n%s", tape)
	}
	api.Close()
	s, _ = golden.Load(dir)
	if out := s.Run(ctx, golden.Options{}); out[0].Status != golden.Pass {
		t.Errorf("replay: %+v", out[0])
	}
}

// TestRecordMasksLearnedTokenInErrors checks that a token learned while
// recording stays out of the error a failed run reports.
func TestRecordMasksLearnedTokenInErrors(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			_, _ = io.WriteString(w, `{"access_token": "live-tok-654321"}`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error": "token `+r.Header.Get("X-Token")+` refused"}`)
	}))
	defer api.Close()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"tok.yml": `type: action
definition:
  title: Token
  display_group: Test
  namespace: tools.test
  name: tok
  expects: {}
  steps:
    - ref: get
      action: core.http_request
      args:
        url: https://auth.example.com/token
        method: POST
    - ref: use
      action: core.http_request
      args:
        url: https://auth.example.com/use
        method: GET
        headers: {X-Token: "${{ steps.get.result.data.access_token }}"}
  returns: ${{ steps.use.result.data }}
`,
		"tok.test.yaml": "- name: live\n  cassette: _cassettes/live.yaml\n  live: " + api.URL + "\n",
	})
	s, err := golden.Load(dir)
	if err != nil || len(s.Errors) > 0 {
		t.Fatal(err, s.Errors)
	}
	out := s.Run(context.Background(), golden.Options{Update: true})
	if out[0].Status != golden.Fail || !strings.Contains(out[0].Message, "token *** refused") || strings.Contains(out[0].Message, "live-tok") {
		t.Errorf("outcome: %+v", out[0])
	}
}

// TestUpdateKeepsCassetteOnFailedRecording checks that --update of a
// case whose live run fails (the stand-in is down, or answers what the
// case does not expect) leaves the cassette already recorded as it was,
// instead of replacing it with the partial recording.
func TestUpdateKeepsCassetteOnFailedRecording(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer api.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tape := `version: 1
interactions:
  - request:
      method: GET
      url: https://api.example.com/hello/world
      headers:
        X-Api-Key: <secret:api.API_KEY>
    response:
      status: 200
      headers:
        Content-Type: application/json
      body:
        hello: world
`
	for _, live := range []string{api.URL, down.URL} {
		dir := t.TempDir()
		write(t, dir, map[string]string{
			// retries: 0, so that the refused connection fails at once.
			"echo.yml": strings.Replace(echoTemplate, "      action: core.http_request\n", "      action: core.http_request\n      retries: 0\n", 1),
			"echo.test.yaml": `- name: live
  inputs: {who: world}
  secrets: {api: {API_KEY: real-key}}
  cassette: _cassettes/live.yaml
  live: ` + live + `
`,
			"_cassettes/live.yaml":  tape,
			"echo.live.golden.json": "{\n  \"hello\": \"world\"\n}\n",
		})
		s, err := golden.Load(dir)
		if err != nil || len(s.Errors) > 0 {
			t.Fatal(err, s.Errors)
		}
		out := s.Run(context.Background(), golden.Options{Update: true})
		if out[0].Status != golden.Fail || !strings.HasPrefix(out[0].Message, "the run failed: ") {
			t.Errorf("%s: outcome %+v", live, out[0])
		}
		got, err := os.ReadFile(filepath.Join(dir, "_cassettes/live.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tape {
			t.Errorf("%s: the failed recording rewrote the cassette:\n%s", live, got)
		}
		s, _ = golden.Load(dir)
		if out := s.Run(context.Background(), golden.Options{}); out[0].Status != golden.Pass {
			t.Errorf("%s: replay after the failed recording: %+v", live, out[0])
		}
	}
}
