package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

func init() {
	commands = append(commands, &command{
		name:    "actions",
		summary: "list the actions templates provide, or show one",
		usage: `  actuate actions list [--json] [--registry DIR]...
  actuate actions show NAME [--registry DIR]...`,
		help: `list prints every action found in the registry folders: its name
(namespace.name), title and source file, sorted by name. --json prints a JSON
array of {"name", "title", "file"} objects instead.

show prints one action: its description, each input with its type, default
and whether it is required, the secrets it reads and its documentation URL.

Folders come from --registry (repeatable) and ACTUATE_REGISTRY. Templates
with errors are left out, with a note on standard error; "actuate validate"
shows what is wrong with them.
`,
		run: runActions,
	})
}

func runActions(_ context.Context, e *env, args []string) int {
	c := lookupCommand("actions")
	fs := newFlags(c)
	var registry listFlag
	fs.Var(&registry, "registry", "a `folder` of templates (repeatable)")
	asJSON := fs.Bool("json", false, "list: print JSON instead of a table")
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(rest) == 0 {
		e.errorf("actions: say list or show NAME; run \"actuate actions --help\" for usage")
		return exitUsage
	}
	sub, rest := rest[0], rest[1:]
	switch {
	case sub == "list" && len(rest) == 0:
	case sub == "show" && len(rest) == 1:
	case sub == "list" || sub == "show":
		e.errorf("actions %s: unexpected arguments %s; run \"actuate actions --help\" for usage", sub, strings.Join(rest, " "))
		return exitUsage
	default:
		e.errorf("actions: unknown subcommand %q; use list or show NAME", sub)
		return exitUsage
	}
	reg := loadRegistry(e, registryPaths(e, registry))
	if sub == "list" {
		return listActions(e, reg, *asJSON)
	}
	return showAction(e, reg, rest[0])
}

// loadRegistry loads the template folders, noting on stderr the files that
// did not load.
func loadRegistry(e *env, paths []string) *template.Registry {
	reg, results := template.LoadPaths(paths...)
	var bad []string
	for _, r := range results {
		if !r.OK(false) {
			bad = append(bad, r.File)
		}
	}
	if len(bad) > 0 {
		e.errorf("note: %d template file(s) have errors and are left out (run \"actuate validate %s\" to see them): %s",
			len(bad), strings.Join(paths, " "), strings.Join(bad, ", "))
	}
	return reg
}

func listActions(e *env, reg *template.Registry, asJSON bool) int {
	if asJSON {
		type row struct {
			Name  string `json:"name"`
			Title string `json:"title"`
			File  string `json:"file"`
		}
		rows := []row{}
		for _, t := range reg.Templates() {
			rows = append(rows, row{t.ID(), t.Title, t.File})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rows)
		return exitOK
	}
	if reg.Len() == 0 {
		e.errorf("no actions found; add template folders with --registry DIR or ACTUATE_REGISTRY")
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTITLE\tSOURCE")
	for _, t := range reg.Templates() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.ID(), t.Title, t.File)
	}
	_ = tw.Flush()
	return exitOK
}

func showAction(e *env, reg *template.Registry, name string) int {
	t, ok := reg.Lookup(name)
	if !ok {
		e.errorf("actions show: no action named %q; run \"actuate actions list\" to see the names", name)
		return exitUsage
	}
	w := e.stdout
	fmt.Fprintf(w, "%s: %s\n", t.ID(), t.Title)
	if t.Description != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(t.Description))
	}
	fmt.Fprintln(w)
	if t.Deprecated != "" {
		fmt.Fprintf(w, "Deprecated: %s\n", t.Deprecated)
	}
	fmt.Fprintf(w, "Source: %s\n", t.File)
	if t.DocURL != "" {
		fmt.Fprintf(w, "Docs:   %s\n", t.DocURL)
	}
	fmt.Fprintln(w, "\nInputs:")
	if len(t.Inputs) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, in := range t.Inputs {
		need := "required"
		if in.HasDefault {
			text, err := value.MarshalJSON(in.Default)
			if err != nil {
				text = []byte(value.Repr(in.Default))
			}
			need = "default " + string(text)
		}
		desc := strings.Join(strings.Fields(in.Description), " ")
		if len(in.Enum) > 0 {
			desc = strings.TrimSpace(desc + " (one of: " + strings.Join(in.Enum, ", ") + ")")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", in.Name, in.TypeText, need, desc)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nSecrets:")
	if len(t.Secrets) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, s := range t.Secrets {
		fmt.Fprintf(w, "  %s\n", s)
	}
	return exitOK
}
