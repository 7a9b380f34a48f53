package cassette

import (
	"encoding/base64"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// api is a fake API: /token answers an OAuth token response, /echo echoes
// the request's query, body and Authorization header as JSON, /bin
// answers bytes.
func api(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Date", "Mon, 01 Jan 2024 00:00:00 GMT")
		io.WriteString(w, `{"access_token":"at-fresh-123","token_type":"bearer","refresh_token":"rt-next-456","expires_in":3600}`)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Rate-Limit", "99")
		io.WriteString(w, `{"query":"`+r.URL.RawQuery+`","auth":"`+r.Header.Get("Authorization")+`","body":`+string(jsonString(body))+`,"n":1.50,"ok":true,"none":null,"list":[]}`)
	})
	mux.HandleFunc("/bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write([]byte{0, 1, 2, 0xff})
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func jsonString(b []byte) []byte {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return []byte(`"` + r.Replace(string(b)) + `"`)
}

func do(t *testing.T, rt http.RoundTripper, method, url, body string, h map[string]string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// record runs the interactions the golden test and the replay tests
// share: a token refresh, then calls carrying the secrets every way.
func record(t *testing.T, rt http.RoundTripper, base, key string) []string {
	basic := base64.StdEncoding.EncodeToString([]byte("client-1:client-secret-xyz"))
	var out []string
	_, b := do(t, rt, "POST", base+"/token", "grant_type=refresh_token&refresh_token=rt-old-789&client_id=client-1",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic " + basic, "Accept": "application/json"})
	out = append(out, b)
	// the token from the response, as a token store would use it
	tok := "at-fresh-123"
	if strings.Contains(b, "<secret:access_token>") {
		tok = "<secret:access_token>"
	}
	_, b = do(t, rt, "POST", base+"/echo?api_key="+key+"&page=2", `{"user":"ann","password":"pw-hunter2","token":"`+tok+`","at":"2024-01-01T00:00:00Z"}`,
		map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + tok, "X-Custom": "kept"})
	out = append(out, b)
	_, b = do(t, rt, "GET", base+"/echo?q="+key, "", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("ann:"+key))})
	out = append(out, b)
	_, b = do(t, rt, "GET", base+"/bin", "", nil)
	out = append(out, b)
	return out
}

func TestRecordGolden(t *testing.T) {
	s := api(t)
	scrub := NewScrubber(nil, Secret{"acme.API_KEY", "sk_live_abcdef"})
	rec := NewRecorder(http.DefaultTransport, scrub)
	record(t, rec, s.URL, "sk_live_abcdef")
	data, err := rec.Cassette().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(string(data), s.URL, "http://api.test")
	for _, secret := range []string{"sk_live_abcdef", "at-fresh-123", "rt-next-456", "rt-old-789", "client-secret-xyz", "pw-hunter2",
		base64.StdEncoding.EncodeToString([]byte("client-1:client-secret-xyz")), "c2tfbGl2ZV9hYmNkZWY",
		base64.StdEncoding.EncodeToString([]byte("ann:sk_live_abcdef"))} {
		if strings.Contains(got, secret) {
			t.Errorf("cassette holds %q", secret)
		}
	}
	golden := filepath.Join("testdata", "record.golden.yaml")
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("cassette differs from %s:\n%s", golden, got)
	}
	// It round-trips byte for byte.
	c, err := Parse("record.yaml", want)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.Marshal()
	if string(again) != string(want) {
		t.Errorf("round trip differs:\n%s", again)
	}
}

// TestReplay replays a recording with no server, with the real secrets
// and with other values, and gets the recorded responses.
func TestReplay(t *testing.T) {
	s := api(t)
	rec := NewRecorder(http.DefaultTransport, NewScrubber(nil, Secret{"acme.API_KEY", "sk_live_abcdef"}))
	live := record(t, rec, s.URL, "sk_live_abcdef")
	base := s.URL
	s.Close()
	for _, key := range []string{"sk_live_abcdef", "other-key"} {
		rp := NewReplayer(rec.Cassette(), "c.yaml", NewScrubber(nil, Secret{"acme.API_KEY", key}))
		replayed := record(t, rp, base, key)
		if len(rp.Unused()) != 0 || len(rp.Mismatches()) != 0 {
			t.Fatalf("key %s: unused %d, mismatches %v", key, len(rp.Unused()), rp.Mismatches())
		}
		// The token response gives the placeholder as the token, which
		// the next requests send: they match.
		if !strings.Contains(replayed[0], `"access_token":"<secret:access_token>"`) {
			t.Errorf("token response: %s", replayed[0])
		}
		if replayed[3] != live[3] {
			t.Errorf("binary body: %q, want %q", replayed[3], live[3])
		}
	}
}

func TestMismatchDiff(t *testing.T) {
	c, err := Parse("c.yaml", []byte(`version: 1
interactions:
  - request:
      method: POST
      url: http://api.test/items?page=1&key=<secret:acme.KEY>
      headers:
        Content-Type: application/json
      body:
        name: widget
        size: 3
    response:
      status: 201
  - request:
      method: GET
      url: http://api.test/other
    response:
      status: 200
`))
	if err != nil {
		t.Fatal(err)
	}
	rp := NewReplayer(c, "c.yaml", NewScrubber(nil, Secret{"acme.KEY", "k-123"}))
	req, _ := http.NewRequest("POST", "http://api.test/items?key=k-123&page=2", strings.NewReader(`{"size":4,"name":"widget"}`))
	req.Header.Set("Content-Type", "application/json")
	_, err = rp.RoundTrip(req)
	want := `cassette c.yaml: no recorded interaction matches POST http://api.test/items?key=<secret:acme.KEY>&page=2; closest is interaction 1, line 3:
--- recorded
+++ request
 POST http://api.test/items
 ?key=<secret:acme.KEY>
-?page=1
+?page=2
 Content-Type: application/json
 body:
 {
   "name": "widget",
-  "size": 3
+  "size": 4
 }`
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
	if u := rp.Unused(); len(u) != 2 || u[1].Line != 13 {
		t.Errorf("unused: %v", u)
	}
	empty := NewReplayer(&Cassette{Version: 1}, "e.yaml", nil)
	req, _ = http.NewRequest("GET", "http://api.test/x", nil)
	if _, err := empty.RoundTrip(req); err == nil || err.Error() != "cassette e.yaml: no recorded interaction matches GET http://api.test/x (the cassette has no interactions)" {
		t.Errorf("empty cassette: %v", err)
	}
}

func TestMatchIgnore(t *testing.T) {
	c, err := Parse("c.yaml", []byte(`version: 1
interactions:
  - request:
      method: POST
      url: http://api.test/events?ts=1&page=1
      headers:
        X-Request-Time: "1"
      body: {"sent_at": "a", "items": [{"id": 1, "at": "x"}], "name": "n"}
      match:
        ignore_headers: [x-request-time]
        ignore_query: [ts]
        ignore_body_fields: [$.sent_at, "items[*].at"]
    response:
      status: 200
      body: first
  - request:
      method: GET
      url: http://api.test/poll
    response:
      status: 200
      body: polled
`))
	if err != nil {
		t.Fatal(err)
	}
	rp := NewReplayer(c, "c.yaml", nil)
	code, body := do(t, rp, "POST", "http://api.test/events?page=1&ts=2", `{"name":"n","items":[{"at":"y","id":1}],"sent_at":"b"}`, map[string]string{"X-Request-Time": "2"})
	if code != 200 || body != "first" {
		t.Errorf("ignored fields: %d %q", code, body)
	}
	// A used interaction answers again when no unused one matches (polling).
	for range 3 {
		if _, body := do(t, rp, "GET", "http://api.test/poll", "", nil); body != "polled" {
			t.Errorf("poll: %q", body)
		}
	}
	req, _ := http.NewRequest("POST", "http://api.test/events?page=1", strings.NewReader(`{"name":"m","items":[{"id":1}]}`))
	if _, err := rp.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "-  \"name\": \"n\"\n+  \"name\": \"m\"") {
		t.Errorf("a field not ignored still counts: %v", err)
	}
}

func TestScrub(t *testing.T) {
	red := func(s string) string { return strings.ReplaceAll(s, "derived-from-secret", "***") }
	s := NewScrubber(red, Secret{"github_oauth.GITHUB_USER_TOKEN", "gho_abc"}, Secret{"", "plain-1"}, Secret{"", "x"})
	for in, want := range map[string]string{
		"Bearer gho_abc": "Bearer <secret:github_oauth.GITHUB_USER_TOKEN>",
		"a=" + base64.StdEncoding.EncodeToString([]byte("gho_abc")): "a=<secret:github_oauth.GITHUB_USER_TOKEN>",
		"plain-1 derived-from-secret x":                             "<secret:1> *** x",
		"%3Csecret%3Aacme.KEY%3E":                                   "<secret:acme.KEY>",
		`\u003csecret:acme.KEY\u003e`:                               "<secret:acme.KEY>",
		"<secret:derived-from-secret>":                              "<secret:derived-from-secret>",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	if got := s.header("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("me:gho_abc"))); got != "Basic <secret:github_oauth.GITHUB_USER_TOKEN>" {
		t.Errorf("basic: %s", got)
	}
}

// A short value learned by its field's name (a test server's token "at")
// is scrubbed where it stands alone, not inside other words; a long one
// everywhere; a short one also given as a secret everywhere.
func TestScrubLearnedShortValues(t *testing.T) {
	s := NewScrubber(nil, Secret{"api.KEY", "k9"})
	s.learnJSON([]byte(`{"access_token": "at", "refresh_token": "rt-0123456789", "token": "k9"}`))
	s.learnForm(url.Values{"code": {"c1"}}, secretQuery)
	for in, want := range map[string]string{
		`{"access_token": "at", "sent_at": 1}`: `{"access_token": "<secret:access_token>", "sent_at": 1}`,
		"Content-Type: application/json":       "Content-Type: application/json",
		"Authorization: Bearer at":             "Authorization: Bearer <secret:access_token>",
		"grant_type=x&code=c1&path=/at/c10":    "grant_type=x&code=<secret:code>&path=/<secret:access_token>/c10",
		"rt-0123456789xyz":                     "<secret:refresh_token>xyz",
		"pk9 k9":                               "p<secret:api.KEY> <secret:api.KEY>",
	} {
		if got := s.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// Short learned words are not looked for inside placeholders, those the
// scrubbing puts in included: "secret" and "code" would break them up.
func TestScrubWordsLeavePlaceholders(t *testing.T) {
	s := NewScrubber(nil)
	s.learnJSON([]byte(`{"client_secret": "secret", "token": "code"}`))
	in, want := "x=secret&y=code&z=<secret:code>", "x=<secret:client_secret>&y=<secret:token>&z=<secret:code>"
	if got := s.String(in); got != want {
		t.Errorf("String(%q) = %q, want %q", in, got, want)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"", "c.yaml: empty cassette: want a mapping with version and interactions"},
		{"version: 1\ninteractions: [\n", "c.yaml:2: did not find expected node content"},
		{"- a\n", "c.yaml:1:1: a cassette is a mapping with version and interactions"},
		{"interactions: []\n", "c.yaml:1:1: cassette has no version"},
		{"version: 2\ninteractions: []\n", "c.yaml:1:10: unsupported cassette version 2 (this actuate reads version 1)"},
		{"version: 1\ninteractions: {}\n", "c.yaml:2:15: interactions must be a list"},
		{"version: 1\ninteractions:\n  - request: {method: GET}\n    response: {status: 200}\n", "c.yaml:3:14: interaction 1 request has no url"},
		{"version: 1\ninteractions:\n  - request: {method: GET, url: /}\n    response: {status: ok}\n", "c.yaml:4:24: status must be an HTTP status code such as 200, not \"ok\""},
		{"version: 1\ninteractions:\n  - request: {method: GET, url: /}\n    response: {status: 200, body: x, body_encoding: hex}\n", "c.yaml:4:53: body_encoding must be base64, not \"hex\""},
		{"version: 1\ninteractions:\n  - request: {method: GET, url: /, match: {ignore_body_fields: [\"a[x]\"]}}\n    response: {status: 200}\n", "c.yaml:3:64: ignore_body_fields: field path \"a[x]\": bad index [x]"},
		{"version: 1\ninteractions:\n  - request: {method: GET, url: /}\n    reply: {status: 200}\n", "c.yaml:4:5: unknown key \"reply\" in interaction 1 (want one of request, response)"},
	} {
		_, err := Parse("c.yaml", []byte(tc.text))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.text, err, tc.want)
		}
	}
}

// A binary body is scrubbed too: base64 in the cassette would only hide a
// secret from a reader, not from anyone who decodes it.
func TestScrubBinaryBody(t *testing.T) {
	s := NewScrubber(nil, Secret{"acme.API_KEY", "sk_live_abcdef"})
	b := s.body([]byte("\x00\x01key=sk_live_abcdef\xff"))
	if b.Kind != BinaryBody || string(b.Data) != "\x00\x01key=<secret:acme.API_KEY>\xff" {
		t.Errorf("binary body: kind %d, %q", b.Kind, b.Data)
	}
	c := &Cassette{Version: Version, Interactions: []*Interaction{{Response: Response{Status: 200, Body: b}}}}
	if got := c.Placeholders(); len(got) != 1 || got[0] != "<secret:acme.API_KEY>" {
		t.Errorf("placeholders: %q", got)
	}
}

// Placeholders in a JSON body read from a file are found: the body keeps
// < and > as the recording did, not as JSON escapes.
func TestPlaceholdersInParsedJSONBody(t *testing.T) {
	c, err := Parse("c.yaml", []byte("version: 1\ninteractions:\n  - request: {method: GET, url: /}\n    response: {status: 200, body: {access_token: <secret:access_token>, q: a&b}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Placeholders(); len(got) != 1 || got[0] != "<secret:access_token>" {
		t.Errorf("placeholders: %q", got)
	}
	if got, want := string(c.Interactions[0].Response.Body.Data), `{"access_token":"<secret:access_token>","q":"a&b"}`; got != want {
		t.Errorf("body: %s, want %s", got, want)
	}
}

// OnAdd reports the values a scrubber holds, then each value it learns,
// once, before the response that held it reaches the caller: a run masks
// a learned token in everything it shows from then on.
func TestScrubberOnAdd(t *testing.T) {
	srv := api(t)
	s := NewScrubber(nil, Secret{"acme.KEY", "k-123"})
	var got []string
	s.OnAdd(func(v string) { got = append(got, v) })
	if want := []string{"k-123"}; !slices.Equal(got, want) {
		t.Fatalf("held: %q, want %q", got, want)
	}
	rec := NewRecorder(http.DefaultTransport, s)
	req, err := http.NewRequest("POST", srv.URL+"/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rec.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The response's tokens are learned in no particular order.
	slices.Sort(got[1:])
	if want := []string{"k-123", "at-fresh-123", "rt-next-456"}; !slices.Equal(got, want) {
		t.Errorf("after the token response: %q, want %q", got, want)
	}
	// A short learned word too, once.
	s.learnJSON([]byte(`{"token": "t1", "access_token": "t1"}`))
	if want := []string{"k-123", "at-fresh-123", "rt-next-456", "t1"}; !slices.Equal(got, want) {
		t.Errorf("after a short token: %q, want %q", got, want)
	}
	s.Add("again", "k-123")
	s.Add("short", "x")
	s.Add("placeholder", "<secret:acme.KEY>")
	s.Add("", "new-456")
	if want := []string{"k-123", "at-fresh-123", "rt-next-456", "t1", "new-456"}; !slices.Equal(got, want) {
		t.Errorf("after Add: %q, want %q", got, want)
	}
}

// Parse and Decode normalise each recorded request once, for every
// replayer of the cassette; a cassette built otherwise is normalised by
// its replayer.
func TestRecordedRequestsNormalisedOnce(t *testing.T) {
	text := "version: 1\ninteractions:\n  - request: {method: POST, url: \"http://api.test/a?b=1\", headers: {X-Id: \"7\"}, body: {n: 1}, match: {ignore_query: [b]}}\n    response: {status: 204}\n"
	parsed, err := Parse("c.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	decoded, err := Decode("c.yaml", doc.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"POST http://api.test/a", "X-Id: 7", "body:", "{", `  "n": 1`, "}"}
	for name, c := range map[string]*Cassette{"parsed": parsed, "decoded": decoded} {
		if got := c.Interactions[0].want; !slices.Equal(got, want) {
			t.Errorf("%s: normalised %q, want %q", name, got, want)
		}
		rp := NewReplayer(c, "c.yaml", nil)
		if !slices.Equal(rp.wants[0], want) || &rp.wants[0][0] != &c.Interactions[0].want[0] {
			t.Errorf("%s: the replayer normalised the recorded request again: %q", name, rp.wants[0])
		}
	}
	built := &Cassette{Version: Version, Interactions: []*Interaction{{Request: parsed.Interactions[0].Request}}}
	if rp := NewReplayer(built, "c.yaml", nil); !slices.Equal(rp.wants[0], want) || built.Interactions[0].want != nil {
		t.Errorf("built: replayer %q, interaction %q", rp.wants[0], built.Interactions[0].want)
	}
}
