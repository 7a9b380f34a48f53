package template

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// formatDiags renders diagnostics as `actuate validate` prints them.
func formatDiags(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
		if s := d.Snippet(); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestInvalidTemplates loads each broken template under testdata/invalid
// and compares its diagnostics with the golden file beside it.
func TestInvalidTemplates(t *testing.T) {
	files, err := filepath.Glob("../testdata/invalid/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("found %d invalid templates, want at least 30", len(files))
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, ds := Parse(filepath.Base(path), src)
			if !ds.HasErrors() {
				t.Fatalf("no error reported; diagnostics:\n%s", formatDiags(ds))
			}
			got := formatDiags(ds)
			golden := strings.TrimSuffix(path, ".yml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./template -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

func mustParse(t *testing.T, src string) *Template {
	t.Helper()
	tpl, ds := Parse("t.yml", []byte(src))
	if ds.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", ds.Error())
	}
	return tpl
}

func TestParseModelsEveryField(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `type: action
definition:
  title: Search
  description: Search things.
  display_group: Example
  doc_url: https://example.com/docs
  author: someone
  deprecated: Use tools.example.search_v2 instead.
  namespace: tools.example
  name: search
  secrets:
    - name: example
      keys: [API_KEY]
      optional_keys: [REGION]
    - name: tls
      secret_type: mtls
      optional: true
    - type: oauth
      provider_id: microsoft_sentinel
      grant_type: client_credentials
      optional: true
    - name: github_oauth
  expects:
    query:
      type: str
      description: What to look for.
    limit:
      type: int | None
      default: 10
    mode:
      type: str
      enum: [fast, deep]
      optional: true
      default: fast
  steps:
    - ref: search
      action: core.http_request
      args:
        url: https://example.com/search
        method: GET
        params:
          q: ${{ inputs.query }}
          n: 5
          tags: [a, 1, true, null, 2.5]
  returns:
    items: ${{ steps.search.result.data }}
`)
	checks := []struct{ got, want any }{
		{tpl.ID(), "tools.example.search"},
		{tpl.Title, "Search"},
		{tpl.Description, "Search things."},
		{tpl.DisplayGroup, "Example"},
		{tpl.DocURL, "https://example.com/docs"},
		{tpl.Author, "someone"},
		{tpl.Deprecated, "Use tools.example.search_v2 instead."},
		{tpl.Pos, Pos{2, 1}},
		{tpl.NamePos, Pos{10, 9}},
		{len(tpl.Secrets), 4},
		{tpl.Secrets[0].String(), "example (API_KEY, REGION?)"},
		{tpl.Secrets[1].String(), "tls (TLS_CERTIFICATE, TLS_PRIVATE_KEY), optional"},
		{tpl.Secrets[2].String(), "microsoft_sentinel_oauth (MICROSOFT_SENTINEL_SERVICE_TOKEN, OAuth client_credentials), optional"},
		{tpl.Secrets[3].String(), "github_oauth (GITHUB_USER_TOKEN, OAuth authorization_code)"},
		{tpl.Secrets[3].ProviderID, "github"},
		{strings.Join(tpl.InputNames(), ","), "limit,mode,query"},
		{tpl.Inputs[0].Required(), true},
		{tpl.Inputs[0].TypePos, Pos{25, 13}},
		{tpl.Inputs[1].Required(), false},
		{tpl.Inputs[1].Default, 10},
		{tpl.Inputs[1].Type.String(), "int | None"},
		{strings.Join(tpl.Inputs[2].Enum, ","), "fast,deep"},
		{tpl.Inputs[2].Optional, true},
		{len(tpl.Steps), 1},
		{tpl.Steps[0].Ref, "search"},
		{tpl.Steps[0].Action, "core.http_request"},
		{tpl.Steps[0].ActionPos, Pos{37, 15}},
		{tpl.Returns.Kind, MappingNode},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %#v, want %#v", i, c.got, c.want)
		}
	}
	args := tpl.Steps[0].Args
	params, ok := args.Get("params")
	if !ok {
		t.Fatal("params missing")
	}
	q, _ := params.Get("q")
	if q.Value != "${{ inputs.query }}" || q.Pos != (Pos{42, 14}) || q.Style != Plain {
		t.Errorf("q = %#v", q)
	}
	tags, _ := params.Get("tags")
	got, err := value.MarshalJSON(tags.Plain())
	if err != nil || string(got) != `["a",1,true,null,2.5]` {
		t.Errorf("tags = %s, %v", got, err)
	}
	if tags.Items[3].Pos != (Pos{44, 30}) {
		t.Errorf("tags[3] at %v", tags.Items[3].Pos)
	}
}

func TestShorthandExpectsHoldingSteps(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../testdata/seed/list_repos.yml")
	if err != nil {
		t.Fatal(err)
	}
	tpl, ds := Parse("list_repos.yml", src)
	want := `list_repos.yml:16:3: warning: expects holds steps (the seed's shorthand); the canonical form puts them under steps: and declares inputs under expects: as a mapping of input names
list_repos.yml:23:37: warning: SECRETS.github.GITHUB_USER_TOKEN is the seed document's short form; the canonical path is SECRETS.github_oauth.GITHUB_USER_TOKEN`
	if ds.Error() != want {
		t.Fatalf("diagnostics:\n%s\nwant:\n%s", ds.Error(), want)
	}
	if !tpl.Shorthand || len(tpl.Inputs) != 0 || len(tpl.Steps) != 1 || tpl.Steps[0].Ref != "list_repos" {
		t.Fatalf("template = %+v", tpl)
	}
	if got := tpl.SecretAliases["github"]; got != "github_oauth" {
		t.Errorf("SecretAliases[github] = %q, want github_oauth", got)
	}
	auth, _ := tpl.Steps[0].Args.Get("headers")
	auth, _ = auth.Get("Authorization")
	if auth.Text == nil || len(auth.Text.Exprs()) != 1 {
		t.Errorf("Authorization header not compiled: %+v", auth)
	}
}

func TestValidateInputs(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `definition:
  title: T
  display_group: G
  namespace: tools.t
  name: t
  expects:
    name: {type: str}
    count: {type: int}
    ratio: {type: float, default: 0.5}
    tags: {type: "list[str] | None", default: null}
    when: {type: "datetime | None", default: null}
  steps:
    - {ref: a, action: core.transform.reshape, args: {value: 1}}
  returns: ${{ steps.a.result }}
`)
	given := value.MapOf("count", "5", "name", "x", "tags", []any{"a"}, "when", "2024-01-02T03:04:05Z")
	got, err := tpl.ValidateInputs(given)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := value.MarshalJSON(got)
	want := `{"name":"x","count":5,"ratio":0.5,"tags":["a"],"when":"2024-01-02T03:04:05Z"}`
	if string(text) != want {
		t.Errorf("inputs = %s, want %s", text, want)
	}
	// Every input given in order and of a type coercion keeps as it is
	// (floats and datetimes are rewritten): the map comes back as given.
	// In another order, or with a value to coerce, it is rebuilt.
	plain := mustParse(t, `definition:
  title: T
  display_group: G
  namespace: tools.t
  name: plain
  expects:
    name: {type: str}
    count: {type: int}
    tags: {type: "list[str] | None", default: null}
  steps:
    - {ref: a, action: core.transform.reshape, args: {value: 1}}
  returns: ${{ steps.a.result }}
`)
	complete := value.MapOf("name", "x", "count", 5, "tags", []any{"a"})
	if got, err := plain.ValidateInputs(complete); err != nil || got != complete {
		t.Errorf("ValidateInputs of a complete map = %v, %v; want the given map", got, err)
	}
	for _, given := range []*value.Map{
		value.MapOf("count", 5, "name", "x", "tags", []any{"a"}),
		value.MapOf("name", "x", "count", "5", "tags", []any{"a"}),
		value.MapOf("name", "x", "count", 5),
		value.MapOf("name", "x", "count", int64(5), "tags", []any{"a"}), // an int64 becomes an int
	} {
		got, err := plain.ValidateInputs(given)
		if err != nil || got == given {
			t.Fatalf("ValidateInputs(%s) = the given map or %v", value.Repr(given), err)
		}
		want := `{"name":"x","count":5,"tags":["a"]}`
		if given.Len() == 2 {
			want = `{"name":"x","count":5,"tags":null}`
		}
		if text, _ := value.MarshalJSON(got); string(text) != want {
			t.Errorf("ValidateInputs(%s) = %s, want %s", value.Repr(given), text, want)
		}
	}
	// ValidateGiven coerces the same way and leaves the defaults out.
	given = value.MapOf("count", "5", "name", "x", "when", "2024-01-02T03:04:05Z")
	got, err = ValidateGiven(tpl.ID(), tpl.Inputs, given)
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := value.MarshalJSON(got); string(text) != `{"name":"x","count":5,"when":"2024-01-02T03:04:05Z"}` {
		t.Errorf("ValidateGiven = %s", text)
	}
	// Values already of their types come back as given, not copied.
	exact := value.MapOf("count", 5, "name", "x")
	if got, err := ValidateGiven(tpl.ID(), tpl.Inputs, exact); err != nil || got != exact {
		t.Errorf("ValidateGiven of exact values = %v, %v; want the given map", got, err)
	}
	// A missing required input is still reported.
	if _, err := ValidateGiven(tpl.ID(), tpl.Inputs, value.MapOf("count", 5)); err == nil ||
		err.Error() != "invalid inputs for tools.t.t:\n  name: required input is missing (type str)" {
		t.Errorf("ValidateGiven without name: %v", err)
	}

	bad := value.MapOf("count", "many", "tags", []any{"a", 2}, "colour", "red", "size", 1)
	wantErr := `invalid inputs for tools.t.t:
  name: required input is missing (type str)
  count: expected int, got 'many' (str)
  tags[1]: expected str, got 2 (int)
  colour: unknown input; declared inputs are: count, name, ratio, tags, when
  size: unknown input; declared inputs are: count, name, ratio, tags, when`
	if _, err = tpl.ValidateInputs(bad); err == nil || err.Error() != wantErr {
		t.Errorf("error:\n%v\nwant:\n%s", err, wantErr)
	}
	if _, err = ValidateGiven(tpl.ID(), tpl.Inputs, bad); err == nil || err.Error() != wantErr {
		t.Errorf("ValidateGiven error:\n%v\nwant:\n%s", err, wantErr)
	}
}

func TestValidateInputsWithoutExpects(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `definition:
  title: T
  display_group: G
  namespace: tools.t
  name: t
  expects: {}
  steps:
    - {ref: a, action: core.transform.reshape, args: {value: 1}}
  returns: ${{ steps.a.result }}
`)
	if got, err := tpl.ValidateInputs(nil); err != nil || got.Len() != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
	_, err := tpl.ValidateInputs(value.MapOf("x", 1))
	want := "invalid inputs for tools.t.t:\n  x: unknown input; this template declares no inputs (declare it under expects: to accept it)"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestDiagnosticsAllReported(t *testing.T) {
	t.Parallel()
	_, ds := Parse("many.yml", []byte(`type: action
definition:
  titel: T
  display_group: G
  namespace: tools.t
  name: T
  expects:
    a: {type: strr}
    b: {type: int, default: x}
  steps:
    - {ref: s, action: nope}
    - {ref: s, action: core.x, when: 1}
  returns: 1
`))
	want := `many.yml:3:3: unknown key "titel" in definition; did you mean "title"?
many.yml:2:1: definition is missing required key "title"
many.yml:6:9: name "T" must use only lowercase letters, digits and underscores (it is the last part of the action name)
many.yml:8:15: invalid type "strr" for input "a": unknown type "strr"; expected one of str, int, float, bool, datetime, duration, any, None, list[...], dict[...], enum[...]
many.yml:9:29: default of input "b" does not match its type int: expected int, got 'x' (str)
many.yml:11:24: action "nope" must be a dotted name of lowercase letters, digits and underscores, e.g. core.http_request
many.yml:12:32: unknown key "when" in step "s"; expected one of: ref, action, args, retries
many.yml:12:13: duplicate step ref "s" (first at line 11)
many.yml:13:12: returns must be a string, a list of strings or a mapping, not the number 1`
	if ds.Error() != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", ds.Error(), want)
	}
}

func TestSecretNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s          Secret
		name, key  string
		keysString string
	}{
		{Secret{Kind: OAuthSecret, ProviderID: "github", GrantType: AuthorizationCode}, "github_oauth", "GITHUB_USER_TOKEN", "GITHUB_USER_TOKEN"},
		{Secret{Kind: OAuthSecret, ProviderID: "github", GrantType: ClientCredentials}, "github_oauth", "GITHUB_SERVICE_TOKEN", "GITHUB_SERVICE_TOKEN"},
		{Secret{Kind: OAuthSecret, ProviderID: "custom_my_api", GrantType: ClientCredentials}, "custom_my_api_oauth", "CUSTOM_MY_API_SERVICE_TOKEN", "CUSTOM_MY_API_SERVICE_TOKEN"},
		{Secret{Kind: CustomSecret, Name: "okta", Keys: []string{"A"}, OptionalKeys: []string{"B"}}, "okta", "", "A,B"},
	}
	for _, c := range cases {
		if c.s.SecretName() != c.name || c.s.TokenKey() != c.key || strings.Join(c.s.AllKeys(), ",") != c.keysString {
			t.Errorf("%+v: got %s %s %v", c.s, c.s.SecretName(), c.s.TokenKey(), c.s.AllKeys())
		}
	}
}

// A template keeps the text it was parsed from, CRLFs and all, so that a
// run can carry it to other machines as it was validated.
func TestSourceIsTheTextParsed(t *testing.T) {
	src := "definition:\r\n  title: T\r\n  display_group: G\r\n  namespace: tools.t\r\n  name: t\r\n  expects: {}\r\n  steps:\r\n    - {ref: a, action: core.transform.reshape, args: {value: 1}}\r\n  returns: done\r\n"
	tpl, ds := Parse("t.yml", []byte(src))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	if tpl.Source() != src {
		t.Errorf("Source() = %q, want the text parsed", tpl.Source())
	}
	if got := tpl.SourceLine(2); got != "  title: T" {
		t.Errorf("SourceLine(2) = %q", got)
	}
}

// Aliases stand for their anchored values everywhere, not only in args.
func TestAliasesOutsideArgs(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `definition:
  title: &title Users
  display_group: *title
  namespace: tools.t
  name: t
  secrets:
    - {name: &okta okta, keys: &keys [OKTA_API_TOKEN]}
    - {name: backup, keys: *keys, optional_keys: [*okta]}
  expects:
    id: &str {type: str}
    name: *str
  steps:
    - &step {ref: a, action: core.http_request, args: {url: "${{ inputs.id }}${{ inputs.name }}", method: GET}}
  returns: ${{ steps.a.result }}
`)
	got := fmt.Sprintf("%s|%v|%s|%s", tpl.DisplayGroup, tpl.Secrets, strings.Join(tpl.InputNames(), ","), tpl.Inputs[1].Type)
	if want := "Users|[okta (OKTA_API_TOKEN) backup (OKTA_API_TOKEN, okta?)]|id,name|str"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
