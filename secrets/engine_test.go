package secrets

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/actuatehq/actuate/actions/builtin"
	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/secrets/oauth"
	"github.com/actuatehq/actuate/secrets/oauth/oauthtest"
	"github.com/actuatehq/actuate/template"
)

// oauthTemplate calls url once per step ref with the user token of the
// custom_fake integration.
func oauthTemplate(t testing.TB, refs ...string) *template.Template {
	var steps strings.Builder
	for _, ref := range refs {
		steps.WriteString(`    - ref: ` + ref + `
      action: core.http_request
      args:
        url: ${{ inputs.url }}
        method: GET
        headers:
          Authorization: Bearer ${{ SECRETS.custom_fake_oauth.CUSTOM_FAKE_USER_TOKEN }}
`)
	}
	src := `definition:
  title: OAuth steps
  display_group: Test
  namespace: tools.test
  name: oauth_steps
  secrets:
    - {type: oauth, provider_id: custom_fake, grant_type: authorization_code}
  expects:
    url: {type: str}
  steps:
` + steps.String() + `  returns: ${{ steps.` + refs[len(refs)-1] + `.result.status_code }}
`
	path := filepath.Join(t.TempDir(), "oauth.yml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, ds := template.Load(path)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return tpl
}

// TestTokenExpiresBetweenSteps runs a template of three steps whose access
// token lives shorter than a step: before each step the engine asks the
// store, which refreshes, so every step sends a fresh, valid token.
func TestTokenExpiresBetweenSteps(t *testing.T) {
	t.Parallel()
	f := oauthtest.New()
	defer f.Close()
	f.Update(func(f *oauthtest.Provider) { f.Lifetime = time.Second }) // expires_in counts whole seconds
	s := openStore(t, filepath.Join(t.TempDir(), FileName), testKey(t), WithRefreshMargin(200*time.Millisecond))
	configureFake(t, s, f, oauth.AuthorizationCode)
	expireToken(t, s, f)

	var mu sync.Mutex
	var sent []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		valid := f.Valid(tok)
		mu.Lock()
		sent = append(sent, tok)
		mu.Unlock()
		if !valid {
			http.Error(w, "expired token", http.StatusUnauthorized)
			return
		}
		time.Sleep(1100 * time.Millisecond) // longer than the token lives
		w.WriteHeader(http.StatusNoContent)
	}))
	defer api.Close()

	res, err := engine.RunTemplate(t.Context(), oauthTemplate(t, "one", "two", "three"), value.MapOf("url", api.URL), engine.Options{Secrets: s})
	if err != nil {
		t.Fatal(err)
	}
	if res.Value != 204 {
		t.Errorf("result = %v", res.Value)
	}
	if len(sent) != 3 || sent[0] == sent[1] || sent[1] == sent[2] {
		t.Errorf("tokens sent: %q, want three different ones", sent)
	}
	if n := f.Refreshes.Load(); n != 3 {
		t.Errorf("%d refreshes, want 3 (one before each step)", n)
	}
}

// BenchmarkOAuthStep runs a one-step OAuth template with its token served
// by the store (valid, so no refresh) against the same template with the
// token given in memory, both against a loopback server (target: the
// store adds at most 5 %, with no database access while the token is
// valid).
func BenchmarkOAuthStep(b *testing.B) {
	f := oauthtest.New()
	defer f.Close()
	s := openStore(b, filepath.Join(b.TempDir(), FileName), testKey(b))
	configureFake(b, s, f, oauth.AuthorizationCode)
	expireToken(b, s, f)
	tok, _, err := s.Token(b.Context(), "custom_fake", oauth.AuthorizationCode)
	if err != nil {
		b.Fatal(err)
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok": true}`))
	}))
	defer api.Close()
	tpl := oauthTemplate(b, "call")
	inputs := value.MapOf("url", api.URL)
	run := func(b *testing.B, src engine.SecretSource) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := engine.RunTemplate(b.Context(), tpl, inputs, engine.Options{Secrets: src}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("memory", func(b *testing.B) {
		run(b, engine.StaticSecrets{"custom_fake_oauth": {"CUSTOM_FAKE_USER_TOKEN": tok}})
	})
	b.Run("store", func(b *testing.B) { run(b, s) })
}
