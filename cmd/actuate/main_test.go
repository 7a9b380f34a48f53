package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"actuate": func() {
			os.Exit(run(context.Background(), os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
		},
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
		UpdateScripts:       *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("REPO", repo)
			api := httptest.NewServer(fakeAPI())
			e.Defer(api.Close)
			e.Setenv("FAKE_API", api.URL)
			return nil
		},
	})
}

// fakeAPI stands in for GitHub in the scripts: GET /orgs/{org}/repos
// answers for the token gho_test, and echoes the query; anything else is a
// 404 with a JSON body.
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
	return mux
}
