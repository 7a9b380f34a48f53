package oauth_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/secrets/oauth"
	"github.com/actuatehq/actuate/secrets/oauth/oauthtest"
	"golang.org/x/oauth2"
)

func TestCatalog(t *testing.T) {
	ids := map[string]bool{}
	for _, p := range oauth.Builtins() {
		ids[p.ID] = true
		if strings.Contains(p.ID, "mcp") {
			t.Errorf("MCP provider %s in the catalog", p.ID)
		}
		if p.TokenEndpoint == "" || (p.GrantType == oauth.AuthorizationCode) != (p.AuthorizationEndpoint != "") {
			t.Errorf("%s (%s): endpoints %q %q", p.ID, p.GrantType, p.AuthorizationEndpoint, p.TokenEndpoint)
		}
	}
	if len(ids) != 17 {
		t.Errorf("%d provider ids, want 17", len(ids))
	}
	jamf, _ := oauth.Builtin("jamf", oauth.ClientCredentials)
	if jamf.AuthStyle != oauth2.AuthStyleInParams {
		t.Error("jamf does not use client_secret_post")
	}
	slack, _ := oauth.Builtin("slack", oauth.AuthorizationCode)
	c := &oauth.Client{Provider: slack, ClientID: "id", RedirectURL: oauth.RedirectURI(9000)}
	u, _ := url.Parse(c.AuthCodeURL("st", oauth2.GenerateVerifier()))
	if u.Query().Get("user_scope") != "search:read" || u.Query().Has("scope") {
		t.Errorf("slack URL %s", u)
	}
	gd, _ := oauth.Builtin("google_drive", oauth.AuthorizationCode)
	c = &oauth.Client{Provider: gd, ClientID: "id", Scopes: []string{"openid"}}
	u, _ = url.Parse(c.AuthCodeURL("st", oauth2.GenerateVerifier()))
	q := u.Query()
	if q.Get("access_type") != "offline" || q.Get("prompt") != "consent" || q.Get("code_challenge_method") != "S256" ||
		!strings.HasSuffix(q.Get("scope"), "/auth/drive openid") {
		t.Errorf("google URL %s", u)
	}
	if got := oauth.GrantTypes("microsoft_sentinel"); len(got) != 2 {
		t.Errorf("microsoft_sentinel grants %v", got)
	}
}

func TestLookupAndEndpoints(t *testing.T) {
	for _, tc := range []struct {
		id, grant, auth, token, err string
	}{
		{"github", oauth.AuthorizationCode, "", "", ""},
		{"github", oauth.ClientCredentials, "", "", "does not support the client_credentials grant; use authorization_code"},
		{"jamf", oauth.ClientCredentials, "", "", "placeholder {instance}; give the endpoint with --token-endpoint"},
		{"jamf", oauth.ClientCredentials, "", "https://acme.jamfcloud.com/api/v1/oauth/token", ""},
		{"microsoft_graph", oauth.ClientCredentials, "", "https://login.microsoftonline.us/t/oauth2/v2.0/token", ""},
		{"github", oauth.AuthorizationCode, "http://github.example/authorize", "", "must use https (http only on 127.0.0.1, ::1 or localhost)"},
		{"github", oauth.AuthorizationCode, "http://127.0.0.1:8080/authorize", "http://[::1]:8080/token", ""},
		{"github", oauth.AuthorizationCode, "http://localhost/authorize", "", ""},
		{"github", oauth.AuthorizationCode, "ftp://x/authorize", "", "must use https"},
		{"github", oauth.AuthorizationCode, "/authorize", "", "not an absolute URL"},
		{"nope", oauth.AuthorizationCode, "", "", `unknown provider "nope"`},
		{"custom_acme", oauth.AuthorizationCode, "", "https://acme.example/token", "give its endpoints (--authorization-endpoint and --token-endpoint)"},
		{"custom_acme", oauth.ClientCredentials, "", "https://acme.example/token", ""},
		{"custom_mcp_x", oauth.ClientCredentials, "", "https://acme.example/token", "reserved"},
		{"github", "password", "", "", `unknown grant type "password"`},
	} {
		p, err := oauth.Lookup(tc.id, tc.grant, tc.auth, tc.token)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Lookup(%s, %s, %q, %q) = %v, want error %q", tc.id, tc.grant, tc.auth, tc.token, err, tc.err)
		}
		if err == nil && p.ID != tc.id {
			t.Errorf("Lookup(%s) = %s", tc.id, p.ID)
		}
	}
	p, _ := oauth.Lookup("microsoft_graph", oauth.ClientCredentials, "",
		"https://login.microsoftonline.com/0b5e8a8c-1d2e-4f3a-9b8c-7d6e5f4a3b2c/oauth2/v2.0/token")
	if !strings.Contains(p.TokenEndpoint, "/0b5e8a8c1d2e4f3a9b8c7d6e5f4a3b2c/") {
		t.Errorf("GUID not stripped: %s", p.TokenEndpoint)
	}
	if got := p.ClientID(" 0b5e8a8c-1d2e-4f3a-9b8c-7d6e5f4a3b2c "); got != "0b5e8a8c1d2e4f3a9b8c7d6e5f4a3b2c" {
		t.Errorf("client id %s", got)
	}
}

func TestScopes(t *testing.T) {
	p, _ := oauth.Builtin("microsoft_graph", oauth.AuthorizationCode)
	got := p.Scopes([]string{"Mail.Read offline_access", " ", "Mail.Read"})
	want := []string{"offline_access", "https://graph.microsoft.com/User.Read", "Mail.Read"}
	if !slices.Equal(got, want) {
		t.Errorf("Scopes = %q, want %q", got, want)
	}
	if got := p.AdditionalScopes(got); !slices.Equal(got, []string{"Mail.Read"}) {
		t.Errorf("AdditionalScopes = %q", got)
	}
}

func fakeClient(f *oauthtest.Provider, grant string) *oauth.Client {
	p, err := oauth.Lookup("custom_fake", grant, map[string]string{oauth.AuthorizationCode: f.AuthURL()}[grant], f.TokenURL())
	if err != nil {
		panic(err)
	}
	return &oauth.Client{Provider: p, ClientID: f.ClientID, ClientSecret: f.ClientSecret, Scopes: []string{"read"}}
}

func TestClientCredentials(t *testing.T) {
	f := oauthtest.New()
	defer f.Close()
	c := fakeClient(f, oauth.ClientCredentials)
	tok, err := c.ClientCredentialsToken(t.Context())
	if err != nil || !f.Valid(tok.AccessToken) || oauth.GrantedScope(tok) != "read" {
		t.Fatalf("token %v, %v", tok, err)
	}
	f.Update(func(f *oauthtest.Provider) { f.SecretPost = true })
	c.Provider.AuthStyle = oauth2.AuthStyleInParams
	if _, err := c.ClientCredentialsToken(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.ClientSecret = "wrong-secret"
	_, err = c.ClientCredentialsToken(t.Context())
	var te *oauth.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("error %v", err)
	}
	if err.Error() != "provider custom_fake: token request failed with HTTP 401: invalid_client (client authentication failed)" {
		t.Errorf("error text %q", err)
	}
}

func TestRefreshRotatesAndInvalidGrant(t *testing.T) {
	f := oauthtest.New()
	defer f.Close()
	c := fakeClient(f, oauth.AuthorizationCode)
	rt := f.IssueRefreshToken()
	tok, err := c.Refresh(t.Context(), rt)
	if err != nil || tok.RefreshToken == rt || tok.RefreshToken == "" {
		t.Fatalf("refresh: %v %v", tok, err)
	}
	_, err = c.Refresh(t.Context(), rt)
	if !oauth.IsInvalidGrant(err) {
		t.Fatalf("reused refresh token: %v", err)
	}
}

// browser follows the authorization URL and its redirect to the callback,
// as a browser would, and returns the callback's page.
func browser(t *testing.T, authURL string) (int, string) {
	t.Helper()
	resp, err := http.Get(authURL)
	if err != nil {
		t.Errorf("browser: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAuthorizeEndToEnd(t *testing.T) {
	f := oauthtest.New()
	defer f.Close()
	c := fakeClient(f, oauth.AuthorizationCode)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pages := make(chan string, 1)
	tok, err := oauth.Authorize(t.Context(), c, oauth.AuthorizeOptions{
		Listener: ln,
		Open: func(u string) error {
			go func() {
				code, body := browser(t, u)
				if code != 200 {
					t.Errorf("callback page %d %s", code, body)
				}
				pages <- body
			}()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Valid(tok.AccessToken) || tok.RefreshToken == "" || f.Exchanges.Load() != 1 {
		t.Errorf("token %+v, exchanges %d", tok, f.Exchanges.Load())
	}
	if p := <-pages; !strings.Contains(p, "Connected custom_fake") {
		t.Errorf("page %q", p)
	}
}

func TestAuthorizeFailures(t *testing.T) {
	f := oauthtest.New()
	defer f.Close()

	// A wrong client secret: the exchange fails, the browser sees a
	// failure page and the error says what to check.
	c := fakeClient(f, oauth.AuthorizationCode)
	c.ClientSecret = "bad"
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	_, err := oauth.Authorize(t.Context(), c, oauth.AuthorizeOptions{Listener: ln, Open: func(u string) error {
		go browser(t, u)
		return nil
	}})
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || !strings.Contains(err.Error(), "check that the redirect URI http://127.0.0.1:") {
		t.Errorf("bad secret: %v", err)
	}

	// A forged callback with another state fails the flow; the code is
	// never exchanged.
	c = fakeClient(f, oauth.AuthorizationCode)
	ln, _ = net.Listen("tcp", "127.0.0.1:0")
	_, err = oauth.Authorize(t.Context(), c, oauth.AuthorizeOptions{Listener: ln, Show: func(u string) {
		go func() {
			code, _ := browser(t, "http://"+ln.Addr().String()+"/callback?code=x&state=forged")
			if code != 400 {
				t.Errorf("forged state: %d", code)
			}
		}()
	}})
	if err == nil || !strings.Contains(err.Error(), "state parameter does not match") {
		t.Errorf("forged state: %v", err)
	}

	// No answer: a timeout.
	ln, _ = net.Listen("tcp", "127.0.0.1:0")
	shown := ""
	_, err = oauth.Authorize(t.Context(), c, oauth.AuthorizeOptions{Listener: ln, Timeout: 50 * time.Millisecond,
		Open: func(string) error { return errors.New("no browser") }, Show: func(u string) { shown = u }})
	if err == nil || !strings.Contains(err.Error(), "no answer from the browser within 50ms") || !strings.HasPrefix(shown, f.AuthURL()+"?") {
		t.Errorf("timeout: %v (shown %q)", err, shown)
	}
}

// Slack answers with the user token under authed_user, and with errors as
// HTTP 200 and "ok": false.
func TestSlackAuthedUser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if r.PostForm.Get("code") == "good" {
			io.WriteString(w, `{"ok": true, "app_id": "A1", "authed_user": {"id": "U1", "scope": "search:read", "access_token": "xoxp-1", "token_type": "user", "refresh_token": "xoxe-1", "expires_in": 43200}}`)
			return
		}
		io.WriteString(w, `{"ok": false, "error": "invalid_code"}`)
	}))
	defer srv.Close()
	p, err := oauth.Lookup("slack", oauth.AuthorizationCode, "", srv.URL+"/api/oauth.v2.access")
	if err != nil {
		t.Fatal(err)
	}
	c := &oauth.Client{Provider: p, ClientID: "id", ClientSecret: "s"}
	tok, err := c.Exchange(t.Context(), "good", oauth2.GenerateVerifier())
	if err != nil || tok.AccessToken != "xoxp-1" || tok.RefreshToken != "xoxe-1" || oauth.GrantedScope(tok) != "search:read" || time.Until(tok.Expiry) < 11*time.Hour {
		t.Fatalf("token %+v, %v", tok, err)
	}
	_, err = c.Exchange(t.Context(), "bad", oauth2.GenerateVerifier())
	if err == nil || err.Error() != "provider slack: token request failed with HTTP 400: invalid_code" {
		t.Errorf("error %v", err)
	}
}

// A browser that drops the callback's connection while the code is being
// exchanged (a reload, a closed tab) does not abort the exchange.
func TestAuthorizeBrowserLeavesDuringExchange(t *testing.T) {
	f := oauthtest.New()
	defer f.Close()
	f.Update(func(f *oauthtest.Provider) { f.Delay = 300 * time.Millisecond })
	c := fakeClient(f, oauth.AuthorizationCode)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	tok, err := oauth.Authorize(t.Context(), c, oauth.AuthorizeOptions{Listener: ln, Open: func(u string) error {
		go func() {
			if _, err := impatient.Get(u); err == nil {
				t.Error("the callback answered before the exchange ended")
			}
		}()
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Valid(tok.AccessToken) || f.Exchanges.Load() != 1 {
		t.Errorf("token %+v, exchanges %d", tok, f.Exchanges.Load())
	}
}

// An endpoint with user info is refused without showing it: it may hold
// the client secret. An endpoint needs a host name.
func TestEndpointErrorsHideUserInfo(t *testing.T) {
	for _, tc := range []struct{ token, err string }{
		{"https://client-1:s3cr3t@auth.example/token",
			`provider custom_acme: endpoint "https://xxxxx@auth.example/token": an endpoint may not hold user info or a fragment`},
		{"https://gho_tok3n@auth.example/token",
			`provider custom_acme: endpoint "https://xxxxx@auth.example/token": an endpoint may not hold user info or a fragment`},
		{"https://client-1:s3cr3t@auth.example:bad/token",
			`provider custom_acme: endpoint "https://xxxxx@auth.example:bad/token" is not an absolute URL`},
		{"http://client-1:s3cr3t@auth.example/token",
			`provider custom_acme: endpoint "http://xxxxx@auth.example/token": an endpoint may not hold user info or a fragment`},
		{"https://:443/token", `provider custom_acme: endpoint "https://:443/token" is not an absolute URL`},
		// Secrets holding "/", "#" or "?" make the URL unparseable.
		{"https://id:se/cr+et@auth.example/token", `provider custom_acme: endpoint "https://xxxxx@auth.example/token" is not an absolute URL`},
		{"https://id:sec#ret@auth.example/token", `provider custom_acme: endpoint "https://xxxxx@auth.example/token" is not an absolute URL`},
		{"https://id:a?b@auth.example/t", `provider custom_acme: endpoint "https://xxxxx@auth.example/t" is not an absolute URL`},
		{"id:s3cr3t@auth.example/token", `provider custom_acme: endpoint "xxxxx@auth.example/token" is not an absolute URL`},
	} {
		_, err := oauth.Lookup("custom_acme", oauth.ClientCredentials, "", tc.token)
		if err == nil || err.Error() != tc.err {
			t.Errorf("Lookup(%q) = %v, want %s", tc.token, err, tc.err)
		}
	}
}

// RFC 6749 2.3.1: in HTTP basic authentication the client id and secret
// are form-urlencoded first.
func TestClientSecretSpecialCharacters(t *testing.T) {
	f := oauthtest.New()
	defer f.Close()
	f.Update(func(f *oauthtest.Provider) { f.ClientID, f.ClientSecret = "app:1", "p@ss w+rd/%é:" })
	c := fakeClient(f, oauth.ClientCredentials)
	if _, err := c.ClientCredentialsToken(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.Update(func(f *oauthtest.Provider) { f.SecretPost = true })
	c.Provider.AuthStyle = oauth2.AuthStyleInParams
	if _, err := c.ClientCredentialsToken(t.Context()); err != nil {
		t.Fatal(err)
	}
}
