package secrets

import (
	"context"
	"crypto/cipher"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/actuatehq/actuate/secrets/oauth"
	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"
	"modernc.org/sqlite"
)

// OAuth integrations. One row of oauth_integrations per (provider_id,
// grant_type, environment) holds the integration's configuration (endpoint
// overrides, additional scopes, callback port) in plain text and its
// credentials (client id, client secret, access and refresh tokens) as one
// JSON object sealed with the store key, additional data
// "oauth\x00provider\x00grant\x00env". Expiry and state are plain, so
// listing needs no decryption.
//
// [Store.Token] serves the engine. A token valid for longer than the
// refresh margin comes from memory, without touching the file. Otherwise
// one goroutine per integration (single flight) takes a lease on the row
// in a write transaction (BEGIN IMMEDIATE) after reading it again, and
// refreshes only if the row's token still needs it and no other process
// holds the lease: so however many steps and processes ask at once, a
// refresh token is spent once (see refreshToken).

// Integration states.
const (
	NotConfigured  = "not_configured"
	Configured     = "configured"
	Connected      = "connected"
	ReauthRequired = "reauth_required"
)

// DefaultRefreshMargin is how long a token must stay valid for
// [Store.Token] to hand it out without refreshing it first.
const DefaultRefreshMargin = 5 * time.Minute

// refreshTimeout bounds one token request of a refresh.
const refreshTimeout = 20 * time.Second

// lockWait bounds how long Token waits for another process's refresh.
const lockWait = 40 * time.Second

// WithRefreshMargin sets the refresh margin of [Store.Token] (default
// [DefaultRefreshMargin]).
func WithRefreshMargin(d time.Duration) Option {
	return func(s *Store) { s.oauth.margin = d }
}

// WithHTTPClient sets the HTTP client of token requests (default: one
// with a 30-second timeout).
func WithHTTPClient(c *http.Client) Option {
	return func(s *Store) { s.oauth.http = c }
}

// WithLogger sets the logger of warnings such as a failed refresh while
// the current token is still valid (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) { s.oauth.log = l }
}

// oauthState is the Store's OAuth part: options, the token cache and the
// single flight.
type oauthState struct {
	margin time.Duration // set by Open: DefaultRefreshMargin unless WithRefreshMargin
	http   *http.Client
	log    *slog.Logger

	group singleflight.Group
	mu    sync.Mutex
	cache map[string]tokenResult // provider\x00grant → token, in the store's env
}

var defaultOAuthHTTP = &http.Client{Timeout: 30 * time.Second}

func (s *Store) margin() time.Duration { return s.oauth.margin }

// SetHTTPClient sets the client of the store's OAuth token requests, as
// WithHTTPClient does at Open: a recording or replaying transport, for
// example. Call it before the store serves tokens.
func (s *Store) SetHTTPClient(c *http.Client) { s.oauth.http = c }

func (s *Store) httpClient() *http.Client {
	if s.oauth.http != nil {
		return s.oauth.http
	}
	return defaultOAuthHTTP
}

func (s *Store) logger() *slog.Logger {
	if s.oauth.log != nil {
		return s.oauth.log
	}
	return slog.Default()
}

// IntegrationConfig is what [Store.ConfigureIntegration] saves.
type IntegrationConfig struct {
	ProviderID  string
	GrantType   string // oauth.AuthorizationCode or oauth.ClientCredentials
	Environment string // "" means "default"

	ClientID     string
	ClientSecret string
	// Scopes are added to the provider's base scopes.
	Scopes []string
	// Endpoint overrides; "" keeps the provider's default.
	AuthorizationEndpoint string
	TokenEndpoint         string
	// CallbackPort is the loopback port of the authorization-code
	// callback; 0 means oauth.DefaultCallbackPort.
	CallbackPort int
}

// Integration describes an integration without its secrets.
type Integration struct {
	ProviderID  string
	GrantType   string
	Environment string
	State       string
	Custom      bool // a custom provider

	// Scopes are the requested scopes: base, then additional.
	Scopes []string
	// GrantedScope is what the provider said it granted, if it did.
	GrantedScope string

	AuthorizationEndpoint string // "" for client credentials
	TokenEndpoint         string
	CallbackPort          int
	// RedirectURI is the URI to register with the provider (authorization
	// code only).
	RedirectURI string

	// Expiry is the access token's expiry; zero when there is no token or
	// it does not expire.
	Expiry          time.Time
	HasRefreshToken bool
	UpdatedAt       time.Time
}

// credentials is the sealed part of a row.
type credentials struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	AccessToken  string `json:"access_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// integrationRow is a row of oauth_integrations.
type integrationRow struct {
	provider, grant, env string
	blob                 []byte
	tokenType            string
	expiresAt            sql.NullInt64 // unix milliseconds
	hasToken, hasRefresh bool
	reauth               bool
	scopes               string // additional, space-separated
	grantedScope         string
	authEP, tokenEP      string // overrides
	callbackPort         int
	leaseOwner           string // a refresh under way: see refreshToken
	leaseUntil           int64  // unix milliseconds
	updated              string
}

const integrationColumns = `provider_id, grant_type, environment, credentials, token_type, expires_at,
has_token, has_refresh, reauth, scopes, granted_scope, authorization_endpoint, token_endpoint, callback_port,
refresh_owner, refresh_until, updated_at`

type scanner interface{ Scan(...any) error }

func scanIntegration(sc scanner) (*integrationRow, error) {
	var r integrationRow
	err := sc.Scan(&r.provider, &r.grant, &r.env, &r.blob, &r.tokenType, &r.expiresAt,
		&r.hasToken, &r.hasRefresh, &r.reauth, &r.scopes, &r.grantedScope, &r.authEP, &r.tokenEP, &r.callbackPort, &r.leaseOwner, &r.leaseUntil, &r.updated)
	return &r, err
}

// rowQuerier is a *sql.DB or a *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queryIntegration reads the row (provider, grant, env) through q; the
// error is sql.ErrNoRows when there is none.
func queryIntegration(ctx context.Context, q rowQuerier, provider, grant, env string) (*integrationRow, error) {
	return scanIntegration(q.QueryRowContext(ctx, "SELECT "+integrationColumns+
		" FROM oauth_integrations WHERE provider_id = ? AND grant_type = ? AND environment = ?", provider, grant, env))
}

func integrationAD(provider, grant, env string) []byte {
	return []byte("oauth\x00" + provider + "\x00" + grant + "\x00" + env)
}

func (r *integrationRow) expiry() time.Time {
	if !r.expiresAt.Valid {
		return time.Time{}
	}
	return time.UnixMilli(r.expiresAt.Int64)
}

func (r *integrationRow) state(now time.Time) string {
	switch {
	case r.reauth:
		return ReauthRequired
	case r.hasToken && r.grant == oauth.AuthorizationCode && !r.hasRefresh && !r.expiry().IsZero() && !now.Before(r.expiry()):
		return ReauthRequired
	case r.hasToken:
		return Connected
	default:
		return Configured
	}
}

func (r *integrationRow) provider_() (oauth.Provider, error) {
	return oauth.Lookup(r.provider, r.grant, r.authEP, r.tokenEP)
}

func (r *integrationRow) info() Integration {
	in := Integration{
		ProviderID: r.provider, GrantType: r.grant, Environment: r.env, State: r.state(time.Now()),
		GrantedScope: r.grantedScope, CallbackPort: r.callbackPort, Expiry: r.expiry(),
		HasRefreshToken: r.hasRefresh, UpdatedAt: parseTime(r.updated),
		AuthorizationEndpoint: r.authEP, TokenEndpoint: r.tokenEP,
	}
	if in.CallbackPort == 0 {
		in.CallbackPort = oauth.DefaultCallbackPort
	}
	if p, err := r.provider_(); err == nil {
		in.Custom = p.Custom
		in.Scopes = p.Scopes(strings.Fields(r.scopes))
		in.AuthorizationEndpoint, in.TokenEndpoint = p.AuthorizationEndpoint, p.TokenEndpoint
	}
	if r.grant == oauth.AuthorizationCode {
		in.RedirectURI = oauth.RedirectURI(in.CallbackPort)
	}
	return in
}

func (s *Store) openCredentials(a cipher.AEAD, r *integrationRow) (credentials, error) {
	var c credentials
	plain, err := open(a, r.blob, integrationAD(r.provider, r.grant, r.env))
	if err == nil {
		err = json.Unmarshal(plain, &c)
	}
	if err != nil {
		return c, fmt.Errorf("the credentials of integration %s (%s, environment %s) cannot be decrypted: they were written with another key or are damaged", r.provider, r.grant, r.env)
	}
	return c, nil
}

func sealCredentials(a cipher.AEAD, provider, grant, env string, c credentials) ([]byte, error) {
	plain, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return seal(a, plain, integrationAD(provider, grant, env))
}

// IntegrationNotFound is the error of an integration that is not configured.
func integrationNotFound(provider, grant, env string) error {
	return &NotFoundError{Kind: "integration", Name: provider + " (" + grant + ")", Environment: env}
}

// ConfigureIntegration saves the configuration of an integration,
// creating it or replacing its configuration; tokens it holds are kept.
// It checks the provider, grant type and endpoints (see oauth.Lookup).
func (s *Store) ConfigureIntegration(ctx context.Context, cfg IntegrationConfig) (Integration, error) {
	env := orDefault(cfg.Environment)
	if err := ValidEnvironment(env); err != nil {
		return Integration{}, err
	}
	p, err := oauth.Lookup(cfg.ProviderID, cfg.GrantType, cfg.AuthorizationEndpoint, cfg.TokenEndpoint)
	if err != nil {
		return Integration{}, &invalidError{err.Error()}
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return Integration{}, invalidf("integration %s: the client id is empty", p.ID)
	}
	if cfg.ClientSecret == "" {
		return Integration{}, invalidf("integration %s: the client secret is empty", p.ID)
	}
	if cfg.CallbackPort < 0 || cfg.CallbackPort > 65535 {
		return Integration{}, invalidf("integration %s: callback port %d is not a port number", p.ID, cfg.CallbackPort)
	}
	scopes := strings.Join(p.AdditionalScopes(cfg.Scopes), " ")
	err = s.writeSecrets(ctx, func(tx *sql.Tx, a cipher.AEAD) error {
		r, err := queryIntegration(ctx, tx, p.ID, p.GrantType, env)
		var c credentials
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			if c, err = s.openCredentials(a, r); err != nil {
				return err
			}
		}
		c.ClientID, c.ClientSecret = strings.TrimSpace(cfg.ClientID), cfg.ClientSecret
		blob, err := sealCredentials(a, p.ID, p.GrantType, env, c)
		if err != nil {
			return err
		}
		t := now()
		_, err = tx.ExecContext(ctx, `INSERT INTO oauth_integrations (provider_id, grant_type, environment, credentials,
	scopes, authorization_endpoint, token_endpoint, callback_port, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (provider_id, grant_type, environment) DO UPDATE SET credentials = excluded.credentials,
	scopes = excluded.scopes, authorization_endpoint = excluded.authorization_endpoint,
	token_endpoint = excluded.token_endpoint, callback_port = excluded.callback_port, updated_at = excluded.updated_at`,
			p.ID, p.GrantType, env, blob, scopes, cfg.AuthorizationEndpoint, cfg.TokenEndpoint, cfg.CallbackPort, t, t)
		return err
	})
	s.forgetToken(p.ID, p.GrantType, env)
	if err != nil {
		return Integration{}, fmt.Errorf("saving integration %s: %w", p.ID, err)
	}
	return s.Integration(ctx, p.ID, p.GrantType, env)
}

// Integration describes the integration (provider, grant) of environment
// env ("" means "default"), or returns a [*NotFoundError] when it is not
// configured.
func (s *Store) Integration(ctx context.Context, provider, grant, env string) (Integration, error) {
	env = orDefault(env)
	r, err := queryIntegration(ctx, s.db, provider, grant, env)
	if errors.Is(err, sql.ErrNoRows) {
		return Integration{}, integrationNotFound(provider, grant, env)
	}
	if err != nil {
		return Integration{}, fmt.Errorf("reading integration %s: %w", provider, err)
	}
	return r.info(), nil
}

// Integrations describes the integrations of environment env, or of every
// environment when env is "", sorted by provider, grant and environment.
func (s *Store) Integrations(ctx context.Context, env string) ([]Integration, error) {
	q, args := byEnvironment("SELECT "+integrationColumns+" FROM oauth_integrations", env, "provider_id, grant_type, environment")
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing integrations: %w", err)
	}
	defer rows.Close()
	var out []Integration
	for rows.Next() {
		r, err := scanIntegration(rows)
		if err != nil {
			return nil, fmt.Errorf("listing integrations: %w", err)
		}
		out = append(out, r.info())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing integrations: %w", err)
	}
	return out, nil
}

// updateIntegration reads the row (provider, grant, env) and its
// credentials in a write transaction, lets fn change them, and writes
// them back.
func (s *Store) updateIntegration(ctx context.Context, provider, grant, env string, fn func(r *integrationRow, c *credentials) error) error {
	defer s.forgetToken(provider, grant, env)
	return s.editRow(ctx, provider, grant, env, func(r *integrationRow, c *credentials, write func() error) error {
		if r == nil {
			return integrationNotFound(provider, grant, env)
		}
		if err := fn(r, c); err != nil {
			return err
		}
		return write()
	})
}

func writeIntegration(ctx context.Context, tx *sql.Tx, a cipher.AEAD, r *integrationRow, c credentials) error {
	blob, err := sealCredentials(a, r.provider, r.grant, r.env, c)
	if err != nil {
		return err
	}
	r.hasToken, r.hasRefresh = c.AccessToken != "", c.RefreshToken != ""
	_, err = tx.ExecContext(ctx, `UPDATE oauth_integrations SET credentials = ?, token_type = ?, expires_at = ?,
	has_token = ?, has_refresh = ?, reauth = ?, granted_scope = ?, refresh_owner = ?, refresh_until = ?, updated_at = ?
WHERE provider_id = ? AND grant_type = ? AND environment = ?`,
		blob, r.tokenType, r.expiresAt, r.hasToken, r.hasRefresh, r.reauth, r.grantedScope, r.leaseOwner, r.leaseUntil, now(),
		r.provider, r.grant, r.env)
	return err
}

// setToken puts tok in r and c; a token without a refresh token keeps
// the current one.
func setToken(r *integrationRow, c *credentials, tok *oauth2.Token) {
	c.AccessToken = tok.AccessToken
	if tok.RefreshToken != "" {
		c.RefreshToken = tok.RefreshToken
	}
	r.tokenType = tok.Type()
	r.expiresAt = sql.NullInt64{}
	if !tok.Expiry.IsZero() {
		r.expiresAt = sql.NullInt64{Int64: tok.Expiry.UnixMilli(), Valid: true}
	}
	if g := oauth.GrantedScope(tok); g != "" {
		r.grantedScope = g
	}
	r.reauth = false
}

// SaveIntegrationToken stores tok as the token of the integration
// (provider, grant) of environment env, which must be configured.
func (s *Store) SaveIntegrationToken(ctx context.Context, provider, grant, env string, tok *oauth2.Token) error {
	if tok == nil || tok.AccessToken == "" {
		return fmt.Errorf("integration %s: the provider returned no access token", provider)
	}
	err := s.updateIntegration(ctx, provider, grant, orDefault(env), func(r *integrationRow, c *credentials) error {
		r.grantedScope = ""
		setToken(r, c, tok)
		return nil
	})
	if err != nil {
		return fmt.Errorf("saving the token of integration %s: %w", provider, err)
	}
	return nil
}

// DisconnectIntegration clears the tokens, expiry and granted scope of
// the integration and keeps its configuration.
func (s *Store) DisconnectIntegration(ctx context.Context, provider, grant, env string) error {
	return s.updateIntegration(ctx, provider, grant, orDefault(env), func(r *integrationRow, c *credentials) error {
		c.AccessToken, c.RefreshToken = "", ""
		r.tokenType, r.expiresAt, r.grantedScope, r.reauth = "", sql.NullInt64{}, "", false
		return nil
	})
}

// DeleteIntegration removes the integration, configuration and tokens.
func (s *Store) DeleteIntegration(ctx context.Context, provider, grant, env string) error {
	env = orDefault(env)
	res, err := s.db.ExecContext(ctx, "DELETE FROM oauth_integrations WHERE provider_id = ? AND grant_type = ? AND environment = ?", provider, grant, env)
	s.forgetToken(provider, grant, env)
	if err != nil {
		return fmt.Errorf("deleting integration %s: %w", provider, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return integrationNotFound(provider, grant, env)
	}
	return nil
}

// oauthClient returns the token client of row r with credentials c.
func (s *Store) oauthClient(r *integrationRow, c credentials) (*oauth.Client, error) {
	p, err := r.provider_()
	if err != nil {
		return nil, fmt.Errorf("integration %s: %w", r.provider, err)
	}
	return &oauth.Client{Provider: p, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		Scopes: strings.Fields(r.scopes), HTTPClient: s.httpClient()}, nil
}

func (s *Store) readIntegration(ctx context.Context, provider, grant, env string) (*integrationRow, credentials, error) {
	r, err := queryIntegration(ctx, s.db, provider, grant, env)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credentials{}, integrationNotFound(provider, grant, env)
	}
	if err != nil {
		return nil, credentials{}, fmt.Errorf("reading integration %s: %w", provider, err)
	}
	c, err := s.openCredentials(s.cipher(), r)
	return r, c, err
}

// ConnectIntegration runs the authorization-code flow of the integration
// (provider, authorization_code) of environment env (see
// oauth.Authorize) and stores the tokens. opts.Port 0 means the
// integration's callback port.
func (s *Store) ConnectIntegration(ctx context.Context, provider, env string, opts oauth.AuthorizeOptions) (Integration, error) {
	env = orDefault(env)
	r, c, err := s.readIntegration(ctx, provider, oauth.AuthorizationCode, env)
	if err != nil {
		return Integration{}, err
	}
	client, err := s.oauthClient(r, c)
	if err != nil {
		return Integration{}, err
	}
	if opts.Port == 0 {
		opts.Port = r.info().CallbackPort
	}
	tok, err := oauth.Authorize(ctx, client, opts)
	if err != nil {
		return Integration{}, err
	}
	if err := s.SaveIntegrationToken(ctx, provider, oauth.AuthorizationCode, env, tok); err != nil {
		return Integration{}, err
	}
	return s.Integration(ctx, provider, oauth.AuthorizationCode, env)
}

// TestIntegration fetches a token for the client-credentials integration
// provider of environment env, stores it and describes the integration.
// The error is the provider's.
func (s *Store) TestIntegration(ctx context.Context, provider, env string) (Integration, error) {
	env = orDefault(env)
	r, c, err := s.readIntegration(ctx, provider, oauth.ClientCredentials, env)
	if err != nil {
		return Integration{}, err
	}
	client, err := s.oauthClient(r, c)
	if err != nil {
		return Integration{}, err
	}
	tok, err := client.ClientCredentialsToken(ctx)
	if err != nil {
		return Integration{}, err
	}
	if err := s.SaveIntegrationToken(ctx, provider, oauth.ClientCredentials, env, tok); err != nil {
		return Integration{}, err
	}
	return s.Integration(ctx, provider, oauth.ClientCredentials, env)
}

// ReauthError is a token that cannot be had without the user: the
// integration must be connected (authorization code) or configured
// (client credentials) again. Its text gives the command.
type ReauthError struct {
	ProviderID, GrantType, Environment string
	Err                                error // the provider's refusal, if any
}

func (e *ReauthError) Error() string {
	env := ""
	if e.Environment != DefaultEnvironment {
		env = " --env " + e.Environment
	}
	why := "its token expired and cannot be refreshed"
	if e.Err != nil {
		why = fmt.Sprintf("its token expired and the refresh failed: %v", e.Err)
	}
	if e.GrantType == oauth.ClientCredentials {
		return fmt.Sprintf("integration %s needs new client credentials: %s; fix them with: actuate integrations configure %s --grant-type client_credentials%s ..., then check with: actuate integrations test %s%s",
			e.ProviderID, why, e.ProviderID, env, e.ProviderID, env)
	}
	return fmt.Sprintf("integration %s needs to be connected again: %s; run: actuate integrations connect %s%s", e.ProviderID, why, e.ProviderID, env)
}

func (e *ReauthError) Unwrap() error { return e.Err }

// tokenResult is a token as Token hands it out.
type tokenResult struct {
	access string
	expiry time.Time // zero: does not expire
	found  bool
}

func (t tokenResult) fresh(margin time.Duration) bool {
	return t.expiry.IsZero() || time.Until(t.expiry) > margin
}

func tokenKey(provider, grant string) string { return provider + "\x00" + grant }

func (s *Store) cachedToken(key string) (tokenResult, bool) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	t, ok := s.oauth.cache[key]
	if !ok || t.found && !t.fresh(s.margin()) {
		return tokenResult{}, false
	}
	return t, true
}

func (s *Store) cacheToken(key string, t tokenResult) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	if s.oauth.cache == nil {
		s.oauth.cache = map[string]tokenResult{}
	}
	s.oauth.cache[key] = t
}

func (s *Store) forgetToken(provider, grant, env string) {
	if env != s.env {
		return
	}
	s.oauth.mu.Lock()
	delete(s.oauth.cache, tokenKey(provider, grant))
	s.oauth.mu.Unlock()
}

// Token returns an access token of the integration (providerID,
// grantType) in the store's environment that stays valid for at least the
// refresh margin, refreshing it first when needed (see the notes on
// integrations above); found is false when the integration has no token.
// It implements engine.SecretSource with [Store.Secret].
//
// When a refresh fails but the current token is still valid, Token
// returns it and logs a warning. When the token is expired and the
// provider refused the refresh, the integration becomes reauth_required
// and Token returns a [*ReauthError] naming the command that fixes it.
//
// A token valid for longer than the margin is served from memory; a
// disconnect by another process is seen once it would need a refresh.
func (s *Store) Token(ctx context.Context, providerID, grantType string) (string, bool, error) {
	key := tokenKey(providerID, grantType)
	if t, ok := s.cachedToken(key); ok {
		return t.access, t.found, nil
	}
	ch := s.oauth.group.DoChan(key, func() (any, error) {
		if t, ok := s.cachedToken(key); ok {
			return t, nil
		}
		// The flight outlives a caller that gives up: others wait on it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockWait+refreshTimeout)
		defer cancel()
		t, err := s.fetchToken(fctx, providerID, grantType)
		if err == nil {
			s.cacheToken(key, t)
		}
		return t, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", false, res.Err
		}
		t := res.Val.(tokenResult)
		return t.access, t.found, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}

// StoredToken returns the access token of the integration as stored,
// expired or not, without refreshing it: a dry run reads it so that it
// sends nothing, not even a token request. found is false when there is
// no integration, no token yet, or the integration must be connected
// again.
func (s *Store) StoredToken(ctx context.Context, providerID, grantType string) (token string, found bool, err error) {
	r, c, err := s.readIntegration(ctx, providerID, grantType, s.env)
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	if err != nil || r.reauth {
		return "", false, err
	}
	return c.AccessToken, c.AccessToken != "", nil
}

// fetchToken reads the integration and refreshes its token if needed.
func (s *Store) fetchToken(ctx context.Context, provider, grant string) (tokenResult, error) {
	r, c, err := s.readIntegration(ctx, provider, grant, s.env)
	if errors.Is(err, ErrNotFound) {
		return tokenResult{}, nil
	}
	if err != nil {
		return tokenResult{}, err
	}
	if r.reauth {
		return tokenResult{}, &ReauthError{ProviderID: provider, GrantType: grant, Environment: s.env}
	}
	cur := tokenResult{access: c.AccessToken, expiry: r.expiry(), found: c.AccessToken != ""}
	if cur.found && cur.fresh(s.margin()) {
		return cur, nil
	}
	if !cur.found && grant == oauth.AuthorizationCode {
		return tokenResult{}, nil // configured, never connected
	}
	return s.refreshToken(ctx, provider, grant)
}

// refreshToken refreshes the token, at most once across goroutines and
// processes. The row is the guard: in a short write transaction (BEGIN
// IMMEDIATE) Token reads it again and, if its token still needs a refresh
// and no other refresh is under way, writes a lease (refresh_owner,
// refresh_until) and commits. It then asks the provider without holding
// the file's lock, so other writers are not blocked by a slow provider,
// and writes the result in a second transaction that also ends the lease.
// A process that finds a live lease waits and reads the row again; a
// lease outlives the token request's timeout, so a crashed process holds
// up the others for refreshLease at most.
func (s *Store) refreshToken(ctx context.Context, provider, grant string) (tokenResult, error) {
	owner, err := randomOwner()
	if err != nil {
		return tokenResult{}, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		var out tokenResult
		var outErr error
		done, claimed := false, false
		var client *oauth.Client
		var refreshTok string
		var hadToken bool
		err := s.withRow(ctx, provider, grant, func(r *integrationRow, c *credentials, write func() error) error {
			if r == nil {
				done = true
				return nil
			}
			if r.reauth {
				done, outErr = true, &ReauthError{ProviderID: provider, GrantType: grant, Environment: s.env}
				return nil
			}
			cur := tokenResult{access: c.AccessToken, expiry: r.expiry(), found: c.AccessToken != ""}
			if cur.found && cur.fresh(s.margin()) {
				done, out = true, cur // refreshed meanwhile
				return nil
			}
			if r.leaseOwner != "" && time.Now().UnixMilli() < r.leaseUntil {
				return nil // another refresh is under way: wait for it
			}
			if grant == oauth.AuthorizationCode && c.RefreshToken == "" {
				done = true
				if cur.found && time.Now().Before(cur.expiry) {
					s.logger().Warn("OAuth token expires soon and there is no refresh token; using it", "provider", provider, "expires_at", cur.expiry)
					out = cur
					return nil
				}
				r.reauth = true
				outErr = &ReauthError{ProviderID: provider, GrantType: grant, Environment: s.env}
				return write()
			}
			cl, err := s.oauthClient(r, *c)
			if err != nil {
				return err
			}
			client, refreshTok, hadToken = cl, c.RefreshToken, r.hasToken
			claimed = true
			r.leaseOwner, r.leaseUntil = owner, time.Now().Add(refreshLease).UnixMilli()
			return write()
		})
		switch {
		case err != nil:
			return tokenResult{}, fmt.Errorf("refreshing the token of integration %s: %w", provider, err)
		case done:
			return out, outErr
		case claimed:
			return s.finishRefresh(ctx, provider, grant, owner, client, refreshTok, hadToken)
		case time.Now().After(deadline):
			return tokenResult{}, fmt.Errorf("integration %s: another actuate has been refreshing the token for more than %s", provider, lockWait)
		}
		select {
		case <-ctx.Done():
			return tokenResult{}, ctx.Err()
		case <-time.After(25*time.Millisecond + time.Duration(rand.Int64N(int64(75*time.Millisecond)))):
		}
	}
}

// refreshLease is how long a refresh may take before another process
// takes over; longer than refreshTimeout.
const refreshLease = refreshTimeout + 10*time.Second

// finishRefresh asks the provider for a new token and stores the outcome,
// ending the lease owner holds. refreshTok and hadToken are what the row
// held when the lease was taken.
func (s *Store) finishRefresh(ctx context.Context, provider, grant, owner string, client *oauth.Client, refreshTok string, hadToken bool) (tokenResult, error) {
	rctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	var tok *oauth2.Token
	var rerr error
	if grant == oauth.ClientCredentials {
		tok, rerr = client.ClientCredentialsToken(rctx)
	} else {
		tok, rerr = client.Refresh(rctx, refreshTok)
	}
	cancel()
	var out tokenResult
	var outErr error
	// Write even when the caller gave up: a rotated refresh token must
	// not be lost.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockWait)
	defer cancel()
	err := s.withRow(wctx, provider, grant, func(r *integrationRow, c *credentials, write func() error) error {
		if r == nil {
			return nil // deleted meanwhile
		}
		if r.leaseOwner == owner {
			r.leaseOwner, r.leaseUntil = "", 0
		}
		if r.hasToken != hadToken || grant == oauth.AuthorizationCode && c.RefreshToken != refreshTok {
			// Disconnected or connected again meanwhile: the row is
			// not this refresh's to change. (A client-credentials
			// integration without a token yet gets its first one.)
			if rerr == nil {
				out = tokenResult{access: tok.AccessToken, expiry: tok.Expiry, found: true}
			} else {
				outErr = rerr
			}
			return write()
		}
		cur := tokenResult{access: c.AccessToken, expiry: r.expiry(), found: c.AccessToken != ""}
		if rerr == nil {
			setToken(r, c, tok)
			out = tokenResult{access: c.AccessToken, expiry: r.expiry(), found: true}
			return write()
		}
		// The provider's own refusal (an OAuth error code) needs the
		// user; a transport error or 5xx may pass. Only invalid_grant
		// ends the refresh token: another refusal (invalid_client, a
		// rate limit) says nothing about it.
		var te *oauth.TokenError
		refused := errors.As(rerr, &te) && te.Code != "" && te.Status < 500
		if oauth.IsInvalidGrant(rerr) && grant == oauth.AuthorizationCode && c.RefreshToken == refreshTok {
			c.RefreshToken = ""
		}
		switch {
		case cur.found && time.Now().Before(cur.expiry):
			s.logger().Warn("OAuth token refresh failed; using the current token until it expires",
				"provider", provider, "grant", grant, "expires_at", cur.expiry, "error", rerr.Error())
			out = cur
		case !refused:
			outErr = fmt.Errorf("integration %s: the token expired and refreshing it failed: %w", provider, rerr)
		default:
			outErr = &ReauthError{ProviderID: provider, GrantType: grant, Environment: s.env, Err: rerr}
			if grant == oauth.AuthorizationCode {
				r.reauth = true
			}
		}
		return write()
	})
	if err != nil {
		return tokenResult{}, fmt.Errorf("saving the token of integration %s: %w", provider, err)
	}
	return out, outErr
}

// rowFunc works on an integration's row and credentials, nil when there
// is no such row; write saves them as it left them.
type rowFunc func(r *integrationRow, c *credentials, write func() error) error

// editRow runs fn on the row (provider, grant, env) in a write
// transaction.
func (s *Store) editRow(ctx context.Context, provider, grant, env string, fn rowFunc) error {
	return s.writeSecrets(ctx, func(tx *sql.Tx, a cipher.AEAD) error {
		r, err := queryIntegration(ctx, tx, provider, grant, env)
		if errors.Is(err, sql.ErrNoRows) {
			return fn(nil, nil, nil)
		}
		if err != nil {
			return err
		}
		c, err := s.openCredentials(a, r)
		if err != nil {
			return err
		}
		return fn(r, &c, func() error { return writeIntegration(ctx, tx, a, r, c) })
	})
}

// withRow runs fn on the row (provider, grant) of the store's environment
// as editRow does, retrying while the file is busy.
func (s *Store) withRow(ctx context.Context, provider, grant string, fn rowFunc) error {
	start := time.Now()
	for {
		err := s.editRow(ctx, provider, grant, s.env, fn)
		if err == nil || !isBusy(err) || time.Since(start) > lockWait {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == 5 // SQLITE_BUSY
}

func randomOwner() (string, error) {
	b := make([]byte, 12)
	if _, err := crand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// reencryptIntegrations re-seals every integration's credentials with
// newAEAD, inside the key rotation's transaction.
func (s *Store) reencryptIntegrations(ctx context.Context, tx *sql.Tx, newAEAD cipher.AEAD) error {
	rows, err := tx.QueryContext(ctx, "SELECT "+integrationColumns+" FROM oauth_integrations")
	if err != nil {
		return fmt.Errorf("rotating the key: %w", err)
	}
	var all []*integrationRow
	for rows.Next() {
		r, err := scanIntegration(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("rotating the key: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rotating the key: %w", err)
	}
	for _, r := range all {
		ad := integrationAD(r.provider, r.grant, r.env)
		plain, err := open(s.aead, r.blob, ad)
		if err != nil {
			return fmt.Errorf("rotating the key: integration %s (%s, environment %s) cannot be decrypted: it was written with another key or is damaged", r.provider, r.grant, r.env)
		}
		blob, err := seal(newAEAD, plain, ad)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE oauth_integrations SET credentials = ? WHERE provider_id = ? AND grant_type = ? AND environment = ?",
			blob, r.provider, r.grant, r.env); err != nil {
			return fmt.Errorf("rotating the key: %w", err)
		}
	}
	return nil
}
