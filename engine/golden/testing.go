package golden

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// UpdateEnv is the environment variable that makes [Run] rewrite goldens
// (and record cassettes of cases with a live URL): ACTUATE_UPDATE_GOLDEN=1
// go test ./...
const UpdateEnv = "ACTUATE_UPDATE_GOLDEN"

// Run runs the cases found under dirs as subtests of t, named by the case
// file's path relative to its dir and the case name
// (github/list_repos.test.yaml/lists_repos). Cases run in parallel,
// except when updating. It updates when the environment variable
// ACTUATE_UPDATE_GOLDEN is true (1, true, ...); use [RunOptions] to
// take the choice from a flag of the caller's own:
//
//	var update = flag.Bool("update", false, "rewrite golden files")
//
//	func TestTemplates(t *testing.T) {
//		golden.RunOptions(t, golden.Options{Update: *update}, "testdata")
//	}
func Run(t *testing.T, dirs ...string) {
	t.Helper()
	update, _ := strconv.ParseBool(os.Getenv(UpdateEnv))
	RunOptions(t, Options{Update: update}, dirs...)
}

// RunOptions is [Run] with options; Workers is ignored (subtests run
// under go test's -parallel).
func RunOptions(t *testing.T, opts Options, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		s, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range s.Errors {
			t.Error(err)
		}
		cases := s.Cases(opts.Run)
		if len(cases) == 0 && len(s.Errors) == 0 {
			t.Errorf("%s: no test cases (*.test.yaml)", dir)
		}
		for _, c := range cases {
			name := c.Name
			if rel, err := filepath.Rel(dir, c.File); err == nil {
				name = filepath.ToSlash(rel) + "/" + c.Name
			}
			t.Run(name, func(t *testing.T) {
				if !opts.Update {
					t.Parallel()
				}
				o := s.RunCase(t.Context(), c, opts)
				switch o.Status {
				case Fail:
					msg := c.ID() + ": " + o.Message
					if o.Diff != "" {
						msg += "\n" + o.Diff
					}
					t.Error(msg)
				case Updated:
					t.Log(o.Message)
				}
			})
		}
	}
}
