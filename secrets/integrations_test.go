package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actuatehq/actuate/secrets/oauth"
	"github.com/actuatehq/actuate/secrets/oauth/oauthtest"
	"golang.org/x/oauth2"
)

// configureFake configures the custom provider custom_fake, served by f,
// for grant.
func configureFake(t testing.TB, s *Store, f *oauthtest.Provider, grant string) Integration {
	t.Helper()
	cfg := IntegrationConfig{ProviderID: "custom_fake", GrantType: grant, ClientID: f.ClientID, ClientSecret: f.ClientSecret,
		Scopes: []string{"read", "write"}, TokenEndpoint: f.TokenURL()}
	if grant == oauth.AuthorizationCode {
		cfg.AuthorizationEndpoint = f.AuthURL()
	}
	in, err := s.ConfigureIntegration(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// expireToken stores an expired access token with a valid refresh token.
func expireToken(t testing.TB, s *Store, f *oauthtest.Provider) {
	t.Helper()
	err := s.SaveIntegrationToken(t.Context(), "custom_fake", oauth.AuthorizationCode, "", &oauth2.Token{
		AccessToken: "at-old", RefreshToken: f.IssueRefreshToken(), Expiry: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationLifecycle(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	f := oauthtest.New()
	defer f.Close()

	if _, err := s.Integration(ctx, "custom_fake", oauth.AuthorizationCode, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before configure: %v", err)
	}
	in := configureFake(t, s, f, oauth.AuthorizationCode)
	if in.State != Configured || strings.Join(in.Scopes, " ") != "read write" || in.RedirectURI != "http://127.0.0.1:8976/callback" || !in.Custom {
		t.Errorf("configured: %+v", in)
	}
	if tok, found, err := s.Token(ctx, "custom_fake", oauth.AuthorizationCode); found || err != nil || tok != "" {
		t.Errorf("Token before connect: %q %v %v", tok, found, err)
	}

	// Built-in: base scopes stay, additional ones are added.
	in, err := s.ConfigureIntegration(ctx, IntegrationConfig{ProviderID: "github", GrantType: oauth.AuthorizationCode,
		ClientID: "id", ClientSecret: "sec", Scopes: []string{"repo", "read:org"}, CallbackPort: 9999})
	if err != nil || strings.Join(in.Scopes, " ") != "repo read:org" || in.RedirectURI != "http://127.0.0.1:9999/callback" {
		t.Errorf("github: %+v %v", in, err)
	}
	for _, bad := range []IntegrationConfig{
		{ProviderID: "github", GrantType: oauth.AuthorizationCode, ClientID: "id"},
		{ProviderID: "github", GrantType: oauth.AuthorizationCode, ClientSecret: "s"},
		{ProviderID: "jamf", GrantType: oauth.ClientCredentials, ClientID: "id", ClientSecret: "s"},
		{ProviderID: "github", GrantType: oauth.AuthorizationCode, ClientID: "id", ClientSecret: "s", TokenEndpoint: "http://evil.example/token"},
	} {
		if _, err := s.ConfigureIntegration(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ConfigureIntegration(%+v) = %v, want ErrInvalid", bad, err)
		}
	}

	// Connect end to end: a test browser follows the redirect.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in, err = s.ConnectIntegration(ctx, "custom_fake", "", oauth.AuthorizeOptions{Listener: ln, Open: func(u string) error {
		go func() {
			resp, err := http.Get(u)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if in.State != Connected || !in.HasRefreshToken || in.GrantedScope != "read write" || time.Until(in.Expiry) < 50*time.Minute {
		t.Errorf("connected: %+v", in)
	}
	tok, found, err := s.Token(ctx, "custom_fake", oauth.AuthorizationCode)
	if err != nil || !found || !f.Valid(tok) {
		t.Fatalf("Token: %q %v %v", tok, found, err)
	}

	// Nothing secret is in the file in clear.
	s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	raw, _ := os.ReadFile(s.Path())
	for _, secret := range []string{tok, f.ClientSecret, f.ClientID, "rt-"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%q is in the store file in clear", secret)
		}
	}

	list, err := s.Integrations(ctx, "")
	if err != nil || len(list) != 2 || list[0].ProviderID != "custom_fake" || list[1].ProviderID != "github" {
		t.Errorf("list: %+v %v", list, err)
	}

	// Rotation re-encrypts the credentials.
	newKey := testKey(t)
	if err := s.RotateKey(ctx, newKey); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, s.Path(), newKey)
	if tok2, _, err := s2.Token(ctx, "custom_fake", oauth.AuthorizationCode); err != nil || tok2 != tok {
		t.Errorf("after rotation: %v", err)
	}

	// Disconnect keeps the configuration.
	if err := s.DisconnectIntegration(ctx, "custom_fake", oauth.AuthorizationCode, ""); err != nil {
		t.Fatal(err)
	}
	in, _ = s.Integration(ctx, "custom_fake", oauth.AuthorizationCode, "")
	if in.State != Configured || in.HasRefreshToken || !in.Expiry.IsZero() || in.GrantedScope != "" {
		t.Errorf("disconnected: %+v", in)
	}
	if _, found, _ := s.Token(ctx, "custom_fake", oauth.AuthorizationCode); found {
		t.Error("token after disconnect")
	}
	if err := s.DeleteIntegration(ctx, "custom_fake", oauth.AuthorizationCode, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.DisconnectIntegration(ctx, "custom_fake", oauth.AuthorizationCode, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("disconnect after delete: %v", err)
	}
}

func TestClientCredentialsIntegration(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	f := oauthtest.New()
	defer f.Close()
	// Shorter than the margin: every Token gets a new one.
	f.Update(func(f *oauthtest.Provider) { f.Lifetime = 2 * time.Minute })
	configureFake(t, s, f, oauth.ClientCredentials)
	in, err := s.TestIntegration(ctx, "custom_fake", "")
	if err != nil || in.State != Connected || in.Expiry.IsZero() {
		t.Fatalf("test: %+v %v", in, err)
	}
	tok, found, err := s.Token(ctx, "custom_fake", oauth.ClientCredentials)
	if err != nil || !found || !f.Valid(tok) || f.ClientGrants.Load() != 2 {
		t.Fatalf("Token: %v %v, grants %d", found, err, f.ClientGrants.Load())
	}
	f.Update(func(f *oauthtest.Provider) { f.Lifetime = time.Hour })
	s.Token(ctx, "custom_fake", oauth.ClientCredentials)
	s.Token(ctx, "custom_fake", oauth.ClientCredentials)
	if f.ClientGrants.Load() != 3 {
		t.Errorf("grants %d, want 3: a valid token is reused", f.ClientGrants.Load())
	}

	f.Update(func(f *oauthtest.Provider) { f.ClientSecret = "changed" })
	_, err = s.TestIntegration(ctx, "custom_fake", "")
	if err == nil || err.Error() != "provider custom_fake: token request failed with HTTP 401: invalid_client (client authentication failed)" {
		t.Errorf("bad secret: %v", err)
	}
}

func TestSixtyFourStepsRefreshOnce(t *testing.T) {
	s := newStore(t)
	f := oauthtest.New()
	defer f.Close()
	f.Update(func(f *oauthtest.Provider) { f.Delay = 20 * time.Millisecond })
	configureFake(t, s, f, oauth.AuthorizationCode)
	expireToken(t, s, f)
	var wg sync.WaitGroup
	toks := make([]string, 64)
	errs := make([]error, 64)
	for i := range 64 {
		wg.Go(func() {
			toks[i], _, errs[i] = s.Token(context.Background(), "custom_fake", oauth.AuthorizationCode)
		})
	}
	wg.Wait()
	for i := range 64 {
		if errs[i] != nil || toks[i] != toks[0] || !f.Valid(toks[i]) {
			t.Fatalf("step %d: %q %v", i, toks[i], errs[i])
		}
	}
	if n := f.Refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	in, _ := s.Integration(t.Context(), "custom_fake", oauth.AuthorizationCode, "")
	if in.State != Connected || time.Until(in.Expiry) < 50*time.Minute {
		t.Errorf("after refresh: %+v", in)
	}
}

// refreshChildEnv, set in a child process of TestTwoProcessesRefreshOnce,
// holds the store path; the child asks for the token once.
const refreshChildEnv = "ACTUATE_SECRETS_REFRESH_CHILD"

func TestTwoProcessesRefreshOnce(t *testing.T) {
	if path := os.Getenv(refreshChildEnv); path != "" {
		k, _ := ParseKey(os.Getenv(refreshChildEnv+"_KEY"), "the test key")
		s, err := Open(context.Background(), path, k)
		if err == nil {
			var tok string
			tok, _, err = s.Token(context.Background(), "custom_fake", oauth.AuthorizationCode)
			fmt.Println("token", tok)
		}
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), FileName)
	key := testKey(t)
	s := openStore(t, path, key)
	f := oauthtest.New()
	defer f.Close()
	f.Update(func(f *oauthtest.Provider) { f.Delay = 300 * time.Millisecond })
	configureFake(t, s, f, oauth.AuthorizationCode)
	expireToken(t, s, f)
	var wg sync.WaitGroup
	out := make([]string, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestTwoProcessesRefreshOnce$")
			cmd.Env = append(os.Environ(), refreshChildEnv+"="+path, refreshChildEnv+"_KEY="+key.Base64())
			b, err := cmd.CombinedOutput()
			out[i] = string(b)
			if err != nil {
				t.Errorf("child %d: %v\n%s", i, err, b)
			}
		})
	}
	wg.Wait()
	if n := f.Refreshes.Load(); n != 1 || f.SpentRefresh.Load() != 0 {
		t.Errorf("%d refreshes (%d with a spent token), want 1", n, f.SpentRefresh.Load())
	}
	if !strings.HasPrefix(out[0], "token at-") || out[0] != out[1] {
		t.Errorf("children got %q and %q", out[0], out[1])
	}
}

func TestRevokedRefreshToken(t *testing.T) {
	s := newStore(t)
	f := oauthtest.New()
	defer f.Close()
	configureFake(t, s, f, oauth.AuthorizationCode)
	expireToken(t, s, f)
	f.RevokeAll()
	_, _, err := s.Token(t.Context(), "custom_fake", oauth.AuthorizationCode)
	var re *ReauthError
	if !errors.As(err, &re) || !oauth.IsInvalidGrant(err) {
		t.Fatalf("error %v", err)
	}
	want := "integration custom_fake needs to be connected again: its token expired and the refresh failed: provider custom_fake: token request failed with HTTP 400: invalid_grant (refresh token revoked or already used); run: actuate integrations connect custom_fake"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	in, _ := s.Integration(t.Context(), "custom_fake", oauth.AuthorizationCode, "")
	if in.State != ReauthRequired || in.HasRefreshToken {
		t.Errorf("state %+v", in)
	}
	// Later steps fail at once, without asking the provider.
	_, _, err = s.Token(t.Context(), "custom_fake", oauth.AuthorizationCode)
	if !errors.As(err, &re) || !strings.HasSuffix(err.Error(), "run: actuate integrations connect custom_fake") || f.Refreshes.Load() != 0 {
		t.Errorf("second: %v", err)
	}
}

func TestRefreshFailsWhileTokenValid(t *testing.T) {
	var logs bytes.Buffer
	path := filepath.Join(t.TempDir(), FileName)
	s := openStore(t, path, testKey(t), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	f := oauthtest.New()
	defer f.Close()
	configureFake(t, s, f, oauth.AuthorizationCode)
	err := s.SaveIntegrationToken(t.Context(), "custom_fake", oauth.AuthorizationCode, "", &oauth2.Token{
		AccessToken: "at-soon", RefreshToken: "rt-unknown", Expiry: time.Now().Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	tok, found, err := s.Token(t.Context(), "custom_fake", oauth.AuthorizationCode)
	if err != nil || !found || tok != "at-soon" {
		t.Fatalf("Token: %q %v %v", tok, found, err)
	}
	if !strings.Contains(logs.String(), "refresh failed; using the current token") || strings.Contains(logs.String(), "rt-unknown") || strings.Contains(logs.String(), "at-soon") {
		t.Errorf("log: %s", logs.String())
	}
}

// A token valid for longer than the margin costs no database read; one
// within the margin is refreshed.
func TestValidTokenFromMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := openStore(t, path, testKey(t), WithRefreshMargin(time.Minute))
	f := oauthtest.New()
	defer f.Close()
	configureFake(t, s, f, oauth.AuthorizationCode)
	err := s.SaveIntegrationToken(t.Context(), "custom_fake", oauth.AuthorizationCode, "", &oauth2.Token{
		AccessToken: "at-valid", RefreshToken: f.IssueRefreshToken(), Expiry: time.Now().Add(3 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	// 3 minutes left, margin 1 minute: no refresh.
	if tok, _, err := s.Token(t.Context(), "custom_fake", oauth.AuthorizationCode); err != nil || tok != "at-valid" {
		t.Fatalf("Token: %q %v", tok, err)
	}
	s.db.Close()
	for range 3 {
		if tok, _, err := s.Token(t.Context(), "custom_fake", oauth.AuthorizationCode); err != nil || tok != "at-valid" {
			t.Fatalf("Token from memory: %q %v", tok, err)
		}
	}
	// With the default margin of 5 minutes it is refreshed.
	s2 := openStore(t, path, s.key)
	if tok, _, err := s2.Token(t.Context(), "custom_fake", oauth.AuthorizationCode); err != nil || tok == "at-valid" || f.Refreshes.Load() != 1 {
		t.Fatalf("Token with the default margin: %q %v, %d refreshes", tok, err, f.Refreshes.Load())
	}
}

// TestStoredTokenRefreshesNothing checks that StoredToken gives an expired
// token as stored, with no request to the provider, while Token refreshes
// it.
func TestStoredTokenRefreshesNothing(t *testing.T) {
	s := newStore(t)
	f := oauthtest.New()
	defer f.Close()
	ctx := t.Context()
	if tok, found, err := s.StoredToken(ctx, "custom_fake", oauth.AuthorizationCode); tok != "" || found || err != nil {
		t.Fatalf("StoredToken before configure = %q, %v, %v", tok, found, err)
	}
	configureFake(t, s, f, oauth.AuthorizationCode)
	if tok, found, err := s.StoredToken(ctx, "custom_fake", oauth.AuthorizationCode); tok != "" || found || err != nil {
		t.Fatalf("StoredToken before connect = %q, %v, %v", tok, found, err)
	}
	expireToken(t, s, f)
	if tok, found, err := s.StoredToken(ctx, "custom_fake", oauth.AuthorizationCode); tok != "at-old" || !found || err != nil {
		t.Fatalf("StoredToken = %q, %v, %v; want the expired at-old", tok, found, err)
	}
	if n := f.Refreshes.Load(); n != 0 {
		t.Fatalf("%d refreshes after StoredToken, want 0", n)
	}
	if tok, found, err := s.Token(ctx, "custom_fake", oauth.AuthorizationCode); !found || err != nil || !f.Valid(tok) || f.Refreshes.Load() != 1 {
		t.Fatalf("Token = %q, %v, %v with %d refreshes; want a refreshed token", tok, found, err, f.Refreshes.Load())
	}
}

// TestRefusedRefreshKeepsRefreshToken: a refresh the provider refuses for
// another reason than invalid_grant (here invalid_client, a client secret
// changed at the provider) does not throw the stored refresh token away:
// once the client secret is right again, the same refresh token works.
func TestRefusedRefreshKeepsRefreshToken(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), FileName), testKey(t), WithLogger(slog.New(slog.DiscardHandler)))
	ctx := t.Context()
	f := oauthtest.New()
	defer f.Close()
	configureFake(t, s, f, oauth.AuthorizationCode)
	err := s.SaveIntegrationToken(ctx, "custom_fake", oauth.AuthorizationCode, "", &oauth2.Token{
		AccessToken: "at-soon", RefreshToken: f.IssueRefreshToken(), Expiry: time.Now().Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	f.Update(func(f *oauthtest.Provider) { f.ClientSecret = "rotated" })
	if tok, found, err := s.Token(ctx, "custom_fake", oauth.AuthorizationCode); err != nil || !found || tok != "at-soon" {
		t.Fatalf("Token with a refused refresh: %q %v %v", tok, found, err)
	}
	in, err := s.Integration(ctx, "custom_fake", oauth.AuthorizationCode, "")
	if err != nil || !in.HasRefreshToken || in.State != Connected {
		t.Fatalf("after invalid_client: %+v %v; want the refresh token kept", in, err)
	}
	f.Update(func(f *oauthtest.Provider) { f.ClientSecret = "secret-1" })
	tok, found, err := s.Token(ctx, "custom_fake", oauth.AuthorizationCode)
	if err != nil || !found || !f.Valid(tok) || f.Refreshes.Load() != 1 {
		t.Fatalf("Token after the fix: %q %v %v, %d refreshes", tok, found, err, f.Refreshes.Load())
	}

	// invalid_grant still ends the refresh token.
	err = s.SaveIntegrationToken(ctx, "custom_fake", oauth.AuthorizationCode, "", &oauth2.Token{
		AccessToken: "at-soon", RefreshToken: "rt-unknown", Expiry: time.Now().Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if tok, _, err := s.Token(ctx, "custom_fake", oauth.AuthorizationCode); err != nil || tok != "at-soon" {
		t.Fatalf("Token with a revoked refresh token: %q %v", tok, err)
	}
	if in, _ := s.Integration(ctx, "custom_fake", oauth.AuthorizationCode, ""); in.HasRefreshToken {
		t.Errorf("after invalid_grant: %+v; want the refresh token dropped", in)
	}
}

// The first token of a client-credentials integration that was never
// tested is saved: the next process reuses it instead of asking for
// another.
func TestClientCredentialsFirstTokenSaved(t *testing.T) {
	t.Parallel()
	path, key := filepath.Join(t.TempDir(), FileName), testKey(t)
	f := oauthtest.New()
	defer f.Close()
	first := openStore(t, path, key)
	configureFake(t, first, f, oauth.ClientCredentials)
	tok, found, err := first.Token(t.Context(), "custom_fake", oauth.ClientCredentials)
	if err != nil || !found || !f.Valid(tok) {
		t.Fatalf("Token: %v %v", found, err)
	}
	next := openStore(t, path, key) // another process
	again, found, err := next.Token(t.Context(), "custom_fake", oauth.ClientCredentials)
	if err != nil || !found || again != tok || f.ClientGrants.Load() != 1 {
		t.Errorf("the next process's token: %v %v, the same: %v; %d grants, want 1", found, err, again == tok, f.ClientGrants.Load())
	}
	if in, err := next.Integration(t.Context(), "custom_fake", oauth.ClientCredentials, ""); err != nil || in.State != Connected {
		t.Errorf("integration after its first token: %+v %v", in, err)
	}
}
