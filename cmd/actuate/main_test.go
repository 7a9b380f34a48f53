package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/actions/pyscript"
	"github.com/actuatehq/actuate/secrets/oauth/oauthtest"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"actuate": func() { os.Exit(mainCode()) },
	})
}

// TestScripts runs the command-line scripts in testdata/script: each is a
// txtar archive of files and actuate invocations with their exact output.
// Run with -update to rewrite the expected output in place.
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sleep DURATION waits, e.g. for a background command to start.
			"sleep": func(ts *testscript.TestScript, neg bool, args []string) {
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				time.Sleep(d)
			},
			// replace FILE OLD NEW replaces every OLD in FILE by NEW.
			"replace": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 3 {
					ts.Fatalf("usage: replace FILE OLD NEW")
				}
				data := ts.ReadFile(args[0])
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.ReplaceAll(data, args[1], args[2])), 0o644))
			},
		},
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("REPO", repo)
			api := httptest.NewServer(fakeAPI())
			e.Defer(api.Close)
			e.Setenv("FAKE_API", api.URL)
			// A fake OAuth provider: client client-1, secret secret-1.
			provider := oauthtest.New()
			e.Defer(provider.Close)
			e.Setenv("FAKE_OAUTH", provider.URL)
			// Python steps: the interpreter found with this process's
			// environment (a launcher such as a pyenv shim may need it).
			py, err := pyscript.FindInterpreter("")
			if err != nil {
				return err
			}
			e.Setenv("ACTUATE_PYTHON", py.Path)
			return nil
		},
	})
}

// fakeAPI stands in for GitHub in the scripts: GET /orgs/{org}/repos
// answers for the token gho_test, and echoes the query; GET /slow never
// answers; anything else is a 404.
func fakeAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs/{org}/repos", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gho_test" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"message": "Bad credentials, got `+r.Header.Get("Authorization")+`"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `[{"name": "widgets", "org": "`+r.PathValue("org")+`", "query": "`+r.URL.RawQuery+`"}]`)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token": "live-tok-123456", "expires_in": 3600}`)
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers only when the client gives up
	})
	return mux
}
