package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// DefaultCallbackPort is the loopback port of the authorization-code
// callback unless an integration says otherwise.
const DefaultCallbackPort = 8976

// CallbackPath is the path of the loopback callback.
const CallbackPath = "/callback"

// RedirectURI returns the redirect URI of the loopback callback on port:
// the URI to register with the provider.
func RedirectURI(port int) string {
	return "http://127.0.0.1:" + strconv.Itoa(port) + CallbackPath
}

// Client is a provider with an integration's client credentials: what the
// token requests need.
type Client struct {
	Provider     Provider
	ClientID     string
	ClientSecret string
	// Scopes are the additional scopes; the provider's base scopes are
	// always requested too.
	Scopes []string
	// RedirectURL is the redirect URI of the authorization-code flow.
	RedirectURL string
	// HTTPClient makes the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// TokenError is a token request the provider refused, or that failed.
// Its text names the provider and the provider's error, never a token or
// secret.
type TokenError struct {
	Provider    string
	Code        string // RFC 6749 error code, e.g. invalid_grant
	Description string
	Status      int   // HTTP status, 0 when no answer came
	Err         error // the transport error when no answer came
}

func (e *TokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider %s: token request failed", e.Provider)
	if e.Status != 0 {
		fmt.Fprintf(&b, " with HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, " (%s)", e.Description)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *TokenError) Unwrap() error { return e.Err }

// IsInvalidGrant reports whether err is the provider's invalid_grant
// answer: a revoked or spent refresh token, or a bad code.
func IsInvalidGrant(err error) bool {
	var te *TokenError
	return errors.As(err, &te) && te.Code == "invalid_grant"
}

func (c *Client) tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te := &TokenError{Provider: c.Provider.ID, Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			te.Status = re.Response.StatusCode
		}
		return te
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// A transport error: url.Error names the URL, never the form.
	return &TokenError{Provider: c.Provider.ID, Err: err}
}

// context returns ctx with the HTTP client oauth2 uses: the one place
// oauth2.HTTPClient is set.
func (c *Client) context(ctx context.Context) context.Context {
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	if c.Provider.UserScopeParam != "" {
		t := hc.Transport
		if t == nil {
			t = http.DefaultTransport
		}
		cp := *hc
		cp.Transport = authedUserTransport{t}
		hc = &cp
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

func (c *Client) config() *oauth2.Config {
	cfg := &oauth2.Config{
		ClientID:     c.Provider.ClientID(c.ClientID),
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.Provider.AuthorizationEndpoint,
			TokenURL:  c.Provider.TokenEndpoint,
			AuthStyle: c.authStyle(),
		},
		RedirectURL: c.RedirectURL,
	}
	if c.Provider.UserScopeParam == "" {
		cfg.Scopes = c.Provider.Scopes(c.Scopes)
	}
	return cfg
}

func (c *Client) authStyle() oauth2.AuthStyle {
	if c.Provider.AuthStyle != oauth2.AuthStyleAutoDetect {
		return c.Provider.AuthStyle
	}
	return oauth2.AuthStyleInHeader // client_secret_basic
}

// AuthCodeURL returns the authorization URL with state and the S256
// challenge of verifier, plus the provider's extra parameters.
func (c *Client) AuthCodeURL(state, verifier string) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, v := range c.Provider.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	if p := c.Provider.UserScopeParam; p != "" {
		opts = append(opts, oauth2.SetAuthURLParam(p, strings.Join(c.Provider.Scopes(c.Scopes), " ")))
	}
	return c.config().AuthCodeURL(state, opts...)
}

// Exchange trades an authorization code for tokens.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	tok, err := c.config().Exchange(c.context(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, c.tokenError(err)
	}
	return tok, nil
}

// ClientCredentialsToken requests a token with the client credentials
// grant.
func (c *Client) ClientCredentialsToken(ctx context.Context) (*oauth2.Token, error) {
	cfg := &clientcredentials.Config{
		ClientID:     c.Provider.ClientID(c.ClientID),
		ClientSecret: c.ClientSecret,
		TokenURL:     c.Provider.TokenEndpoint,
		Scopes:       c.Provider.Scopes(c.Scopes),
		AuthStyle:    c.authStyle(),
	}
	tok, err := cfg.Token(c.context(ctx))
	if err != nil {
		return nil, c.tokenError(err)
	}
	return tok, nil
}

// Refresh trades a refresh token for a new token. When the provider does
// not rotate the refresh token, the result keeps refreshToken.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	old := &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}
	tok, err := c.config().TokenSource(c.context(ctx), old).Token()
	if err != nil {
		return nil, c.tokenError(err)
	}
	return tok, nil
}

// GrantedScope returns the scope the provider says it granted, or "".
func GrantedScope(tok *oauth2.Token) string {
	s, _ := tok.Extra("scope").(string)
	return s
}

// authedUserTransport reads Slack's token answers: the user token is in
// "authed_user", and errors come as HTTP 200 with "ok": false. It
// rewrites the body into the standard shape.
type authedUserTransport struct{ next http.RoundTripper }

func (t authedUserTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if ok, isBool := m["ok"].(bool); isBool && !ok {
			resp.StatusCode, resp.Status = http.StatusBadRequest, "400 Bad Request"
		}
		if u, ok := m["authed_user"].(map[string]any); ok {
			for k, v := range u {
				m[k] = v
			}
		}
		if b, err := json.Marshal(m); err == nil {
			body = b
		}
		resp.Header.Set("Content-Type", "application/json")
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// AuthorizeOptions tune [Authorize].
type AuthorizeOptions struct {
	// Port is the loopback port to listen on (127.0.0.1 only); 0 means
	// DefaultCallbackPort. Ignored when Listener is set.
	Port int
	// Listener, when set, is used instead of listening on Port (tests).
	Listener net.Listener
	// Open opens the authorization URL in a browser. When it is nil or
	// fails, Show is called instead.
	Open func(url string) error
	// Show tells the user the authorization URL to open.
	Show func(url string)
	// Timeout bounds the wait for the callback; 0 means 5 minutes.
	Timeout time.Duration
}

// DefaultAuthorizeTimeout is how long [Authorize] waits for the callback.
const DefaultAuthorizeTimeout = 5 * time.Minute

// AuthorizeError is a failed authorization-code flow. Its text says what
// to check.
type AuthorizeError struct {
	Provider    string
	RedirectURI string
	Err         error
}

func (e *AuthorizeError) Error() string {
	return fmt.Sprintf("connecting %s failed: %v\ncheck that the redirect URI %s is registered with the provider, that the client id and secret are right, and that the app is enabled",
		e.Provider, e.Err, e.RedirectURI)
}

func (e *AuthorizeError) Unwrap() error { return e.Err }

// Authorize runs the authorization-code flow with PKCE (S256): it listens
// on 127.0.0.1, sends the user to the provider's authorization URL with
// a random single-use state, waits for the callback, checks the state,
// exchanges the code and returns the tokens. The browser is shown a plain
// success or failure page. c.RedirectURL is set to the callback's URI.
func Authorize(ctx context.Context, c *Client, opts AuthorizeOptions) (*oauth2.Token, error) {
	ln := opts.Listener
	if ln == nil {
		port := opts.Port
		if port == 0 {
			port = DefaultCallbackPort
		}
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err != nil {
			return nil, fmt.Errorf("connecting %s: cannot listen on 127.0.0.1:%d (%v); free the port or choose another with --callback-port", c.Provider.ID, port, err)
		}
	}
	port := ln.Addr().(*net.TCPAddr).Port
	c.RedirectURL = RedirectURI(port)
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultAuthorizeTimeout
	}
	state, err := randomString()
	if err != nil {
		ln.Close()
		return nil, err
	}
	verifier := oauth2.GenerateVerifier()
	fail := func(err error) error {
		return &AuthorizeError{Provider: c.Provider.ID, RedirectURI: c.RedirectURL, Err: err}
	}

	// The exchange runs on ctx, not on the callback request's context:
	// a browser that drops the connection (a reload, a closed tab) must
	// not abort it. One still under way when Authorize returns ends.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan result, 1)
	var once sync.Once
	finish := func(r result) { once.Do(func() { done <- r }) }
	var used sync.Mutex
	spent := false
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+CallbackPath, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		used.Lock()
		if spent {
			used.Unlock()
			page(w, http.StatusBadRequest, "This authorization was already used. Run the connect command again.")
			return
		}
		got := q.Get("state")
		if subtle.ConstantTimeCompare([]byte(got), []byte(state)) != 1 {
			used.Unlock()
			page(w, http.StatusBadRequest, "The state parameter does not match. Run the connect command again.")
			finish(result{err: fail(errors.New("the callback's state parameter does not match the one sent"))})
			return
		}
		spent = true
		used.Unlock()
		if e := q.Get("error"); e != "" {
			msg := e
			if d := q.Get("error_description"); d != "" {
				msg += " (" + d + ")"
			}
			page(w, http.StatusBadRequest, "The provider refused the authorization: "+msg)
			finish(result{err: fail(fmt.Errorf("the provider refused the authorization: %s", msg))})
			return
		}
		code := q.Get("code")
		if code == "" {
			page(w, http.StatusBadRequest, "The callback has no code.")
			finish(result{err: fail(errors.New("the callback has no code"))})
			return
		}
		tok, err := c.Exchange(ctx, code, verifier)
		if err != nil {
			page(w, http.StatusBadGateway, "Exchanging the code failed. See the terminal.")
			finish(result{err: fail(err)})
			return
		}
		page(w, http.StatusOK, "Connected "+c.Provider.Name+". You can close this window.")
		finish(result{tok: tok})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		cancel()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	authURL := c.AuthCodeURL(state, verifier)
	if opts.Open == nil || opts.Open(authURL) != nil {
		if opts.Show != nil {
			opts.Show(authURL)
		}
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.tok, r.err
	case <-timer.C:
		return nil, fail(fmt.Errorf("no answer from the browser within %s", timeout))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	title := "actuate: authorization failed"
	if status == http.StatusOK {
		title = "actuate: connected"
	}
	fmt.Fprintf(w, "<!doctype html><title>%s</title><p>%s</p>\n", title, html.EscapeString(msg))
}

func randomString() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
