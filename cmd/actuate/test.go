package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/actuatehq/actuate/engine/golden"
)

func init() {
	commands = append(commands, &command{
		name:    "test",
		summary: "run the golden test cases (*.test.yaml) of templates",
		usage: `  actuate test [--update] [--run REGEXP] [--json] [PATH...]
               [--python-sandbox on|off] [--python-cpu TIME] [--python-memory SIZE]`,
		help: `Finds the test case files (*.test.yaml, *.test.yml) under each PATH
(default "."; folders are searched recursively, skipping names that start
with "." or "_"), runs every case with no network, answering HTTP requests
from the case's cassette, and compares the result with the case's golden
file, or its error with the one the case expects. Cases run in parallel.

  actuate test testdata/templates
  actuate test --run 'list_repos.test.yaml/not_found' testdata/templates
  actuate test --update testdata/templates/github

Each case names an action (or runs the template beside its file:
list_repos.yml for list_repos.test.yaml), its inputs, fake secrets and
variables, a cassette (inline or a file), and expects a golden result
file (default <file>.<case>.golden.json), an exact error, and optionally
the exact requests sent. See the README's "Golden tests" for the format.

A case passes when its result, normalised (JSON, keys sorted, two-space
indent, date-times as "<time>", UUIDs and ULIDs as "<uuid:N>" and
"<ulid:N>"), equals its golden file byte for byte, every request matched
a cassette interaction, and every interaction was used. A failing case is
shown with a unified diff of the golden (or expected error or requests)
against what the run produced.

--run REGEXP selects the cases whose name, "FILE/CASE" as printed,
matches. --update rewrites the golden files of the selected cases instead
of comparing them, and, for a case with a live URL, first records its
cassette file by running live against that URL; other cassettes are kept.
Expected errors and requests are never rewritten. --json prints one object
per case per line: name, file, case, status (pass, fail or updated),
message, diff, duration_ms.

` + pythonHelp + `

Exit status: 0 all cases pass, 1 a case failed, 2 bad usage or a case
file that does not load (reported as file:line:col: message).
`,
		run: runTest,
	})
}

func runTest(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("test")
	fs := newFlags(c)
	var (
		update, asJSON bool
		run            string
	)
	fs.BoolVar(&update, "update", false, "rewrite the golden files (and record the cassettes of cases with a live URL) of the selected cases")
	fs.StringVar(&run, "run", "", "run only the cases whose FILE/CASE name matches this `regexp`")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object per case per line")
	var python pythonFlags
	python.register(fs, e)
	paths, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	acts, err := python.registry()
	if err != nil {
		e.errorf("test: %v", err)
		return exitUsage
	}
	opts := golden.Options{Update: update, Actions: acts}
	if run != "" {
		re, err := regexp.Compile(run)
		if err != nil {
			e.errorf("test: --run: %v", err)
			return exitUsage
		}
		opts.Run = re
	}
	suite, err := golden.Load(paths...)
	if err != nil {
		e.errorf("test: %v", err)
		return exitUsage
	}
	for _, err := range suite.Errors {
		fmt.Fprintln(e.stderr, err)
	}
	outcomes := suite.Run(ctx, opts)
	var passed, failed, updated int
	for _, o := range outcomes {
		switch o.Status {
		case golden.Pass:
			passed++
		case golden.Updated:
			updated++
		default:
			failed++
		}
		if asJSON {
			line, _ := json.Marshal(o)
			fmt.Fprintf(e.stdout, "%s\n", line)
			continue
		}
		switch o.Status {
		case golden.Pass:
			fmt.Fprintf(e.stdout, "ok      %s\n", o.Name)
		case golden.Updated:
			fmt.Fprintf(e.stdout, "updated %s: %s\n", o.Name, o.Message)
		default:
			fmt.Fprintf(e.stdout, "FAIL    %s\n", o.Name)
			fmt.Fprintf(e.stdout, "%s\n", indentText(o.Message))
			if o.Diff != "" {
				fmt.Fprintf(e.stdout, "%s\n", indentText(strings.TrimSuffix(o.Diff, "\n")))
			}
		}
	}
	summary := fmt.Sprintf("%d cases: %d passed, %d failed", len(outcomes), passed, failed)
	if update {
		summary += fmt.Sprintf(", %d updated", updated)
	}
	if n := len(suite.Errors); n > 0 {
		summary += fmt.Sprintf("; %d case files do not load", n)
	}
	if asJSON {
		fmt.Fprintln(e.stderr, summary)
	} else {
		fmt.Fprintln(e.stdout, summary)
	}
	switch {
	case len(suite.Errors) > 0:
		return exitUsage
	case failed > 0:
		return exitFailed
	case len(outcomes) == 0:
		e.errorf("test: no test cases found in %s", strings.Join(paths, " "))
		if opts.Run != nil {
			return exitOK
		}
		return exitUsage
	}
	return exitOK
}

func indentText(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
