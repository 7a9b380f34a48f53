package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/template"
)

func init() {
	commands = append(commands, &command{
		name:    "validate",
		summary: "check template files and folders without running them",
		usage:   "  actuate validate [--json] [--strict] PATH...",
		help: `Loads every template file named, and every *.yml and *.yaml file under the
folders named (skipping names that start with "." or "_" and *.test.yaml
case files), and reports every problem found, not only the first: YAML and
schema errors, input types, expressions (syntax, functions, the inputs,
earlier steps and secrets they read), and each step's action and arguments
against the action it calls. Steps are checked against their actions once
a template has no other error, so that one mistake does not show as many:
fix what is reported and run validate again. Each problem reads:

  file:line:col: message
      the source line
      ^ under the offending character

Warnings read "file:line:col: warning: message"; they do not fail the check
unless --strict is given. The last line is a summary:

  checked N templates: K ok, F failed

Exit status is 0 when every template is clean, 2 otherwise.

With --json, each template is printed as one JSON object per line:
  {"file": ..., "action": ..., "ok": ..., "diagnostics": [{"severity": "error",
   "line": 3, "column": 5, "message": ...}]}
and the summary goes to standard error.
`,
		run: runValidate,
	})
}

func runValidate(_ context.Context, e *env, args []string) int {
	c := lookupCommand("validate")
	fs := newFlags(c)
	asJSON := fs.Bool("json", false, "print one JSON object per template instead of text")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	paths, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) == 0 {
		e.errorf("validate: name at least one template file or folder, e.g. actuate validate testdata/templates")
		return exitUsage
	}
	reg, results := template.LoadPaths(paths...)
	for i := range results {
		if t := results[i].Template; t != nil && !results[i].Diags.HasErrors() {
			results[i].Diags = append(results[i].Diags, engine.Check(t, reg, nil)...)
		}
	}
	failed := 0
	for _, r := range results {
		ok := r.OK(*strict)
		if !ok {
			failed++
		}
		if *asJSON {
			writeJSONResult(e, r, ok)
			continue
		}
		for _, d := range r.Diags {
			fmt.Fprintln(e.stdout, d.String())
			if s := d.Snippet(); s != "" {
				fmt.Fprintln(e.stdout, s)
			}
		}
	}
	summary := e.stdout
	if *asJSON {
		summary = e.stderr
	}
	fmt.Fprintf(summary, "checked %d templates: %d ok, %d failed\n", len(results), len(results)-failed, failed)
	if failed > 0 {
		return exitUsage
	}
	return exitOK
}

type jsonDiagnostic struct {
	Severity template.Severity `json:"severity"`
	Line     int               `json:"line"`
	Column   int               `json:"column"`
	Message  string            `json:"message"`
}

type jsonResult struct {
	File        string           `json:"file"`
	Action      string           `json:"action,omitempty"`
	OK          bool             `json:"ok"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
}

func writeJSONResult(e *env, r template.FileResult, ok bool) {
	out := jsonResult{File: r.File, OK: ok, Diagnostics: []jsonDiagnostic{}}
	if r.Template != nil && r.Template.Name != "" && r.Template.Namespace != "" {
		out.Action = r.Template.ID()
	}
	for _, d := range r.Diags {
		out.Diagnostics = append(out.Diagnostics, jsonDiagnostic{Severity: d.Severity, Line: d.Pos.Line, Column: d.Pos.Column, Message: d.Message})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
}
