package actions_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// githubOAuth is the GitHub OAuth token the custom action reads.
var githubOAuth = actions.OAuthSecret("github", template.AuthorizationCode)

// listRepos is a custom action written in Go: tools.github.list_repos.
var listRepos = &actions.Func{
	ActionSpec: actions.Spec{
		Name:        "tools.github.list_repos",
		Title:       "List repositories",
		Description: "List the repositories of a GitHub organization.",
		Inputs: []*template.Input{
			actions.Input("owner", "str", "Organization that owns the repositories."),
			actions.OptionalInput("base_url", "str", "https://api.github.com", "API base URL."),
		},
		Secrets: []*template.Secret{githubOAuth},
	},
	Fn: func(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
		owner, _ := args.Get("owner")
		base, _ := args.Get("base_url")
		token, ok := env.Secrets.Get(githubOAuth.SecretName(), githubOAuth.TokenKey())
		if !ok {
			return nil, fmt.Errorf("no GitHub token")
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/orgs/%s/repos", base, owner), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := (&http.Client{Transport: env.Transport}).Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GitHub answered %s", resp.Status)
		}
		return value.ParseJSON(body)
	},
}

// fakeGitHub answers GET /orgs/acme/repos for the token gho_example.
func fakeGitHub() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/orgs/acme/repos" || r.Header.Get("Authorization") != "Bearer gho_example" {
			http.Error(w, `{"message": "Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"name": "widgets"}, {"name": "gadgets"}]`)
	}))
}

// A custom action in Go, registered and run through the engine with its
// OAuth token given as a secret.
func ExampleFunc() {
	srv := fakeGitHub()
	defer srv.Close()

	reg := actions.Default.Clone()
	reg.MustRegister(listRepos)

	res, err := engine.Run(context.Background(), "tools.github.list_repos",
		value.MapOf("owner", "acme", "base_url", srv.URL),
		engine.Options{
			Actions: reg,
			Secrets: engine.StaticSecrets{"github_oauth": {"GITHUB_USER_TOKEN": "gho_example"}},
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := value.MarshalJSON(res.Value)
	fmt.Println(string(out))
	// Output: [{"name":"widgets"},{"name":"gadgets"}]
}

// TestGoActionFromTemplate calls the Go action from a template step: the
// template declares nothing itself, the action's OAuth secret is gathered
// from its spec, and a missing token stops the run before the step.
func TestGoActionFromTemplate(t *testing.T) {
	t.Parallel()
	srv := fakeGitHub()
	defer srv.Close()
	reg := actions.NewRegistry()
	reg.MustRegister(listRepos)
	dir := t.TempDir()
	src := `definition:
  title: Repo names
  display_group: GitHub
  namespace: tools.example
  name: repo_names
  expects:
    base_url: {type: str}
  steps:
    - ref: repos
      action: tools.github.list_repos
      args:
        owner: acme
        base_url: ${{ inputs.base_url }}
  returns: ${{ steps.repos.result[*].name }}
`
	if err := os.WriteFile(filepath.Join(dir, "names.yml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	templates, _ := template.LoadPaths(dir)
	opts := engine.Options{Templates: templates, Actions: reg, Secrets: engine.StaticSecrets{"github_oauth": {"GITHUB_USER_TOKEN": "gho_example"}}}
	res, err := engine.Run(t.Context(), "tools.example.repo_names", value.MapOf("base_url", srv.URL), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := value.MarshalJSON(res.Value); string(got) != `["widgets","gadgets"]` {
		t.Errorf("result = %s", got)
	}
	opts.Secrets = nil
	_, err = engine.Run(t.Context(), "tools.example.repo_names", value.MapOf("base_url", srv.URL), opts)
	want := "missing secrets for tools.example.repo_names:\n  github_oauth.GITHUB_USER_TOKEN: no OAuth token for provider github (authorization_code)"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	reg := actions.NewRegistry()
	if err := reg.Register(listRepos); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		a    actions.Action
		want string
	}{
		{listRepos, `actions: register "tools.github.list_repos": an action of that name is already registered`},
		{&actions.Func{ActionSpec: actions.Spec{Name: "Tools.X"}}, `actions: register "Tools.X": a name is dot-separated lowercase letters, digits and underscores, e.g. tools.github.list_repos`},
		{&actions.Func{ActionSpec: actions.Spec{Name: "nodot"}}, `actions: register "nodot": a name is dot-separated lowercase letters, digits and underscores, e.g. tools.github.list_repos`},
		{&actions.Func{ActionSpec: actions.Spec{Name: "tools.x.twice", Inputs: []*template.Input{{Name: "a"}, {Name: "b"}, {Name: "a"}}}}, `actions: register "tools.x.twice": input "a" is declared twice`},
	}
	for _, c := range cases {
		if err := reg.Register(c.a); err == nil || err.Error() != c.want {
			t.Errorf("Register(%s) = %v, want %s", c.a.Spec().Name, err, c.want)
		}
	}
	clone := reg.Clone()
	clone.MustRegister(&actions.Func{ActionSpec: actions.Spec{Name: "tools.x.y"}})
	if _, ok := reg.Lookup("tools.x.y"); ok {
		t.Error("Clone shares its map with the original")
	}
	if n := len(clone.All()); n != 2 {
		t.Errorf("clone has %d actions", n)
	}
}

// TestRegistryConcurrent registers actions while other goroutines look
// them up (run it with -race): every lookup sees a whole registry.
func TestRegistryConcurrent(t *testing.T) {
	t.Parallel()
	reg := actions.NewRegistry()
	reg.MustRegister(listRepos)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, ok := reg.Lookup("tools.github.list_repos"); !ok {
					t.Error("a registered action went missing")
					return
				}
			}
		}()
	}
	for i := range 50 {
		reg.MustRegister(&actions.Func{ActionSpec: actions.Spec{Name: fmt.Sprintf("tools.x.a%d", i)}})
	}
	close(done)
	wg.Wait()
	if n := len(reg.All()); n != 51 {
		t.Errorf("%d actions, want 51", n)
	}
}
