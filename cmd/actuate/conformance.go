package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/actuatehq/actuate/engine"
)

// The markers around the conformance summary in the README.
const (
	conformanceStart = "<!-- conformance:start -->"
	conformanceEnd   = "<!-- conformance:end -->"
)

func init() {
	commands = append(commands, &command{
		name:    "conformance",
		summary: "run every template of a folder against a fake API and count the outcomes",
		usage:   "  actuate conformance [--json] [--write-readme FILE] [--timeout DURATION] [--python-sandbox on|off] DIR",
		help: `Loads every template under DIR, validates each (as "actuate validate"
does), and runs each valid one for real against a catch-all responder: every
HTTP request, whatever its host, is answered in memory with status 200,
Content-Type application/json and the body {}. Nothing goes to the network.

Each run gets a value of the declared type for every required input, a fake
value for every key of every secret the template and the actions it calls
declare (OAuth tokens included), and a fake value for every
VARS.<name>.<key> it reads: https://conformance.invalid for keys that name
a URL (base_url), a placeholder string otherwise.

The output is a Markdown table, which reads as plain text too: how many
templates there are, how many validate, how many ran to completion, and how
many failed, by reason:

  unsupported action  a step calls an action actuate does not provide
                      (counted again by action in a second table)
  expression error    an expression failed to evaluate
  HTTP error          an HTTP step failed (status, timeout, poll gave up)
  input error         inputs or a step's arguments were refused
  missing secret      a secret was missing
  timeout             the run took longer than --timeout (default 10s)
  other               anything else

Then a table lists every template that did not validate or failed for a
reason other than an unsupported action, with the first line of its error.
--json prints the whole report, every template's result included, as JSON.

--write-readme FILE also replaces the text between the lines
` + conformanceStart + ` and ` + conformanceEnd + ` in FILE
with the counts (the first tables), so that one command regenerates the
README's compatibility summary:

  actuate conformance --write-readme README.md ../shared/corpus/tracecat/templates

Exit status is 0 when the report was made, whatever it says; 2 for bad
usage, a folder that cannot be read or a FILE without the markers; 1 when
FILE cannot be written.
`,
		run: runConformance,
	})
}

func runConformance(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("conformance")
	fs := newFlags(c)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	readme := fs.String("write-readme", "", "replace the summary between the conformance markers of this `file`")
	timeout := fs.Duration("timeout", 10*time.Second, "how long each template may run")
	var python pythonFlags
	python.register(fs, e)
	paths, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) != 1 {
		e.errorf("conformance: name one folder of templates, e.g. actuate conformance ../shared/corpus/tracecat/templates")
		return exitUsage
	}
	acts, err := python.registry()
	if err != nil {
		e.errorf("conformance: %v", err)
		return exitUsage
	}
	if *timeout <= 0 {
		e.errorf("conformance: --timeout must be positive")
		return exitUsage
	}
	var old []byte
	if *readme != "" {
		var err error
		if old, err = os.ReadFile(*readme); err != nil {
			e.errorf("conformance: %v", err)
			return exitUsage
		}
		if _, err := replaceBetweenMarkers(string(old), ""); err != nil {
			e.errorf("conformance: %s: %v", *readme, err)
			return exitUsage
		}
	}
	rep, err := engine.Conformance(ctx, paths[0], engine.ConformanceOptions{Timeout: *timeout, Actions: acts})
	if err != nil {
		e.errorf("conformance: %v", err)
		return exitUsage
	}
	if *asJSON {
		data, err := rep.JSON()
		if err != nil {
			e.errorf("conformance: %v", err)
			return exitFailed
		}
		_, _ = e.stdout.Write(data)
	} else {
		fmt.Fprint(e.stdout, rep.Summary())
		if f := rep.Failures(); f != "" {
			fmt.Fprint(e.stdout, "\n"+f)
		}
	}
	if *readme != "" {
		updated, _ := replaceBetweenMarkers(string(old), rep.Summary())
		if updated != string(old) {
			info, err := os.Stat(*readme)
			if err == nil {
				err = os.WriteFile(*readme, []byte(updated), info.Mode().Perm())
			}
			if err != nil {
				e.errorf("conformance: %v", err)
				return exitFailed
			}
		}
	}
	return exitOK
}

// replaceBetweenMarkers returns doc with the text between the conformance
// markers replaced by summary, set off by blank lines so that Markdown
// renders it as tables.
func replaceBetweenMarkers(doc, summary string) (string, error) {
	start := strings.Index(doc, conformanceStart)
	if start < 0 {
		return "", fmt.Errorf("no %s line to write the summary after", conformanceStart)
	}
	from := start + len(conformanceStart)
	end := strings.Index(doc[from:], conformanceEnd)
	if end < 0 {
		return "", fmt.Errorf("no %s line after %s", conformanceEnd, conformanceStart)
	}
	return doc[:from] + "\n\n" + summary + "\n" + doc[from+end:], nil
}
