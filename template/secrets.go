package template

import (
	"fmt"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// SecretKind tells a static secret from an OAuth token.
type SecretKind int

const (
	// CustomSecret is a named set of static keys stored by the user.
	CustomSecret SecretKind = iota
	// OAuthSecret is the access token of an OAuth integration.
	OAuthSecret
)

// Grant types of OAuth secrets.
const (
	AuthorizationCode = "authorization_code"
	ClientCredentials = "client_credentials"
)

// Secret is one entry of a template's `secrets` list.
type Secret struct {
	Kind SecretKind

	// For a CustomSecret: its name, required and optional keys, and the
	// structured type (custom, ssh_key, mtls or ca_cert).
	Name         string
	Keys         []string
	OptionalKeys []string
	SecretType   string

	// For an OAuthSecret: the provider and grant type.
	ProviderID string
	GrantType  string

	// Optional means the secret may be absent; expressions reading it then
	// evaluate to None.
	Optional bool

	Pos Pos
}

// SecretName returns the name expressions use: the custom name, or
// "<provider_id>_oauth" for an OAuth secret.
func (s *Secret) SecretName() string {
	if s.Kind == OAuthSecret {
		return s.ProviderID + "_oauth"
	}
	return s.Name
}

// TokenKey returns the key under which an OAuth secret exposes its access
// token: "<PROVIDER_ID>_USER_TOKEN" for the authorization-code grant,
// "<PROVIDER_ID>_SERVICE_TOKEN" for client credentials. It is "" for a
// custom secret.
func (s *Secret) TokenKey() string {
	if s.Kind != OAuthSecret {
		return ""
	}
	suffix := "_USER_TOKEN"
	if s.GrantType == ClientCredentials {
		suffix = "_SERVICE_TOKEN"
	}
	return strings.ToUpper(s.ProviderID) + suffix
}

// AllKeys returns the keys a secret may hold: required keys then optional
// ones, or the token key of an OAuth secret.
func (s *Secret) AllKeys() []string {
	if s.Kind == OAuthSecret {
		return []string{s.TokenKey()}
	}
	return append(append([]string(nil), s.Keys...), s.OptionalKeys...)
}

// structuredKeys are the fixed keys of the structured secret types.
var structuredKeys = map[string][]string{
	"ssh_key": {"PRIVATE_KEY"},
	"mtls":    {"TLS_CERTIFICATE", "TLS_PRIVATE_KEY"},
	"ca_cert": {"CA_CERTIFICATE"},
}

// secretTypes are the values secret_type accepts.
var secretTypes = []string{"custom", "ssh_key", "mtls", "ca_cert"}

var (
	customSecretKeys = []string{"type", "name", "keys", "optional_keys", "optional", "secret_type", "description"}
	oauthSecretKeys  = []string{"type", "provider_id", "grant_type", "optional", "description"}
)

func (l *loader) secrets(y *yaml.Node) []*Secret {
	if y.Kind == yaml.ScalarNode && y.ShortTag() == "!!null" {
		return nil
	}
	if y.Kind != yaml.SequenceNode {
		l.errorf(y, "secrets must be a list of secret declarations, not %s", describeScalar(y))
		return nil
	}
	var out []*Secret
	names := map[string]*Secret{}
	for _, it := range y.Content {
		it = deref(it)
		s := l.secret(it)
		if s == nil {
			continue
		}
		id := s.SecretName()
		if s.Kind == OAuthSecret {
			id += "/" + s.GrantType
		}
		if prev, dup := names[id]; dup {
			if s.Kind == OAuthSecret {
				l.errorf(it, "OAuth provider %q with grant %s is declared twice (first at line %d)", s.ProviderID, s.GrantType, prev.Pos.Line)
			} else {
				l.errorf(it, "secret %q is declared twice (first at line %d)", s.Name, prev.Pos.Line)
			}
			continue
		}
		names[id] = s
		out = append(out, s)
	}
	for _, s := range out {
		if s.Kind != CustomSecret {
			continue
		}
		for _, o := range out {
			if o.Kind == OAuthSecret && o.SecretName() == s.Name {
				l.at(s.Pos, Error, "custom secret %q has the name of OAuth provider %q's token; rename it", s.Name, o.ProviderID)
				break
			}
		}
	}
	return out
}

func (l *loader) secret(y *yaml.Node) *Secret {
	if y.Kind != yaml.MappingNode {
		l.errorf(y, "a secret declaration must be a mapping (name and keys, or type: oauth with provider_id and grant_type), not %s", describeScalar(y))
		return nil
	}
	kind := ""
	var hasKeys, hasProvider bool
	var name string
	var typ *yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		v := deref(y.Content[i+1])
		switch deref(y.Content[i]).Value {
		case "type":
			typ, kind = v, v.Value
		case "keys", "optional_keys":
			hasKeys = true
		case "provider_id":
			hasProvider = true
		case "name":
			name = v.Value
		}
	}
	if typ != nil && (typ.Kind != yaml.ScalarNode || typ.ShortTag() != "!!str") {
		l.errorf(typ, "secret type must be \"custom\" or \"oauth\", not %s", describeScalar(typ))
		return nil
	}
	switch {
	case kind == "oauth":
		return l.oauthSecret(y)
	case kind == "" && hasProvider && !hasKeys:
		l.errorf(y, "a secret declaration with provider_id is an OAuth secret and needs type: oauth")
		return l.oauthSecret(y)
	case kind == "" && !hasKeys && strings.HasSuffix(name, "_oauth"):
		// Legacy form: a name ending in _oauth is an authorization-code
		// integration.
		f := l.fields(y, "secret declaration", []string{"name", "optional", "description"})
		s := &Secret{Kind: OAuthSecret, ProviderID: strings.TrimSuffix(name, "_oauth"), GrantType: AuthorizationCode, Pos: posOf(y)}
		if e, ok := f["optional"]; ok {
			s.Optional = l.boolean(e.val, "optional")
		}
		if !namePattern.MatchString(s.ProviderID) {
			l.errorf(f["name"].val, "OAuth provider id %q must use only lowercase letters, digits and underscores", s.ProviderID)
		}
		return s
	case kind == "" || kind == "custom":
		return l.customSecret(y)
	}
	l.errorf(typ, "secret type must be \"custom\" or \"oauth\", got %q", kind)
	return nil
}

func (l *loader) customSecret(y *yaml.Node) *Secret {
	f := l.fields(y, "secret declaration", customSecretKeys)
	s := &Secret{Kind: CustomSecret, SecretType: "custom", Pos: posOf(y)}
	e, ok := f["name"]
	if !ok {
		l.errorf(y, "secret declaration is missing required key \"name\"")
		return nil
	}
	if name, ok := l.str(e.val, "secret name"); ok {
		s.Name = name
		switch {
		case !namePattern.MatchString(name):
			l.errorf(e.val, "secret name %q must use only lowercase letters, digits and underscores", name)
		case strings.HasSuffix(name, "_oauth"):
			l.errorf(e.val, "secret name %q ends in _oauth, which is kept for OAuth tokens; for an OAuth integration write type: oauth, provider_id: %s, grant_type: authorization_code", name, strings.TrimSuffix(name, "_oauth"))
		}
	}
	if e, ok := f["secret_type"]; ok {
		if st, ok := l.str(e.val, "secret_type"); ok {
			if !slices.Contains(secretTypes, st) {
				l.errorf(e.val, "secret_type must be one of custom, ssh_key, mtls, ca_cert; got %q", st)
			} else {
				s.SecretType = st
			}
		}
	}
	if e, ok := f["keys"]; ok {
		s.Keys = l.secretKeys(e.val, "keys")
	}
	if e, ok := f["optional_keys"]; ok {
		s.OptionalKeys = l.secretKeys(e.val, "optional_keys")
	}
	if e, ok := f["optional"]; ok {
		s.Optional = l.boolean(e.val, "optional")
	}
	if fixed := structuredKeys[s.SecretType]; fixed != nil {
		if len(s.OptionalKeys) > 0 {
			l.errorf(f["optional_keys"].key, "secret_type %s has the fixed keys %s and no optional_keys", s.SecretType, strings.Join(fixed, ", "))
		}
		if _, given := f["keys"]; given && !equalStrings(s.Keys, fixed) {
			l.errorf(f["keys"].val, "secret_type %s has the fixed keys %s", s.SecretType, strings.Join(fixed, ", "))
		}
		s.Keys = fixed
	} else if _, k := f["keys"]; !k {
		if _, ok := f["optional_keys"]; !ok {
			l.errorf(y, "secret %q declares no keys; list them with keys: [...] or optional_keys: [...]", s.Name)
		}
	}
	seen := map[string]bool{}
	for _, k := range s.AllKeys() {
		if seen[k] {
			l.errorf(y, "secret %q lists key %q twice", s.Name, k)
		}
		seen[k] = true
	}
	return s
}

func (l *loader) secretKeys(y *yaml.Node, field string) []string {
	keys, ok := l.stringList(y, field)
	if !ok {
		return keys
	}
	for i, k := range keys {
		if !keyPattern.MatchString(k) {
			l.errorf(deref(y.Content[i]), "secret key %q must use only letters, digits and underscores", k)
		}
	}
	return keys
}

func (l *loader) oauthSecret(y *yaml.Node) *Secret {
	f := l.fields(y, "OAuth secret declaration", oauthSecretKeys)
	s := &Secret{Kind: OAuthSecret, Pos: posOf(y)}
	l.required(f, y, "OAuth secret declaration", "provider_id", "grant_type")
	if e, ok := f["provider_id"]; ok {
		if id, ok := l.str(e.val, "provider_id"); ok {
			s.ProviderID = id
			if !namePattern.MatchString(id) {
				l.errorf(e.val, "provider_id %q must use only lowercase letters, digits and underscores", id)
			}
		}
	}
	if e, ok := f["grant_type"]; ok {
		if g, ok := l.str(e.val, "grant_type"); ok {
			if g != AuthorizationCode && g != ClientCredentials {
				l.errorf(e.val, "grant_type must be %s or %s, got %q", AuthorizationCode, ClientCredentials, g)
			} else {
				s.GrantType = g
			}
		}
	}
	if e, ok := f["optional"]; ok {
		s.Optional = l.boolean(e.val, "optional")
	}
	if s.ProviderID == "" || s.GrantType == "" {
		return nil
	}
	return s
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String describes the declaration for listings: "okta (OKTA_API_TOKEN)" or
// "github_oauth (GITHUB_USER_TOKEN, authorization_code)".
func (s *Secret) String() string {
	var b strings.Builder
	b.WriteString(s.SecretName())
	if s.Kind == OAuthSecret {
		fmt.Fprintf(&b, " (%s, OAuth %s)", s.TokenKey(), s.GrantType)
	} else {
		keys := append([]string(nil), s.Keys...)
		for _, k := range s.OptionalKeys {
			keys = append(keys, k+"?")
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(keys, ", "))
	}
	if s.Optional {
		b.WriteString(", optional")
	}
	return b.String()
}
