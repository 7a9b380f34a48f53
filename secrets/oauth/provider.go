// Package oauth holds actuate's OAuth provider catalog and flows: the
// built-in providers of Tracecat (ids, grant types, endpoints, base scopes
// and quirks), endpoint overrides and custom providers, the scope and
// endpoint rules, the authorization-code flow with PKCE and a loopback
// callback ([Authorize]), and the token requests ([Exchange],
// [ClientCredentialsToken], [Refresh]).
//
// It does not store anything: package secrets keeps integrations and
// their tokens, encrypted, and calls this package for the flows. Errors
// name the provider, never a token or client secret.
package oauth

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// Grant types.
const (
	AuthorizationCode = "authorization_code"
	ClientCredentials = "client_credentials"
)

// ValidGrantType reports whether g is one of the two grant types.
func ValidGrantType(g string) error {
	if g != AuthorizationCode && g != ClientCredentials {
		return fmt.Errorf("unknown grant type %q: use %s or %s", g, AuthorizationCode, ClientCredentials)
	}
	return nil
}

// Provider is an OAuth provider for one grant type: its endpoints, the
// scopes every integration needs and how to talk to it. A built-in
// provider's endpoints may hold placeholders ({tenant}, {instance}) that
// an override replaces (see [Provider.WithEndpoints]).
type Provider struct {
	ID        string
	Name      string
	GrantType string

	AuthorizationEndpoint string // "" for client credentials
	TokenEndpoint         string

	// BaseScopes are always requested; users add scopes, never remove
	// these.
	BaseScopes []string

	// PKCE sends an S256 code challenge in the authorization-code flow.
	// actuate uses PKCE with every provider; this records the providers
	// that require it.
	PKCE bool
	// AuthParams are extra authorization URL parameters
	// (Google: access_type=offline, prompt=consent).
	AuthParams map[string]string
	// UserScopeParam, when set, is the parameter the scopes go in
	// instead of "scope" (Slack: user_scope), and the token is read
	// from the response's authed_user object.
	UserScopeParam string
	// AuthStyle is how the client authenticates at the token endpoint:
	// HTTP basic (client_secret_basic) unless the provider wants the
	// credentials in the form (client_secret_post, Jamf).
	AuthStyle oauth2.AuthStyle
	// StripGUIDDashes removes the dashes of GUID-shaped client ids and
	// of GUIDs in endpoint URLs (Microsoft, as Tracecat does).
	StripGUIDDashes bool
	// Custom is set for a provider defined by its configuration alone.
	Custom bool
}

const (
	msAuth     = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"
	msToken    = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
	googleAuth = "https://accounts.google.com/o/oauth2/v2/auth"
	googleTok  = "https://oauth2.googleapis.com/token"
	googleAPI  = "https://www.googleapis.com/auth/"
	graph      = "https://graph.microsoft.com/"
)

func prefixed(prefix string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

var googleOffline = map[string]string{"access_type": "offline", "prompt": "consent"}

// microsoft returns the AC and CC providers of a Microsoft API.
func microsoft(id, name string, ac, cc []string) []Provider {
	return []Provider{
		{ID: id, Name: name, GrantType: AuthorizationCode, AuthorizationEndpoint: msAuth, TokenEndpoint: msToken,
			BaseScopes: ac, StripGUIDDashes: true},
		{ID: id, Name: name, GrantType: ClientCredentials, TokenEndpoint: msToken,
			BaseScopes: cc, StripGUIDDashes: true},
	}
}

// builtins is the catalog of Tracecat's built-in providers (spec 7.2),
// without the MCP ones.
var builtins = slices.Concat(
	[]Provider{
		{ID: "github", Name: "GitHub", GrantType: AuthorizationCode,
			AuthorizationEndpoint: "https://github.com/login/oauth/authorize",
			TokenEndpoint:         "https://github.com/login/oauth/access_token",
			BaseScopes:            []string{"repo"}},
		{ID: "slack", Name: "Slack", GrantType: AuthorizationCode,
			AuthorizationEndpoint: "https://slack.com/oauth/v2/authorize",
			TokenEndpoint:         "https://slack.com/api/oauth.v2.access",
			BaseScopes:            []string{"search:read"}, UserScopeParam: "user_scope"},
		{ID: "google_drive", Name: "Google Drive", GrantType: AuthorizationCode,
			AuthorizationEndpoint: googleAuth, TokenEndpoint: googleTok, PKCE: true, AuthParams: googleOffline,
			BaseScopes: prefixed(googleAPI, "drive.file", "drive.metadata", "drive.readonly", "drive")},
		{ID: "google_gmail", Name: "Gmail", GrantType: AuthorizationCode,
			AuthorizationEndpoint: googleAuth, TokenEndpoint: googleTok, PKCE: true, AuthParams: googleOffline,
			BaseScopes: prefixed(googleAPI, "gmail.labels", "gmail.metadata", "gmail.modify", "gmail.readonly")},
		{ID: "google", Name: "Google Cloud (service account)", GrantType: ClientCredentials, TokenEndpoint: googleTok,
			BaseScopes: []string{googleAPI + "cloud-platform"}},
		{ID: "google_docs", Name: "Google Docs (service account)", GrantType: ClientCredentials, TokenEndpoint: googleTok,
			BaseScopes: prefixed(googleAPI, "documents", "documents.readonly")},
		{ID: "google_sheets", Name: "Google Sheets (service account)", GrantType: ClientCredentials, TokenEndpoint: googleTok,
			BaseScopes: prefixed(googleAPI, "spreadsheets", "spreadsheets.readonly")},
		{ID: "jamf", Name: "Jamf Pro", GrantType: ClientCredentials,
			TokenEndpoint: "https://{instance}.jamfcloud.com/api/v1/oauth/token", AuthStyle: oauth2.AuthStyleInParams},
		{ID: "servicenow", Name: "ServiceNow", GrantType: ClientCredentials,
			TokenEndpoint: "https://{instance}.service-now.com/oauth_token.do"},
	},
	microsoft("azure_management", "Azure Resource Manager",
		[]string{"offline_access", "https://management.azure.com/user_impersonation"},
		[]string{"https://management.azure.com/.default"}),
	microsoft("microsoft_sentinel", "Microsoft Sentinel",
		[]string{"offline_access", "https://management.azure.com/user_impersonation"},
		[]string{"https://management.azure.com/.default"}),
	microsoft("azure_log_analytics", "Azure Log Analytics",
		[]string{"offline_access", "https://api.loganalytics.io/user_impersonation"},
		[]string{"https://api.loganalytics.io/.default"}),
	microsoft("microsoft_defender_endpoint", "Microsoft Defender for Endpoint",
		[]string{"offline_access", "https://api.securitycenter.microsoft.com/.default"},
		[]string{"https://api.securitycenter.microsoft.com/.default"}),
	microsoft("microsoft_defender_xdr", "Microsoft Defender XDR",
		[]string{"offline_access", "https://api.security.microsoft.com/.default"},
		[]string{"https://api.security.microsoft.com/.default"}),
	microsoft("microsoft_graph", "Microsoft Graph",
		[]string{"offline_access", graph + "User.Read"},
		[]string{graph + ".default"}),
	microsoft("microsoft_entra", "Microsoft Entra ID",
		[]string{"offline_access", graph + "User.ReadWrite.All", graph + "Group.ReadWrite.All", graph + "Directory.ReadWrite.All"},
		[]string{graph + ".default"}),
	microsoft("microsoft_teams", "Microsoft Teams",
		[]string{"offline_access", graph + "User.Read", graph + "ChatMessage.Read", graph + "ChatMessage.Send"},
		[]string{graph + ".default"}),
)

// builtins is sorted once, by id, then grant type: the order of Builtins.
func init() {
	slices.SortStableFunc(builtins, func(a, b Provider) int {
		return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare(a.GrantType, b.GrantType))
	})
}

// Builtins returns the built-in providers sorted by id, then grant type.
// The slices they hold must not be modified.
func Builtins() []Provider { return slices.Clone(builtins) }

// Builtin returns the built-in provider id for grantType.
func Builtin(id, grantType string) (Provider, bool) {
	for _, p := range builtins {
		if p.ID == id && p.GrantType == grantType {
			return p, true
		}
	}
	return Provider{}, false
}

// GrantTypes returns the grant types of the built-in provider id, or nil.
func GrantTypes(id string) []string {
	var out []string
	for _, p := range builtins {
		if p.ID == id {
			out = append(out, p.GrantType)
		}
	}
	return out
}

// CustomPrefix starts the id of every custom provider.
const CustomPrefix = "custom_"

var customID = regexp.MustCompile(`^custom_[a-z0-9_]{1,90}$`)

// Lookup returns the provider id for grantType with the endpoint
// overrides authEndpoint and tokenEndpoint ("" keeps the default): a
// built-in provider, or a custom one (id custom_<name>), which needs both
// endpoints (the token endpoint alone for client credentials). The
// endpoints must be valid (see [ValidEndpoint]) with every placeholder
// replaced.
func Lookup(id, grantType, authEndpoint, tokenEndpoint string) (Provider, error) {
	if err := ValidGrantType(grantType); err != nil {
		return Provider{}, err
	}
	p, ok := Builtin(id, grantType)
	if !ok {
		switch {
		case GrantTypes(id) != nil:
			return Provider{}, fmt.Errorf("provider %s does not support the %s grant; use %s", id, grantType, strings.Join(GrantTypes(id), " or "))
		case strings.HasPrefix(id, CustomPrefix+"mcp_"):
			return Provider{}, fmt.Errorf("provider id %s: ids starting with custom_mcp_ are reserved", id)
		case !customID.MatchString(id):
			return Provider{}, fmt.Errorf("unknown provider %q: use a built-in provider (actuate integrations list) or a custom one named custom_<name> (lowercase letters, digits, underscores)", id)
		}
		p = Provider{ID: id, Name: id, GrantType: grantType, Custom: true}
		if tokenEndpoint == "" || grantType == AuthorizationCode && authEndpoint == "" {
			need := "--token-endpoint"
			if grantType == AuthorizationCode {
				need = "--authorization-endpoint and --token-endpoint"
			}
			return Provider{}, fmt.Errorf("custom provider %s: give its endpoints (%s)", id, need)
		}
	}
	return p.WithEndpoints(authEndpoint, tokenEndpoint)
}

// WithEndpoints returns p with the endpoints overridden ("" keeps p's),
// checked by [ValidEndpoint]. A placeholder left in an endpoint is an
// error that says which flag replaces it.
func (p Provider) WithEndpoints(authEndpoint, tokenEndpoint string) (Provider, error) {
	if authEndpoint != "" {
		if p.GrantType == ClientCredentials {
			return Provider{}, fmt.Errorf("provider %s: the client_credentials grant has no authorization endpoint", p.ID)
		}
		p.AuthorizationEndpoint = authEndpoint
	}
	if tokenEndpoint != "" {
		p.TokenEndpoint = tokenEndpoint
	}
	for _, e := range []struct{ url, flag string }{
		{p.AuthorizationEndpoint, "--authorization-endpoint"},
		{p.TokenEndpoint, "--token-endpoint"},
	} {
		if e.url == "" {
			continue
		}
		if m := placeholder.FindString(e.url); m != "" {
			return Provider{}, fmt.Errorf("provider %s: the endpoint %s has the placeholder %s; give the endpoint with %s", p.ID, redact(e.url), m, e.flag)
		}
		if err := ValidEndpoint(e.url); err != nil {
			return Provider{}, fmt.Errorf("provider %s: %w", p.ID, err)
		}
	}
	if p.StripGUIDDashes {
		p.AuthorizationEndpoint = stripGUIDs(p.AuthorizationEndpoint)
		p.TokenEndpoint = stripGUIDs(p.TokenEndpoint)
	}
	return p, nil
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// ValidEndpoint reports whether u may be an OAuth endpoint: an absolute
// https URL with a host, without user info or fragment; http is accepted
// on loopback hosts only (127.0.0.1, ::1, localhost), for local and test
// providers. Its errors hide the user info, which may hold a secret.
func ValidEndpoint(u string) error {
	p, err := url.Parse(u)
	if err != nil || p.Hostname() == "" || p.Opaque != "" {
		return fmt.Errorf("endpoint %q is not an absolute URL", redact(u))
	}
	if p.User != nil || p.Fragment != "" {
		return fmt.Errorf("endpoint %q: an endpoint may not hold user info or a fragment", redact(u))
	}
	switch p.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(p.Hostname()) {
			return nil
		}
		return fmt.Errorf("endpoint %q must use https (http only on 127.0.0.1, ::1 or localhost)", redact(u))
	}
	return fmt.Errorf("endpoint %q must use https", redact(u))
}

// redact returns the URL u with its user info, which may hold a password
// or a token, replaced by xxxxx: everything after the scheme up to the
// last "@", since a secret may hold "/", "?", "#" or ":" and the URL may
// not even parse. Masking too much is safe.
func redact(u string) string {
	start := 0
	if i := strings.Index(u, "://"); i >= 0 {
		start = i + 3
	}
	at := strings.LastIndexByte(u[start:], '@')
	if at < 0 {
		return u
	}
	return u[:start] + "xxxxx" + u[start+at:]
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var guid = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func stripGUIDs(s string) string {
	return guid.ReplaceAllStringFunc(s, func(g string) string { return strings.ReplaceAll(g, "-", "") })
}

// ClientID returns the client id as the provider takes it: Microsoft
// providers strip the dashes of a GUID-shaped id.
func (p Provider) ClientID(id string) string {
	id = strings.TrimSpace(id)
	if p.StripGUIDDashes && guid.MatchString(id) && len(id) == 36 {
		return strings.ReplaceAll(id, "-", "")
	}
	return id
}

// Scopes returns the scopes to request: p's base scopes, then the
// additional ones, trimmed, without empties and duplicates.
func (p Provider) Scopes(additional []string) []string {
	var out []string
	for _, s := range slices.Concat(p.BaseScopes, additional) {
		for _, f := range strings.Fields(s) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// AdditionalScopes returns the scopes of scopes that are not base scopes
// of p, in order, without duplicates: what an integration stores.
func (p Provider) AdditionalScopes(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		for _, f := range strings.Fields(s) {
			if !slices.Contains(p.BaseScopes, f) && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}
