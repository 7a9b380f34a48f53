package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// testActions returns a registry with test.echo (returns its value arg)
// and test.secret (returns the secret it is told to read).
func testActions() *actions.Registry {
	reg := actions.NewRegistry()
	reg.MustRegister(&actions.Func{
		ActionSpec: actions.Spec{Name: "test.echo", Inputs: []*template.Input{actions.Input("value", "any", "")}},
		Fn: func(_ context.Context, args *value.Map, _ *actions.Env) (any, error) {
			v, _ := args.Get("value")
			return v, nil
		},
	})
	reg.MustRegister(&actions.Func{
		ActionSpec: actions.Spec{
			Name:    "test.fail",
			Inputs:  []*template.Input{actions.Input("message", "str", "")},
			Secrets: []*template.Secret{{Kind: template.CustomSecret, Name: "fail_key", Keys: []string{"K"}, Optional: true}},
		},
		Fn: func(_ context.Context, args *value.Map, env *actions.Env) (any, error) {
			msg, _ := args.Get("message")
			return nil, errors.New(msg.(string))
		},
	})
	reg.MustRegister(&actions.Func{
		ActionSpec: actions.Spec{Name: "test.wait"},
		Fn: func(ctx context.Context, _ *value.Map, _ *actions.Env) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
	})
	return reg
}

// loadTemplates writes the files into a folder and loads them.
func loadTemplates(t *testing.T, files map[string]string) *template.Registry {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg, results := template.LoadPaths(dir)
	for _, r := range results {
		if r.Diags.HasErrors() {
			t.Fatalf("%s", r.Diags)
		}
	}
	return reg
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := value.MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const twoSteps = `definition:
  title: Two steps
  display_group: Test
  namespace: tools.test
  name: two
  expects:
    name: {type: str}
    count: {type: int, default: 2}
  steps:
    - ref: first
      action: test.echo
      args:
        value: {greeting: "hello ${{ inputs.name }}", n: "${{ inputs.count }}"}
    - ref: second
      action: test.echo
      args:
        value: ${{ [steps.first.result.greeting, steps.first.result.n * 10, steps.first.result_typename] }}
  returns:
    out: ${{ steps.second.result }}
    kept: ${{ [inputs.name, inputs.count] }}
`

func TestRunTwoSteps(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"two.yml": twoSteps})
	var mu sync.Mutex
	var events []string
	opts := Options{Templates: reg, Actions: testActions(), Events: func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev.Kind.String()+" "+ev.Step+" "+ev.StepAction)
	}}
	res, err := Run(t.Context(), "tools.test.two", value.MapOf("name", "ada", "count", "3"), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"out":["hello ada",30,"dict"],"kept":["ada",3]}`
	if got := jsonOf(t, res.Value); got != want {
		t.Errorf("result = %s, want %s", got, want)
	}
	if got := strings.Join(events, "; "); got != "started first test.echo; ok first test.echo; started second test.echo; ok second test.echo" {
		t.Errorf("events = %s", got)
	}
}

func TestRunBadInputs(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"two.yml": twoSteps})
	_, err := Run(t.Context(), "tools.test.two", value.MapOf("count", "x", "extra", 1), Options{Templates: reg, Actions: testActions()})
	var ie *template.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *template.InputError", err)
	}
	want := `invalid inputs for tools.test.two:
  name: required input is missing (type str)
  count: expected int, got 'x' (str)
  extra: unknown input; declared inputs are: count, name`
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
}

func TestRunUnknownAction(t *testing.T) {
	t.Parallel()
	_, err := Run(t.Context(), "tools.nope.x", nil, Options{Actions: testActions()})
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Name != "tools.nope.x" {
		t.Fatalf("err = %v", err)
	}
}

const secretsTemplate = `definition:
  title: Secrets
  display_group: Test
  namespace: tools.test
  name: secrets
  secrets:
    - name: api
      keys: [USER, PASS]
      optional_keys: [REGION]
    - name: extra
      keys: [TOKEN]
      optional: true
    - type: oauth
      provider_id: github
      grant_type: authorization_code
    - type: oauth
      provider_id: sentinel
      grant_type: client_credentials
      optional: true
  expects: {}
  steps:
    - ref: s
      action: test.echo
      args:
        value:
          auth: ${{ FN.to_base64(SECRETS.api.USER + ":" + SECRETS.api.PASS) }}
          region: ${{ SECRETS.api.REGION || "none" }}
          extra: ${{ SECRETS.extra.TOKEN }}
          token: Bearer ${{ SECRETS.github_oauth.GITHUB_USER_TOKEN }}
          either: ${{ SECRETS.sentinel_oauth.SENTINEL_SERVICE_TOKEN || "no sentinel" }}
  returns: ${{ steps.s.result }}
`

func TestRunMissingSecretsListsAll(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"s.yml": secretsTemplate})
	src := StaticSecrets{"api": {"USER": "bob"}}
	_, err := Run(t.Context(), "tools.test.secrets", nil, Options{Templates: reg, Actions: testActions(), Secrets: src})
	var me *MissingSecretsError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v", err)
	}
	want := `missing secrets for tools.test.secrets:
  api.PASS: key not set
  github_oauth.GITHUB_USER_TOKEN: no OAuth token for provider github (authorization_code)`
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
}

func TestRunSecretsAndRedaction(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"s.yml": secretsTemplate})
	src := StaticSecrets{"api": {"USER": "bob", "PASS": "hunter22"}, "github_oauth": {"GITHUB_USER_TOKEN": "gho_secret"}}
	res, err := Run(t.Context(), "tools.test.secrets", nil, Options{Templates: reg, Actions: testActions(), Secrets: src})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"auth":"Ym9iOmh1bnRlcjIy","region":"none","extra":null,"token":"Bearer gho_secret","either":"no sentinel"}`
	if got := jsonOf(t, res.Value); got != want {
		t.Errorf("result = %s, want %s", got, want)
	}
	wantRedacted := `{"auth":"***","region":"none","extra":null,"token":"Bearer ***","either":"no sentinel"}`
	if got := jsonOf(t, res.Redacted()); got != wantRedacted {
		t.Errorf("redacted = %s, want %s", got, wantRedacted)
	}
}

const nested = `definition:
  title: Outer
  display_group: Test
  namespace: tools.test
  name: outer
  expects:
    n: {type: int}
  steps:
    - {ref: first, action: tools.test.double, args: {x: "${{ inputs.n }}"}}
    - {ref: second, action: tools.test.double, args: {x: "${{ steps.first.result }}"}}
  returns: ${{ steps.second.result }}
`

const inner = `definition:
  title: Double
  display_group: Test
  namespace: tools.test
  name: double
  expects:
    x: {type: int}
  steps:
    - {ref: d, action: test.echo, args: {value: "${{ inputs.x * 2 }}"}}
  returns: ${{ steps.d.result }}
`

func TestRunNestedTemplates(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"outer.yml": nested, "inner.yml": inner})
	var mu sync.Mutex
	var depths []string
	opts := Options{Templates: reg, Actions: testActions(), Events: func(ev Event) {
		if ev.Kind == StepSucceeded {
			mu.Lock()
			depths = append(depths, ev.Action+"/"+ev.Step)
			mu.Unlock()
		}
	}}
	res, err := Run(t.Context(), "tools.test.outer", value.MapOf("n", 5), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Value != 20 {
		t.Errorf("result = %v, want 20", res.Value)
	}
	if got := strings.Join(depths, " "); got != "tools.test.double/d tools.test.outer/first tools.test.double/d tools.test.outer/second" {
		t.Errorf("steps = %s", got)
	}
	opts.MaxDepth = -1
	_, err = Run(t.Context(), "tools.test.outer", value.MapOf("n", 5), opts)
	if err == nil || !strings.Contains(err.Error(), "templates nested more than -1 deep") {
		t.Errorf("depth limit: %v", err)
	}
}

// A secret passed to a nested template as an input, and changed there, is
// a value derived from the secret: masked in the child's result, and in
// what the caller derives from that result in turn.
func TestRunNestedTemplateMasksDerivedInputs(t *testing.T) {
	t.Parallel()
	child := `definition:
  title: Child
  display_group: Test
  namespace: tools.test
  name: child
  expects:
    x: {type: str}
  steps:
    - {ref: d, action: test.echo, args: {value: "${{ FN.uppercase(inputs.x) }}"}}
  returns: ${{ steps.d.result }}
`
	parent := `definition:
  title: Parent
  display_group: Test
  namespace: tools.test
  name: parent
  secrets:
    - {name: api, keys: [KEY]}
  expects: {}
  steps:
    - {ref: c, action: tools.test.child, args: {x: "${{ SECRETS.api.KEY }}"}}
  returns:
    up: ${{ steps.c.result }}
    rev: ${{ FN.slice(steps.c.result, 0, 9) + "!" }}
    plain: ${{ FN.uppercase("abc") }}
`
	reg := loadTemplates(t, map[string]string{"c.yml": child, "p.yml": parent})
	res, err := Run(t.Context(), "tools.test.parent", nil, Options{Templates: reg, Actions: testActions(), Secrets: StaticSecrets{"api": {"KEY": "secretvalue"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, res.Value), `{"up":"SECRETVALUE","rev":"SECRETVAL!","plain":"ABC"}`; got != want {
		t.Errorf("result = %s, want %s", got, want)
	}
	if got, want := jsonOf(t, res.Redacted()), `{"up":"***","rev":"***","plain":"ABC"}`; got != want {
		t.Errorf("redacted = %s, want %s", got, want)
	}
}

// A nested template reading an OAuth token by the seed's short form
// (SECRETS.github.GITHUB_USER_TOKEN) gets the token, as it does when run
// on its own.
func TestRunNestedTemplateSecretAlias(t *testing.T) {
	t.Parallel()
	child := `definition:
  title: Child
  display_group: Test
  namespace: tools.test
  name: child
  secrets:
    - {type: oauth, provider_id: github, grant_type: authorization_code}
  expects: {}
  steps:
    - {ref: d, action: test.echo, args: {value: "Bearer ${{ SECRETS.github.GITHUB_USER_TOKEN }}"}}
  returns: ${{ steps.d.result }}
`
	parent := `definition:
  title: Parent
  display_group: Test
  namespace: tools.test
  name: parent
  expects: {}
  steps:
    - {ref: c, action: tools.test.child, args: {}}
  returns: ${{ steps.c.result }}
`
	reg := loadTemplates(t, map[string]string{"c.yml": child, "p.yml": parent})
	for _, name := range []string{"tools.test.child", "tools.test.parent"} {
		res, err := Run(t.Context(), name, nil, Options{Templates: reg, Actions: testActions(), Secrets: StaticSecrets{"github_oauth": {"GITHUB_USER_TOKEN": "gho_abc"}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Value != "Bearer gho_abc" {
			t.Errorf("%s: result = %v, want Bearer gho_abc", name, res.Value)
		}
	}
}

func TestRunStepFailureNamesFileLineRefAndAction(t *testing.T) {
	t.Parallel()
	src := `definition:
  title: Fails
  display_group: Test
  namespace: tools.test
  name: fails
  secrets:
    - {name: api, keys: [KEY]}
  expects: {}
  steps:
    - ref: ok
      action: test.echo
      args: {value: 1}
    - ref: boom
      action: test.fail
      args:
        message: "server said: key ${{ SECRETS.api.KEY }} is revoked"
  returns: ${{ steps.boom.result }}
`
	reg := loadTemplates(t, map[string]string{"fails.yml": src})
	file := reg.Templates()[0].File
	var failed Event
	opts := Options{Templates: reg, Actions: testActions(), Secrets: StaticSecrets{"api": {"KEY": "k-123456"}}, Events: func(ev Event) {
		if ev.Kind == StepFailed {
			failed = ev
		}
	}}
	_, err := Run(t.Context(), "tools.test.fails", nil, opts)
	want := file + `:13:7: step "boom" (test.fail) of tools.test.fails failed: server said: key *** is revoked`
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	var se *StepError
	if !errors.As(err, &se) || se.Ref != "boom" || se.Pos != (template.Pos{Line: 13, Column: 7}) {
		t.Errorf("StepError = %+v", se)
	}
	if failed.Err != "server said: key *** is revoked" || failed.Step != "boom" {
		t.Errorf("failed event = %+v", failed)
	}
}

func TestRunExpressionErrorPointsAtCharacter(t *testing.T) {
	t.Parallel()
	src := `definition:
  title: Div
  display_group: Test
  namespace: tools.test
  name: div
  expects:
    n: {type: int}
  steps:
    - ref: d
      action: test.echo
      args:
        value: "${{ 10 / inputs.n }}"
  returns: ${{ steps.d.result }}
`
	reg := loadTemplates(t, map[string]string{"div.yml": src})
	file := reg.Templates()[0].File
	_, err := Run(t.Context(), "tools.test.div", value.MapOf("n", 0), Options{Templates: reg, Actions: testActions()})
	want := file + `:9:7: step "d" (test.echo) of tools.test.div failed: ` + file + `:12:24: error evaluating "${{ 10 / inputs.n }}": Cannot divide by zero`
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

// waitTemplate is tools.test.wait, whose one step waits until the run is
// cancelled.
const waitTemplate = `definition:
  title: Wait
  display_group: Test
  namespace: tools.test
  name: wait
  expects: {}
  steps:
    - {ref: w, action: test.wait, args: {}}
  returns: ${{ steps.w.result }}
`

func TestRunCancelled(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"w.yml": waitTemplate})
	ctx, cancel := context.WithCancel(t.Context())
	opts := Options{Templates: reg, Actions: testActions(), Events: func(ev Event) {
		if ev.Kind == StepStarted {
			cancel()
		}
	}}
	_, err := Run(ctx, "tools.test.wait", nil, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRunGoActionTopLevel(t *testing.T) {
	t.Parallel()
	res, err := Run(t.Context(), "test.echo", value.MapOf("value", []any{1, "a"}), Options{Actions: testActions()})
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, res.Value); got != `[1,"a"]` {
		t.Errorf("result = %s", got)
	}
}

func TestRunTemplateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "two.yml")
	if err := os.WriteFile(path, []byte(twoSteps), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), path, value.MapOf("name", "x"), Options{Actions: testActions()})
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, res.Value); got != `{"out":["hello x",20,"dict"],"kept":["x",2]}` {
		t.Errorf("result = %s", got)
	}
}

// A Go action run on its own fails with its error masked, by Run as by
// RunStep (whose error a workflow engine keeps in its history), and the
// cause still reachable with errors.As.
func TestRunGoActionErrorMasked(t *testing.T) {
	t.Parallel()
	opts := Options{Actions: testActions(), Secrets: StaticSecrets{"fail_key": {"K": "k-secret"}}}
	in := value.MapOf("message", "denied for k-secret")
	_, err := Run(t.Context(), "test.fail", in, opts)
	if err == nil || err.Error() != "denied for ***" {
		t.Errorf("Run: err = %v", err)
	}
	_, err = RunStep(t.Context(), StepRequest{Action: "test.fail", Inputs: in}, opts)
	if err == nil || err.Error() != "denied for ***" {
		t.Errorf("RunStep: err = %v", err)
	}
	if errors.Unwrap(err) == nil || errors.Unwrap(err).Error() != "denied for k-secret" {
		t.Errorf("cause = %v", errors.Unwrap(err))
	}
}

// failingTokens is a secret source whose token refresh fails with an
// error quoting a secret, as a careless token endpoint might.
type failingTokens struct{ StaticSecrets }

func (failingTokens) Token(context.Context, string, string) (string, bool, error) {
	return "", false, errors.New("refresh refused: client k-secret is disabled")
}

// An error of the secret source is masked too: it may quote a secret
// loaded before it.
func TestRunSecretSourceErrorMasked(t *testing.T) {
	t.Parallel()
	src := `definition:
  title: Tokens
  display_group: Test
  namespace: tools.test
  name: tokens
  secrets:
    - {name: api, keys: [KEY]}
    - {type: oauth, provider_id: acme, grant_type: client_credentials}
  expects: {}
  steps:
    - {ref: e, action: test.echo, args: {value: 1}}
  returns: ${{ steps.e.result }}
`
	reg := loadTemplates(t, map[string]string{"tokens.yml": src})
	opts := Options{Templates: reg, Actions: testActions(), Secrets: failingTokens{StaticSecrets{"api": {"KEY": "k-secret"}}}}
	_, err := Run(t.Context(), "tools.test.tokens", nil, opts)
	if err == nil || err.Error() != "OAuth token for acme (client_credentials): refresh refused: client *** is disabled" {
		t.Errorf("err = %v", err)
	}
}

// storedOnly is a secret source whose Token would refresh over the
// network: a dry run must take its tokens as stored.
type storedOnly struct{ t *testing.T }

func (s storedOnly) Secret(context.Context, string) (map[string]string, bool, error) {
	return nil, false, nil
}

func (s storedOnly) Token(context.Context, string, string) (string, bool, error) {
	s.t.Error("a dry run asked for a refreshed token")
	return "", false, errors.New("no network in a dry run")
}

func (storedOnly) StoredToken(_ context.Context, provider, grant string) (string, bool, error) {
	return "stored-" + provider + "-" + grant, true, nil
}

// TestDryRunTakesStoredTokens checks that a dry run reads OAuth tokens as
// stored, through Layered too, before every step, refreshing none.
func TestDryRunTakesStoredTokens(t *testing.T) {
	t.Parallel()
	src := `definition:
  title: Tokens
  display_group: Test
  namespace: tools.test
  name: stored
  secrets:
    - {type: oauth, provider_id: acme, grant_type: client_credentials}
  expects: {}
  steps:
    - {ref: a, action: test.echo, args: {value: 1}}
    - {ref: b, action: test.echo, args: {value: "${{ SECRETS.acme_oauth.ACME_SERVICE_TOKEN }}"}}
  returns: ${{ steps.b.result }}
`
	reg := loadTemplates(t, map[string]string{"stored.yml": src})
	for _, source := range []SecretSource{storedOnly{t}, Layered{StaticSecrets{}, storedOnly{t}}} {
		opts := Options{Templates: reg, Actions: testActions(), Secrets: source, DryRun: true}
		res, err := Run(t.Context(), "tools.test.stored", nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Value != "stored-acme-client_credentials" {
			t.Errorf("%T: result %v", source, res.Value)
		}
	}
}

// TestActionEnvFollowsTheStep checks that each action call's Env names its
// own step and places its own arguments, step after step and in a nested
// template, although a run refills one Env for every call.
func TestActionEnvFollowsTheStep(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{
		"outer.yml": `definition:
  title: Outer
  display_group: Test
  namespace: tools.t
  name: outer
  expects: {}
  steps:
    - ref: first
      action: test.where
      args:
        text: "abcdef"
    - ref: nested
      action: tools.t.inner
    - ref: last
      action: test.where
      args:
        text: ${{ "computed" }}
  returns: ${{ [steps.first.result, steps.nested.result, steps.last.result] }}
`,
		"inner.yml": `definition:
  title: Inner
  display_group: Test
  namespace: tools.t
  name: inner
  expects: {}
  steps:
    - ref: deep
      action: test.where
      args:
        text:   "xyz"
  returns: ${{ steps.deep.result }}
`,
	})
	acts := testActions()
	acts.MustRegister(&actions.Func{
		ActionSpec: actions.Spec{Name: "test.where", Inputs: []*template.Input{actions.Input("text", "str", "")}},
		Fn: func(_ context.Context, _ *value.Map, env *actions.Env) (any, error) {
			file, pos, ok := env.Source("text", 2)
			if !ok {
				return env.Step + " -", nil
			}
			return fmt.Sprintf("%s %s:%d:%d", env.Step, filepath.Base(file), pos.Line, pos.Column), nil
		},
	})
	tpl, _ := reg.Lookup("tools.t.outer")
	res, err := RunTemplate(t.Context(), tpl, nil, Options{Templates: reg, Actions: acts})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, res.Value), `["first outer.yml:11:18","deep inner.yml:11:20","last -"]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
