package engine

import (
	"context"

	"github.com/actuatehq/actuate/template"
)

// ObserveSecrets returns a [SecretSource] that asks src and reports every
// value it supplies to observe, with the value's name: NAME.KEY for a
// key of a custom secret, and the token's secret name and key
// (github_oauth.GITHUB_USER_TOKEN) for an OAuth token, each time the run
// asks for it (a refreshed token is reported under the same name). A
// cassette recorder uses it to replace secrets with placeholders naming
// them; values derived from secrets reach it through [Options.Redactor].
func ObserveSecrets(src SecretSource, observe func(name, value string)) SecretSource {
	if src == nil {
		src = noSecrets{}
	}
	return observed{src, observe}
}

type observed struct {
	src     SecretSource
	observe func(name, value string)
}

func (o observed) Secret(ctx context.Context, name string) (map[string]string, bool, error) {
	keys, ok, err := o.src.Secret(ctx, name)
	if err == nil && ok {
		for k, v := range keys {
			o.observe(name+"."+k, v)
		}
	}
	return keys, ok, err
}

func (o observed) Token(ctx context.Context, providerID, grantType string) (string, bool, error) {
	tok, ok, err := o.src.Token(ctx, providerID, grantType)
	if err == nil && ok {
		d := &template.Secret{Kind: template.OAuthSecret, ProviderID: providerID, GrantType: grantType}
		o.observe(d.SecretName()+"."+d.TokenKey(), tok)
	}
	return tok, ok, err
}
