package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actuatehq/actuate/secrets"
	"github.com/actuatehq/actuate/secrets/oauth"
	"github.com/actuatehq/actuate/secrets/oauth/oauthtest"
	"golang.org/x/oauth2"
)

// browserWriter is the stderr of "integrations connect --no-browser": it
// follows the first line that is a URL, as a user pasting it into a
// browser would, and keeps the rest.
type browserWriter struct {
	t    *testing.T
	mu   sync.Mutex
	buf  bytes.Buffer
	done bool
	page chan string
}

func (w *browserWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	line, _, _ := strings.Cut(w.buf.String(), "\n")
	if !w.done && strings.HasPrefix(line, "http") {
		w.done = true
		go func() {
			resp, err := http.Get(line)
			if err != nil {
				w.t.Error(err)
				w.page <- ""
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			w.page <- resp.Status + " " + string(b)
		}()
	}
	return len(p), nil
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestConnectEndToEnd drives "integrations connect" against the fake
// provider: the URL printed with --no-browser is followed to the callback,
// the code is exchanged with PKCE, and a run then uses the user token.
func TestConnectEndToEnd(t *testing.T) {
	f := oauthtest.New()
	defer f.Close()
	home := t.TempDir()
	vars := map[string]string{"ACTUATE_HOME": home, "SECRET": f.ClientSecret}
	newEnv := func(stderr io.Writer) (*env, *bytes.Buffer) {
		var out bytes.Buffer
		return &env{stdin: strings.NewReader(""), stdout: &out, stderr: stderr, getenv: func(k string) string { return vars[k] }}, &out
	}
	port := strconv.Itoa(freePort(t))
	var errBuf bytes.Buffer
	e, out := newEnv(&errBuf)
	if code := run(t.Context(), []string{"integrations", "configure", "custom_fake", "--grant-type", "authorization_code",
		"--client-id", f.ClientID, "--client-secret-env", "SECRET", "--authorization-endpoint", f.AuthURL(),
		"--token-endpoint", f.TokenURL(), "--scope", "repo", "--callback-port", port}, e); code != 0 {
		t.Fatalf("configure: %d %s", code, errBuf.String())
	}
	if !strings.Contains(out.String(), "http://127.0.0.1:"+port+"/callback") {
		t.Errorf("configure output %s", out)
	}

	bw := &browserWriter{t: t, page: make(chan string, 1)}
	e, out = newEnv(bw)
	if code := run(t.Context(), []string{"integrations", "connect", "custom_fake", "--no-browser"}, e); code != 0 {
		t.Fatalf("connect: %d %s", code, bw.buf.String())
	}
	if !strings.HasPrefix(out.String(), "connected custom_fake; the token expires at ") || !strings.HasSuffix(out.String(), " and will be refreshed\n") {
		t.Errorf("connect output %q", out)
	}
	if page := <-bw.page; !strings.HasPrefix(page, "200 OK") || !strings.Contains(page, "Connected custom_fake. You can close this window.") {
		t.Errorf("browser page %q", page)
	}
	if strings.Count(bw.buf.String(), "\n") != 1 {
		t.Errorf("stderr is more than the URL: %q", bw.buf.String())
	}
	if f.Exchanges.Load() != 1 {
		t.Errorf("%d exchanges", f.Exchanges.Load())
	}

	e, out = newEnv(&errBuf)
	if code := run(t.Context(), []string{"integrations", "status", "custom_fake"}, e); code != 0 || !strings.Contains(out.String(), "state:") ||
		!regexp.MustCompile(`(?m)^state: +connected$`).MatchString(out.String()) || !regexp.MustCompile(`(?m)^refresh token: +yes$`).MatchString(out.String()) {
		t.Errorf("status: %d %s", code, out)
	}

	// A run sends the user token.
	tpl := writeAPITemplate(t, home, f.URL)
	errBuf.Reset()
	e, out = newEnv(&errBuf)
	if code := run(t.Context(), []string{"run", tpl, "--quiet"}, e); code != 0 || !strings.Contains(out.String(), `"ok": true`) {
		t.Errorf("run: %d %s %s", code, out, errBuf.String())
	}

	// The refresh token is revoked and the access token expired: the run
	// fails with the command that fixes it, and the state says so.
	f.RevokeAll()
	key, err := secrets.LoadKey(home, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	st, err := secrets.Open(t.Context(), filepath.Join(home, secrets.FileName), key)
	if err != nil {
		t.Fatal(err)
	}
	err = st.SaveIntegrationToken(t.Context(), "custom_fake", oauth.AuthorizationCode, "", &oauth2.Token{
		AccessToken: "at-expired", RefreshToken: "rt-revoked", Expiry: time.Now().Add(-time.Minute)})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	errBuf.Reset()
	e, _ = newEnv(&errBuf)
	code := run(t.Context(), []string{"run", tpl, "--quiet"}, e)
	t.Logf("exit %d: %s", code, errBuf.String())
	if code != exitFailed ||
		!strings.Contains(errBuf.String(), "integration custom_fake needs to be connected again") ||
		!strings.Contains(errBuf.String(), "invalid_grant") ||
		!strings.Contains(errBuf.String(), "run: actuate integrations connect custom_fake") ||
		strings.Contains(errBuf.String(), "rt-revoked") || strings.Contains(errBuf.String(), "at-expired") {
		t.Errorf("run after revocation: %d %s", code, errBuf.String())
	}
	e, out = newEnv(&errBuf)
	run(t.Context(), []string{"integrations", "list"}, e)
	if !regexp.MustCompile(`(?m)^custom_fake +authorization_code +default +reauth_required `).MatchString(out.String()) {
		t.Errorf("list after revocation:\n%s", out)
	}
}

// A replayed run refreshes an expired token from the cassette, which
// answers with placeholders: the store's own tokens stay as they were.
func TestReplayLeavesStoredTokens(t *testing.T) {
	f := oauthtest.New()
	defer f.Close()
	home := t.TempDir()
	vars := map[string]string{"ACTUATE_HOME": home, "SECRET": f.ClientSecret}
	actuate := func(args ...string) (int, string) {
		var out, errBuf bytes.Buffer
		code := run(t.Context(), args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errBuf, getenv: func(k string) string { return vars[k] }})
		return code, out.String() + errBuf.String()
	}
	if code, out := actuate("integrations", "configure", "custom_fake", "--grant-type", "authorization_code",
		"--client-id", f.ClientID, "--client-secret-env", "SECRET", "--authorization-endpoint", f.AuthURL(),
		"--token-endpoint", f.TokenURL()); code != 0 {
		t.Fatalf("configure: %d %s", code, out)
	}
	key, err := secrets.LoadKey(home, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	// expire stores an expired token with a live refresh token, and
	// returns the access token stored.
	expire := func(access string) {
		st, err := secrets.Open(t.Context(), filepath.Join(home, secrets.FileName), key)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		err = st.SaveIntegrationToken(t.Context(), "custom_fake", oauth.AuthorizationCode, "", &oauth2.Token{
			AccessToken: access, RefreshToken: f.IssueRefreshToken(), Expiry: time.Now().Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
	}
	stored := func() (access string, refresh bool) {
		st, err := secrets.Open(t.Context(), filepath.Join(home, secrets.FileName), key)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		access, _, err = st.StoredToken(t.Context(), "custom_fake", oauth.AuthorizationCode)
		if err != nil {
			t.Fatal(err)
		}
		in, err := st.Integration(t.Context(), "custom_fake", oauth.AuthorizationCode, "")
		if err != nil {
			t.Fatal(err)
		}
		return access, in.HasRefreshToken
	}
	tpl := writeAPITemplate(t, home, f.URL)
	cassette := filepath.Join(home, "api.cassette.yml")
	expire("at-expired-1")
	if code, out := actuate("run", tpl, "--quiet", "--record", cassette); code != 0 || !strings.Contains(out, `"ok": true`) {
		t.Fatalf("run --record: %d %s", code, out)
	}
	expire("at-expired-2")
	if code, out := actuate("run", tpl, "--quiet", "--replay", cassette); code != 0 || !strings.Contains(out, `"ok": true`) {
		t.Fatalf("run --replay: %d %s", code, out)
	}
	if access, refresh := stored(); access != "at-expired-2" || !refresh {
		t.Errorf("after the replay the store holds the access token %q (refresh token: %v); want at-expired-2 and its refresh token, as before it", access, refresh)
	}
	if entries, _ := os.ReadDir(os.TempDir()); slices.ContainsFunc(entries, func(d os.DirEntry) bool {
		return strings.HasPrefix(d.Name(), "actuate-replay-")
	}) {
		t.Error("the replay left its copy of the store behind")
	}
}

// writeAPITemplate writes, in dir, a template calling the fake provider's
// GET /api with the custom_fake integration's user token, and returns its
// path.
func writeAPITemplate(t *testing.T, dir, providerURL string) string {
	t.Helper()
	tpl := filepath.Join(dir, "api.yml")
	err := os.WriteFile(tpl, []byte(`definition:
  title: API
  display_group: Test
  namespace: tools.test
  name: api
  secrets:
    - type: oauth
      provider_id: custom_fake
      grant_type: authorization_code
  expects: {}
  steps:
    - ref: call
      action: core.http_request
      args:
        url: `+providerURL+`/api
        method: GET
        headers:
          Authorization: Bearer ${{ SECRETS.custom_fake_oauth.CUSTOM_FAKE_USER_TOKEN }}
  returns: ${{ steps.call.result.data }}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}
