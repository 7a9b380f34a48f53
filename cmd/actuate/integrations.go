package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/actuatehq/actuate/secrets"
	"github.com/actuatehq/actuate/secrets/oauth"
)

func init() {
	commands = append(commands, &command{
		name:    "integrations",
		summary: "configure, connect and check OAuth integrations",
		usage: `  actuate integrations list [--env ENV] [--json]
  actuate integrations configure PROVIDER [--grant-type authorization_code|client_credentials]
        --client-id ID (--client-secret-stdin | --client-secret-env VAR) [--scope S]...
        [--authorization-endpoint URL] [--token-endpoint URL] [--callback-port N] [--env ENV]
  actuate integrations connect PROVIDER [--callback-port N] [--no-browser] [--timeout D] [--env ENV]
  actuate integrations test PROVIDER [--env ENV]
  actuate integrations status PROVIDER [--grant-type G] [--env ENV] [--json]
  actuate integrations disconnect PROVIDER [--grant-type G] [--env ENV]`,
		help: `Manages the OAuth integrations whose tokens templates read as
SECRETS.<provider>_oauth.<PROVIDER>_USER_TOKEN (authorization code) or
<PROVIDER>_SERVICE_TOKEN (client credentials). Client credentials and tokens
are kept encrypted in the store (see "actuate help secrets").

  actuate integrations configure github --client-id Iv1.abc --client-secret-env GH_SECRET
  actuate integrations connect github
  actuate integrations configure microsoft_graph --grant-type client_credentials \
      --client-id ID --client-secret-stdin \
      --token-endpoint https://login.microsoftonline.com/TENANT/oauth2/v2.0/token < secret.txt
  actuate integrations test microsoft_graph

list shows every built-in provider and every configured integration with
its state (not_configured, configured, connected, reauth_required), grant
type, scopes and token expiry; never a token.

configure saves the client id and secret of an integration (the secret from
standard input or an environment variable, never a flag). --grant-type may
be left out when the provider has one grant. The provider's base scopes are
always requested; --scope adds more. --authorization-endpoint and
--token-endpoint override the provider's endpoints (a tenant, an instance, a
sovereign cloud, a self-hosted server); a custom provider, custom_<name>,
needs them. Endpoints must use https, except on 127.0.0.1, ::1 and
localhost. For the authorization code grant, configure prints the redirect
URI to register with the provider: http://127.0.0.1:PORT/callback, port 8976
unless --callback-port says otherwise.

connect runs the authorization code grant (with PKCE): it listens on
127.0.0.1 for the callback, opens the authorization page in the browser (or,
with --no-browser, prints its URL alone on one line of standard error),
waits up to --timeout (5m) and stores the tokens.

test fetches a token with the client credentials grant and reports its
expiry, or the provider's error. status shows one provider; disconnect
removes the tokens and keeps the configuration.

Before each step of a run, actuate hands out a token valid for at least 5
minutes, refreshing it first if needed. An integration whose refresh is
refused becomes reauth_required, and the run says to connect it again.

Exit status: 0 success, 1 the provider refused or the store failed, 2 bad
usage or a bad configuration.
`,
		run: runIntegrations,
	})
}

type integrationFlags struct {
	env, grant, clientID, secretEnv, authEP, tokenEP string
	secretStdin, json, noBrowser                     bool
	scopes                                           listFlag
	port                                             int
	timeout                                          time.Duration
}

func runIntegrations(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("integrations")
	fs := newFlags(c)
	var f integrationFlags
	fs.StringVar(&f.env, "env", "", "the `environment` (default \"default\"; list: every environment)")
	fs.StringVar(&f.grant, "grant-type", "", "authorization_code or client_credentials")
	fs.StringVar(&f.clientID, "client-id", "", "configure: the OAuth client `id`")
	fs.BoolVar(&f.secretStdin, "client-secret-stdin", false, "configure: read the client secret from standard input")
	fs.StringVar(&f.secretEnv, "client-secret-env", "", "configure: read the client secret from the environment `variable`")
	fs.Var(&f.scopes, "scope", "configure: a `scope` to request besides the provider's base scopes (repeatable)")
	fs.StringVar(&f.authEP, "authorization-endpoint", "", "configure: override the authorization endpoint `URL`")
	fs.StringVar(&f.tokenEP, "token-endpoint", "", "configure: override the token endpoint `URL`")
	fs.IntVar(&f.port, "callback-port", 0, "configure, connect: the loopback `port` of the callback (default 8976)")
	fs.BoolVar(&f.noBrowser, "no-browser", false, "connect: print the authorization URL instead of opening a browser")
	fs.DurationVar(&f.timeout, "timeout", oauth.DefaultAuthorizeTimeout, "connect: how long to wait for the browser")
	fs.BoolVar(&f.json, "json", false, "list, status: print JSON")
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(rest) == 0 {
		e.errorf("integrations: say list, configure, connect, test, status or disconnect; run \"actuate integrations --help\" for usage")
		return exitUsage
	}
	sub, rest := rest[0], rest[1:]
	var err error
	switch sub {
	case "list":
		err = checkFlags(c, fs, sub, "env", "json")
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("integrations list: unexpected arguments %s", strings.Join(rest, " "))
		}
	case "configure", "connect", "test", "status", "disconnect":
		allowed := map[string][]string{
			"configure":  {"env", "grant-type", "client-id", "client-secret-stdin", "client-secret-env", "scope", "authorization-endpoint", "token-endpoint", "callback-port"},
			"connect":    {"env", "callback-port", "no-browser", "timeout"},
			"test":       {"env"},
			"status":     {"env", "grant-type", "json"},
			"disconnect": {"env", "grant-type"},
		}[sub]
		err = checkFlags(c, fs, sub, allowed...)
		if err == nil && len(rest) != 1 {
			err = fmt.Errorf("integrations %s: give one provider id", sub)
		}
	default:
		e.errorf("integrations: unknown subcommand %q; use list, configure, connect, test, status or disconnect", sub)
		return exitUsage
	}
	if err == nil && f.env != "" {
		err = secrets.ValidEnvironment(f.env)
	}
	if err == nil && f.grant != "" {
		err = oauth.ValidGrantType(f.grant)
	}
	if err == nil && (f.port < 0 || f.port > 65535) {
		err = fmt.Errorf("integrations %s: --callback-port %d is not a port number", sub, f.port)
	}
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	switch sub {
	case "list":
		return listIntegrations(ctx, e, f)
	case "configure":
		return configureIntegration(ctx, e, rest[0], f)
	case "connect":
		return connectIntegration(ctx, e, rest[0], f)
	case "test":
		return testIntegration(ctx, e, rest[0], f)
	case "status":
		return integrationStatus(ctx, e, rest[0], f)
	default:
		return disconnectIntegration(ctx, e, rest[0], f)
	}
}

// listedIntegration is one row of list and status.
type listedIntegration struct {
	Provider     string   `json:"provider_id"`
	GrantType    string   `json:"grant_type"`
	Environment  string   `json:"environment"`
	State        string   `json:"state"`
	Scopes       []string `json:"scopes"`
	GrantedScope string   `json:"granted_scope,omitempty"`
	ExpiresAt    string   `json:"expires_at,omitempty"`
	Refreshable  bool     `json:"has_refresh_token"`
	RedirectURI  string   `json:"redirect_uri,omitempty"`
	TokenURL     string   `json:"token_endpoint,omitempty"`
	AuthURL      string   `json:"authorization_endpoint,omitempty"`
}

func listed(in secrets.Integration) listedIntegration {
	l := listedIntegration{Provider: in.ProviderID, GrantType: in.GrantType, Environment: in.Environment, State: in.State,
		Scopes: in.Scopes, GrantedScope: in.GrantedScope, Refreshable: in.HasRefreshToken, RedirectURI: in.RedirectURI,
		TokenURL: in.TokenEndpoint, AuthURL: in.AuthorizationEndpoint}
	if l.Scopes == nil {
		l.Scopes = []string{}
	}
	if !in.Expiry.IsZero() {
		l.ExpiresAt = in.Expiry.UTC().Format(time.RFC3339)
	}
	return l
}

func notConfigured(p oauth.Provider, env string) listedIntegration {
	return listedIntegration{Provider: p.ID, GrantType: p.GrantType, Environment: env, State: secrets.NotConfigured,
		Scopes: p.Scopes(nil), AuthURL: p.AuthorizationEndpoint, TokenURL: p.TokenEndpoint}
}

func expiryText(l listedIntegration) string {
	if l.ExpiresAt == "" {
		if l.State == secrets.Connected {
			return "never"
		}
		return "-"
	}
	return l.ExpiresAt
}

func printIntegrations(w io.Writer, rows []listedIntegration) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tGRANT\tENVIRONMENT\tSTATE\tEXPIRES\tSCOPES")
	for _, l := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", l.Provider, l.GrantType, l.Environment, l.State, expiryText(l), strings.Join(l.Scopes, " "))
	}
	_ = tw.Flush()
}

func listIntegrations(ctx context.Context, e *env, f integrationFlags) int {
	st, err := openStore(ctx, e, f.env, false)
	if err != nil {
		return storeCode(e, "integrations list", err)
	}
	var stored []secrets.Integration
	if st != nil {
		defer st.Close()
		if stored, err = st.Integrations(ctx, f.env); err != nil {
			return storeCode(e, "integrations list", err)
		}
	}
	var rows []listedIntegration
	seen := map[string]bool{}
	for _, in := range stored {
		rows = append(rows, listed(in))
		seen[in.ProviderID+" "+in.GrantType] = true
	}
	for _, p := range oauth.Builtins() {
		if !seen[p.ID+" "+p.GrantType] {
			rows = append(rows, notConfigured(p, orDefaultEnv(f.env)))
		}
	}
	slices.SortStableFunc(rows, func(a, b listedIntegration) int {
		return strings.Compare(a.Provider+" "+a.GrantType+" "+a.Environment, b.Provider+" "+b.GrantType+" "+b.Environment)
	})
	if f.json {
		writeJSON(e.stdout, rows)
		return exitOK
	}
	printIntegrations(e.stdout, rows)
	return exitOK
}

// grantOf picks the grant type of provider when --grant-type is not given:
// the provider's only grant, else the only one configured in st.
func grantOf(ctx context.Context, st *secrets.Store, provider, env, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	grants := oauth.GrantTypes(provider)
	if len(grants) == 1 {
		return grants[0], nil
	}
	if st != nil {
		var configured []string
		for _, g := range []string{oauth.AuthorizationCode, oauth.ClientCredentials} {
			if _, err := st.Integration(ctx, provider, g, env); err == nil {
				configured = append(configured, g)
			}
		}
		if len(configured) == 1 {
			return configured[0], nil
		}
	}
	if len(grants) == 0 && !strings.HasPrefix(provider, oauth.CustomPrefix) {
		_, err := oauth.Lookup(provider, oauth.AuthorizationCode, "", "")
		return "", err
	}
	return "", fmt.Errorf("provider %s: say which grant with --grant-type authorization_code or --grant-type client_credentials", provider)
}

func configureIntegration(ctx context.Context, e *env, provider string, f integrationFlags) int {
	const cmd = "integrations configure"
	grant, err := grantOf(ctx, nil, provider, "", f.grant)
	if err == nil && f.clientID == "" {
		err = errors.New("give the client id with --client-id")
	}
	if err == nil && f.secretStdin == (f.secretEnv != "") {
		err = errors.New("give the client secret with --client-secret-stdin or --client-secret-env VAR (one of them)")
	}
	if err == nil && grant == oauth.ClientCredentials && f.port != 0 {
		err = errors.New("--callback-port is for the authorization_code grant")
	}
	var secret string
	if err == nil {
		if f.secretStdin {
			data, rerr := io.ReadAll(e.stdin)
			if rerr != nil {
				err = fmt.Errorf("reading the client secret from standard input: %v", rerr)
			}
			if secret = strings.TrimRight(string(data), "\r\n"); secret == "" && err == nil {
				err = errors.New("the client secret read from standard input is empty")
			}
		} else if secret = e.getenv(f.secretEnv); secret == "" {
			err = unsetVarError("--client-secret-env", f.secretEnv, "GH_SECRET")
		}
	}
	if err != nil {
		e.errorf("%s: %v", cmd, err)
		return exitUsage
	}
	st, err := openStore(ctx, e, f.env, true)
	if err != nil {
		return storeCode(e, cmd, err)
	}
	defer st.Close()
	in, err := st.ConfigureIntegration(ctx, secrets.IntegrationConfig{
		ProviderID: provider, GrantType: grant, Environment: f.env, ClientID: f.clientID, ClientSecret: secret,
		Scopes: f.scopes, AuthorizationEndpoint: f.authEP, TokenEndpoint: f.tokenEP, CallbackPort: f.port,
	})
	if err != nil {
		return storeCode(e, cmd, err)
	}
	envFlag := envFlagText(f.env)
	fmt.Fprintf(e.stdout, "configured %s (%s) in environment %s; state %s\n", in.ProviderID, in.GrantType, in.Environment, in.State)
	fmt.Fprintf(e.stdout, "scopes: %s\n", strings.Join(in.Scopes, " "))
	if grant == oauth.AuthorizationCode {
		fmt.Fprintf(e.stdout, "register this redirect URI with the provider: %s\n", in.RedirectURI)
		fmt.Fprintf(e.stdout, "then run: actuate integrations connect %s%s\n", in.ProviderID, envFlag)
	} else {
		fmt.Fprintf(e.stdout, "check it with: actuate integrations test %s%s\n", in.ProviderID, envFlag)
	}
	return exitOK
}

func envFlagText(env string) string {
	if env == "" || env == secrets.DefaultEnvironment {
		return ""
	}
	return " --env " + env
}

// openExisting opens the store, reporting "not configured" when there is
// none.
func openExisting(ctx context.Context, e *env, cmd, provider, envName string) (*secrets.Store, int) {
	st, err := openStore(ctx, e, envName, false)
	if err != nil {
		return nil, storeCode(e, cmd, err)
	}
	if st == nil {
		return nil, notConfiguredCode(e, cmd, provider, secrets.ErrNotFound)
	}
	return st, -1
}

// notConfiguredCode reports err and returns its exit code, saying how to
// configure provider when err is [secrets.ErrNotFound].
func notConfiguredCode(e *env, cmd, provider string, err error) int {
	if errors.Is(err, secrets.ErrNotFound) {
		e.errorf("%s: integration %s is not configured; run: actuate integrations configure %s ...", cmd, provider, provider)
		return exitFailed
	}
	return storeCode(e, cmd, err)
}

func connectIntegration(ctx context.Context, e *env, provider string, f integrationFlags) int {
	const cmd = "integrations connect"
	st, code := openExisting(ctx, e, cmd, provider, f.env)
	if st == nil {
		return code
	}
	defer st.Close()
	opts := oauth.AuthorizeOptions{
		Port:    f.port,
		Timeout: f.timeout,
		Show:    func(u string) { fmt.Fprintln(e.stderr, u) },
	}
	if !f.noBrowser {
		opts.Open = func(u string) error {
			if err := openBrowser(u); err != nil {
				fmt.Fprintf(e.stderr, "cannot open a browser (%v); open this URL:\n", err)
				return err
			}
			fmt.Fprintf(e.stderr, "opened the authorization page in the browser; waiting up to %s\n", f.timeout)
			return nil
		}
	}
	in, err := st.ConnectIntegration(ctx, provider, f.env, opts)
	if err != nil {
		return notConfiguredCode(e, cmd, provider, err)
	}
	fmt.Fprintf(e.stdout, "connected %s; %s\n", in.ProviderID, expiryPhrase(in))
	return exitOK
}

func expiryPhrase(in secrets.Integration) string {
	if in.Expiry.IsZero() {
		return "the token does not expire"
	}
	s := fmt.Sprintf("the token expires at %s (in %s)", in.Expiry.UTC().Format(time.RFC3339), time.Until(in.Expiry).Round(time.Minute))
	if in.HasRefreshToken {
		s += " and will be refreshed"
	}
	return s
}

// openBrowser opens u in the user's browser.
func openBrowser(u string) error {
	var c *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		c = exec.Command("open", u)
	case "windows":
		c = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errors.New("no display")
		}
		c = exec.Command("xdg-open", u)
	}
	if err := c.Start(); err != nil {
		return err
	}
	go c.Wait()
	return nil
}

func testIntegration(ctx context.Context, e *env, provider string, f integrationFlags) int {
	const cmd = "integrations test"
	st, code := openExisting(ctx, e, cmd, provider, f.env)
	if st == nil {
		return code
	}
	defer st.Close()
	in, err := st.TestIntegration(ctx, provider, f.env)
	var te *oauth.TokenError
	if errors.As(err, &te) {
		e.errorf("%s: %v\ncheck the client id and secret, the token endpoint and that the app is enabled", cmd, err)
		return exitFailed
	}
	if err != nil {
		return notConfiguredCode(e, cmd, provider, err)
	}
	fmt.Fprintf(e.stdout, "%s: got a token; %s\n", in.ProviderID, expiryPhrase(in))
	return exitOK
}

func integrationStatus(ctx context.Context, e *env, provider string, f integrationFlags) int {
	const cmd = "integrations status"
	st, err := openStore(ctx, e, f.env, false)
	if err != nil {
		return storeCode(e, cmd, err)
	}
	if st != nil {
		defer st.Close()
	}
	var grants []string
	if f.grant != "" {
		grants = []string{f.grant}
	} else if grants = oauth.GrantTypes(provider); grants == nil {
		grants = []string{oauth.AuthorizationCode, oauth.ClientCredentials}
	}
	var rows []listedIntegration
	for _, g := range grants {
		var in secrets.Integration
		err := secrets.ErrNotFound
		if st != nil {
			in, err = st.Integration(ctx, provider, g, f.env)
		}
		switch {
		case err == nil:
			rows = append(rows, listed(in))
		case !errors.Is(err, secrets.ErrNotFound):
			return storeCode(e, cmd, err)
		default:
			if p, ok := oauth.Builtin(provider, g); ok {
				rows = append(rows, notConfigured(p, orDefaultEnv(f.env)))
			}
		}
	}
	if len(rows) == 0 {
		if _, err := oauth.Lookup(provider, grants[0], "", ""); err != nil && !strings.HasPrefix(provider, oauth.CustomPrefix) {
			e.errorf("%s: %v", cmd, err)
			return exitUsage
		}
		return notConfiguredCode(e, cmd, provider, secrets.ErrNotFound)
	}
	if f.json {
		writeJSON(e.stdout, rows)
		return exitOK
	}
	for i, l := range rows {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 1, ' ', 0)
		fmt.Fprintf(tw, "provider:\t%s\n", l.Provider)
		fmt.Fprintf(tw, "grant type:\t%s\n", l.GrantType)
		fmt.Fprintf(tw, "environment:\t%s\n", l.Environment)
		fmt.Fprintf(tw, "state:\t%s\n", l.State)
		fmt.Fprintf(tw, "scopes:\t%s\n", strings.Join(l.Scopes, " "))
		if l.GrantedScope != "" {
			fmt.Fprintf(tw, "granted scope:\t%s\n", l.GrantedScope)
		}
		fmt.Fprintf(tw, "expires:\t%s\n", expiryText(l))
		if l.State == secrets.Connected || l.State == secrets.ReauthRequired {
			fmt.Fprintf(tw, "refresh token:\t%s\n", map[bool]string{true: "yes", false: "no"}[l.Refreshable])
		}
		if l.AuthURL != "" {
			fmt.Fprintf(tw, "authorization endpoint:\t%s\n", l.AuthURL)
		}
		fmt.Fprintf(tw, "token endpoint:\t%s\n", l.TokenURL)
		if l.RedirectURI != "" {
			fmt.Fprintf(tw, "redirect URI:\t%s\n", l.RedirectURI)
		}
		_ = tw.Flush()
	}
	return exitOK
}

func disconnectIntegration(ctx context.Context, e *env, provider string, f integrationFlags) int {
	const cmd = "integrations disconnect"
	st, code := openExisting(ctx, e, cmd, provider, f.env)
	if st == nil {
		return code
	}
	defer st.Close()
	grant, err := grantOf(ctx, st, provider, orDefaultEnv(f.env), f.grant)
	if err != nil {
		e.errorf("%s: %v", cmd, err)
		return exitUsage
	}
	if err := st.DisconnectIntegration(ctx, provider, grant, f.env); err != nil {
		return notConfiguredCode(e, cmd, provider, err)
	}
	fmt.Fprintf(e.stdout, "disconnected %s (%s) in environment %s: tokens removed, configuration kept\n", provider, grant, orDefaultEnv(f.env))
	return exitOK
}
