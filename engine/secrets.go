package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// SecretSource supplies secret values to runs. Implementations must be safe
// for concurrent use.
type SecretSource interface {
	// Secret returns the keys of the custom secret called name; found is
	// false when there is no such secret.
	Secret(ctx context.Context, name string) (keys map[string]string, found bool, err error)
	// Token returns a valid access token of the OAuth integration
	// (providerID, grantType), refreshing it first if it is about to
	// expire; found is false when there is no token.
	Token(ctx context.Context, providerID, grantType string) (token string, found bool, err error)
}

// StoredTokens is implemented by secret sources whose Token may refresh a
// token over the network: StoredToken gives the token as stored, without
// refreshing it. Dry runs ask it instead of Token, so that they send
// nothing.
type StoredTokens interface {
	StoredToken(ctx context.Context, providerID, grantType string) (token string, found bool, err error)
}

// StaticSecrets is a [SecretSource] of fixed values, name → key → value, as
// given by --secret flags or a secrets file. An OAuth token is looked up
// under its secret name and token key (github_oauth.GITHUB_USER_TOKEN).
type StaticSecrets map[string]map[string]string

// Secret implements [SecretSource].
func (s StaticSecrets) Secret(_ context.Context, name string) (map[string]string, bool, error) {
	keys, ok := s[name]
	return keys, ok, nil
}

// Token implements [SecretSource].
func (s StaticSecrets) Token(_ context.Context, providerID, grantType string) (string, bool, error) {
	d := &template.Secret{Kind: template.OAuthSecret, ProviderID: providerID, GrantType: grantType}
	tok, ok := s[d.SecretName()][d.TokenKey()]
	return tok, ok, nil
}

// Layered is a [SecretSource] that asks each source in turn; the first that
// has the secret wins (flags before the store, for example).
type Layered []SecretSource

// Secret implements [SecretSource].
func (l Layered) Secret(ctx context.Context, name string) (map[string]string, bool, error) {
	for _, s := range l {
		keys, ok, err := s.Secret(ctx, name)
		if err != nil || ok {
			return keys, ok, err
		}
	}
	return nil, false, nil
}

// Token implements [SecretSource].
func (l Layered) Token(ctx context.Context, providerID, grantType string) (string, bool, error) {
	for _, s := range l {
		tok, ok, err := s.Token(ctx, providerID, grantType)
		if err != nil || ok {
			return tok, ok, err
		}
	}
	return "", false, nil
}

// StoredToken implements [StoredTokens]: each source in turn, by its
// StoredToken when it has one, else by Token.
func (l Layered) StoredToken(ctx context.Context, providerID, grantType string) (string, bool, error) {
	for _, s := range l {
		tok, ok, err := storedToken(ctx, s, providerID, grantType)
		if err != nil || ok {
			return tok, ok, err
		}
	}
	return "", false, nil
}

// storedToken asks src for a token without a refresh when it can.
func storedToken(ctx context.Context, src SecretSource, providerID, grantType string) (string, bool, error) {
	if st, ok := src.(StoredTokens); ok {
		return st.StoredToken(ctx, providerID, grantType)
	}
	return src.Token(ctx, providerID, grantType)
}

// MissingSecretsError lists every required secret a run lacks. It is
// returned before the first step runs.
type MissingSecretsError struct {
	Action  string
	Missing []MissingSecret
}

// MissingSecret is one secret, or one key of a secret, that is not set.
type MissingSecret struct {
	Name string // secret name, e.g. okta or github_oauth
	Key  string // the missing key; "" when the whole secret is missing
	// ProviderID and GrantType are set for an OAuth token.
	ProviderID, GrantType string
}

// Error describes the failure; the text is shown to users.
func (e *MissingSecretsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "missing secrets for %s:", e.Action)
	for _, m := range e.Missing {
		switch {
		case m.ProviderID != "":
			fmt.Fprintf(&b, "\n  %s.%s: no OAuth token for provider %s (%s)", m.Name, m.Key, m.ProviderID, m.GrantType)
		case m.Key != "":
			fmt.Fprintf(&b, "\n  %s.%s: key not set", m.Name, m.Key)
		default:
			fmt.Fprintf(&b, "\n  %s: secret not found", m.Name)
		}
	}
	return b.String()
}

// declarations gathers the secrets a template may read: its own, those of
// every action its steps call, recursively through nested templates. Two
// declarations of the same secret merge; a secret is optional only if every
// declaration says so. Templates declare a handful of secrets, so slices
// beat maps here.
func (e *engine) declarations(t *template.Template) []*template.Secret {
	out, _ := e.appendDeclarations(nil, t)
	return out
}

// appendDeclarations appends the declarations of t to out, which callers
// may give room on their stack: a run walks them at each start. The walk
// is depth first, a nested template's declarations coming at the place of
// the step calling it, each template once. It also returns the secret
// aliases of every template walked (the seed's short OAuth names), those
// met first winning; the map must not be changed.
func (e *engine) appendDeclarations(out []*template.Secret, t *template.Template) ([]*template.Secret, map[string]string) {
	type frame struct {
		t    *template.Template
		next int // the next step to look at
	}
	var seenBuf [8]*template.Template
	var stackBuf [8]frame
	seen, stack := seenBuf[:0], stackBuf[:0]
	var aliases map[string]string
	enter := func(t *template.Template) {
		if slices.Contains(seen, t) {
			return
		}
		seen = append(seen, t)
		for _, s := range t.Secrets {
			out = addDeclaration(out, s)
		}
		if len(t.SecretAliases) > 0 {
			if aliases == nil {
				aliases = t.SecretAliases
			} else {
				merged := maps.Clone(t.SecretAliases)
				maps.Copy(merged, aliases)
				aliases = merged
			}
		}
		stack = append(stack, frame{t: t})
	}
	enter(t)
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next == len(f.t.Steps) {
			stack = stack[:len(stack)-1]
			continue
		}
		s := f.t.Steps[f.next]
		f.next++
		if child, ok := e.lookupTemplate(s.Action); ok {
			enter(child)
		} else if a, ok := e.actions.Lookup(s.Action); ok {
			for _, s := range a.Spec().Secrets {
				out = addDeclaration(out, s)
			}
		}
	}
	return out, aliases
}

// addDeclaration adds s to out, merging it with an earlier declaration of
// the same secret: a secret is optional only if every declaration says so.
func addDeclaration(out []*template.Secret, s *template.Secret) []*template.Secret {
	for i, prev := range out {
		if prev.SecretName() != s.SecretName() || prev.Kind != s.Kind || prev.GrantType != s.GrantType {
			continue
		}
		if prev.Optional == s.Optional && len(s.Keys) == 0 && len(s.OptionalKeys) == 0 {
			return out
		}
		c := *prev
		c.Optional = prev.Optional && s.Optional
		c.Keys = union(prev.Keys, s.Keys)
		c.OptionalKeys = union(prev.OptionalKeys, s.OptionalKeys)
		out[i] = &c
		return out
	}
	return append(out, s)
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		found := false
		for _, x := range out {
			if x == s {
				found = true
				break
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

// secretSet is the SECRETS context of one run and what actions read
// through [actions.Secrets].
type secretSet struct {
	m       *value.Map // name → *value.Map of key → string
	oauth   []*template.Secret
	aliases map[string]string
	source  SecretSource
	red     *Redactor
	// dryRun reads tokens as stored, without refreshing them.
	dryRun bool
	// placeholders are the missing secrets a dry run stands in for.
	placeholders []MissingSecret
}

// Get implements actions.Secrets.
func (s *secretSet) Get(name, key string) (string, bool) {
	v, ok := s.m.Get(name)
	if !ok {
		return "", false
	}
	keys, _ := v.(*value.Map)
	if keys == nil {
		return "", false
	}
	val, ok := keys.Get(key)
	str, isStr := val.(string)
	return str, ok && isStr
}

// loadSecrets fetches every declared secret, failing with a
// *MissingSecretsError that lists all the required ones that are missing.
//
// With placeholders (a dry run), missing secrets get placeholder values
// instead, listed in the set's placeholders.
//
// It fills set, which the caller provides so that a run's set comes in
// the run's own allocation.
func loadSecrets(ctx context.Context, set *secretSet, src SecretSource, red *Redactor, action string, decls []*template.Secret, aliases map[string]string, placeholders bool) (*secretSet, error) {
	*set = secretSet{m: value.NewMap(len(decls)), aliases: aliases, source: src, red: red, dryRun: placeholders}
	var missing []MissingSecret
	for _, d := range decls {
		if d.Kind == template.OAuthSecret {
			set.oauth = append(set.oauth, d)
			continue
		}
		keys, found, err := src.Secret(ctx, d.Name)
		if err != nil {
			return nil, fmt.Errorf("reading secret %s: %w", d.Name, err)
		}
		if !found {
			if !d.Optional {
				missing = append(missing, MissingSecret{Name: d.Name})
			}
			continue
		}
		for _, k := range d.Keys {
			if _, ok := keys[k]; !ok && !d.Optional {
				missing = append(missing, MissingSecret{Name: d.Name, Key: k})
			}
		}
		m := value.NewMap(len(d.Keys) + len(d.OptionalKeys))
		for _, list := range [2][]string{d.Keys, d.OptionalKeys} {
			for _, k := range list {
				if v, ok := keys[k]; ok {
					m.Set(k, v)
					red.AddSecret(v)
				}
			}
		}
		set.m.Set(d.Name, m)
	}
	more, err := set.refreshTokens(ctx)
	if err != nil {
		return nil, err
	}
	missing = append(missing, more...)
	if len(missing) > 0 && placeholders {
		for _, m := range missing {
			keys := []string{m.Key}
			if m.Key == "" {
				keys = declaredKeys(decls, m.Name)
			}
			for _, k := range keys {
				set.m.Child(m.Name).Set(k, "dry-run-"+m.Name+"-"+k)
			}
		}
		set.placeholders = missing
		set.oauth = nil // the placeholders stand in for the tokens
		return set, nil
	}
	if len(missing) > 0 {
		sort.SliceStable(missing, func(i, j int) bool { return missing[i].Name < missing[j].Name })
		return nil, &MissingSecretsError{Action: action, Missing: missing}
	}
	return set, nil
}

// refreshTokens asks the source for a valid token of every OAuth
// declaration (the source refreshes tokens about to expire; a dry run
// takes them as stored) and returns the required ones that are missing.
// It runs before every step.
func (s *secretSet) refreshTokens(ctx context.Context) ([]MissingSecret, error) {
	var missing []MissingSecret
	for _, d := range s.oauth {
		var tok string
		var found bool
		var err error
		if s.dryRun {
			tok, found, err = storedToken(ctx, s.source, d.ProviderID, d.GrantType)
		} else {
			tok, found, err = s.source.Token(ctx, d.ProviderID, d.GrantType)
		}
		if err != nil {
			return nil, fmt.Errorf("OAuth token for %s (%s): %w", d.ProviderID, d.GrantType, err)
		}
		name := d.SecretName()
		var keys *value.Map
		if v, ok := s.m.Get(name); ok {
			keys = v.(*value.Map)
		}
		if !found {
			if keys != nil {
				keys.Delete(d.TokenKey())
			}
			if !d.Optional {
				missing = append(missing, MissingSecret{Name: name, Key: d.TokenKey(), ProviderID: d.ProviderID, GrantType: d.GrantType})
			}
			continue
		}
		if keys == nil {
			keys = value.NewMap(2)
			s.m.Set(name, keys)
		}
		if old, ok := keys.Get(d.TokenKey()); !ok || old != tok {
			keys.Set(d.TokenKey(), tok)
			s.red.AddSecret(tok)
		}
	}
	for alias, canonical := range s.aliases {
		if _, taken := s.m.Get(alias); taken {
			continue
		}
		if v, ok := s.m.Get(canonical); ok {
			s.m.Set(alias, v)
		}
	}
	return missing, nil
}

// noSecrets is the source of a run given none.
type noSecrets struct{}

func (noSecrets) Secret(context.Context, string) (map[string]string, bool, error) {
	return nil, false, nil
}

func (noSecrets) Token(context.Context, string, string) (string, bool, error) {
	return "", false, nil
}

// declaredKeys returns the required keys declared for the secret name.
func declaredKeys(decls []*template.Secret, name string) []string {
	var keys []string
	for _, d := range decls {
		if d.SecretName() == name {
			keys = append(keys, d.Keys...)
		}
	}
	return keys
}
