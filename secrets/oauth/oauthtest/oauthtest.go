// Package oauthtest is a fake OAuth provider for tests: an httptest
// server with an authorization endpoint that redirects straight back with
// a code, and a token endpoint that checks PKCE (S256), the redirect URI
// and client authentication, and issues short-lived access tokens and
// rotating, single-use refresh tokens.
package oauthtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Provider is the fake provider. Change its fields with [Provider.Update]
// once it may have been asked anything.
type Provider struct {
	*httptest.Server

	ClientID, ClientSecret string
	// SecretPost makes the token endpoint want client_secret_post
	// instead of client_secret_basic.
	SecretPost bool
	// Lifetime is the access tokens' lifetime (expires_in).
	Lifetime time.Duration
	// Delay slows the token endpoint, widening race windows.
	Delay time.Duration

	// Counters of successful grants.
	Exchanges, Refreshes, ClientGrants atomic.Int64
	// SpentRefresh counts refresh tokens presented a second time.
	SpentRefresh atomic.Int64

	mu      sync.Mutex
	n       int
	codes   map[string]codeGrant
	refresh map[string]bool // refresh token → still valid
	spent   map[string]bool
	access  map[string]time.Time
}

type codeGrant struct {
	challenge, redirect, scope string
}

// New starts a fake provider with client "client-1" / "secret-1".
func New() *Provider {
	p := &Provider{
		ClientID: "client-1", ClientSecret: "secret-1", Lifetime: time.Hour,
		codes: map[string]codeGrant{}, refresh: map[string]bool{}, spent: map[string]bool{}, access: map[string]time.Time{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /api", p.api)
	p.Server = httptest.NewServer(mux)
	return p
}

// Update runs fn with the provider locked, to change its fields.
func (p *Provider) Update(fn func(p *Provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

// AuthURL and TokenURL are the endpoints.
func (p *Provider) AuthURL() string  { return p.URL + "/authorize" }
func (p *Provider) TokenURL() string { return p.URL + "/token" }

// IssueRefreshToken makes a valid refresh token, as if from a past grant.
func (p *Provider) IssueRefreshToken() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	rt := fmt.Sprintf("rt-%d", p.n)
	p.refresh[rt] = true
	return rt
}

// RevokeAll revokes every refresh token.
func (p *Provider) RevokeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.refresh {
		p.refresh[k] = false
	}
}

// Valid reports whether access is a live access token.
func (p *Provider) Valid(access string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	exp, ok := p.access[access]
	return ok && time.Now().Before(exp)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("response_type") != "code":
		http.Error(w, "response_type must be code", http.StatusBadRequest)
	case q.Get("client_id") != p.clientID():
		http.Error(w, "unknown client_id", http.StatusBadRequest)
	case q.Get("state") == "":
		http.Error(w, "no state", http.StatusBadRequest)
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		http.Error(w, "PKCE S256 required", http.StatusBadRequest)
	case !strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:"):
		http.Error(w, "redirect_uri not registered", http.StatusBadRequest)
	default:
		p.mu.Lock()
		p.n++
		code := fmt.Sprintf("code-%d", p.n)
		p.codes[code] = codeGrant{q.Get("code_challenge"), q.Get("redirect_uri"), q.Get("scope")}
		p.mu.Unlock()
		u, _ := url.Parse(q.Get("redirect_uri"))
		v := u.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
}

func (p *Provider) clientID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ClientID
}

func (p *Provider) clientOK(r *http.Request) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.SecretPost {
		_, _, basic := r.BasicAuth()
		return !basic && r.PostForm.Get("client_id") == p.ClientID && r.PostForm.Get("client_secret") == p.ClientSecret
	}
	id, secret, ok := r.BasicAuth()
	return ok && id == url.QueryEscape(p.ClientID) && secret == url.QueryEscape(p.ClientSecret) && r.PostForm.Get("client_secret") == ""
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	p.mu.Lock()
	delay := p.Delay
	p.mu.Unlock()
	time.Sleep(delay)
	if !p.clientOK(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	f := r.PostForm
	p.mu.Lock()
	defer p.mu.Unlock()
	scope := f.Get("scope")
	withRefresh := true
	switch f.Get("grant_type") {
	case "authorization_code":
		g, ok := p.codes[f.Get("code")]
		delete(p.codes, f.Get("code"))
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or used code")
			return
		case g.redirect != f.Get("redirect_uri"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
			return
		}
		scope = g.scope
		p.Exchanges.Add(1)
	case "refresh_token":
		rt := f.Get("refresh_token")
		if p.spent[rt] {
			p.SpentRefresh.Add(1)
		}
		if !p.refresh[rt] {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "refresh token revoked or already used")
			return
		}
		delete(p.refresh, rt)
		p.spent[rt] = true
		p.Refreshes.Add(1)
	case "client_credentials":
		withRefresh = false
		p.ClientGrants.Add(1)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", f.Get("grant_type"))
		return
	}
	p.n++
	resp := map[string]any{
		"access_token": fmt.Sprintf("at-%d", p.n),
		"token_type":   "Bearer",
		"expires_in":   int(p.Lifetime / time.Second),
	}
	p.access[resp["access_token"].(string)] = time.Now().Add(p.Lifetime)
	if scope != "" {
		resp["scope"] = scope
	}
	if withRefresh {
		rt := fmt.Sprintf("rt-%d", p.n)
		p.refresh[rt] = true
		resp["refresh_token"] = rt
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (p *Provider) api(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !p.Valid(tok) {
		http.Error(w, `{"message": "bad token"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintln(w, `{"ok": true}`)
}
