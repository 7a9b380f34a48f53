package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

func init() {
	commands = append(commands, &command{
		name:    "actions",
		summary: "list the actions templates provide, or show one",
		usage: `  actuate actions list [--json] [--registry DIR]...
  actuate actions show NAME [--registry DIR]...`,
		help: `list prints every action: the templates found in the registry folders and
the built-in actions (core.http_request, ...), with name, title and source
file ("built-in" for actions compiled into actuate), sorted by name. --json prints a JSON
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
	if sub == "show" {
		if err := checkFlags(c, fs, sub, "registry"); err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
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

// entry is one action of the listing: a template or a Go action.
type entry struct {
	name, title, description, docURL, source, deprecated string
	inputs                                               []*template.Input
	secrets                                              []*template.Secret
}

// entries lists the templates and the registered Go actions, by name.
func entries(reg *template.Registry) []entry {
	var out []entry
	for _, t := range reg.Templates() {
		out = append(out, entry{t.ID(), t.Title, t.Description, t.DocURL, t.File, t.Deprecated, t.Inputs, t.Secrets})
	}
	for _, a := range actions.Default.All() {
		s := a.Spec()
		if _, shadowed := reg.Lookup(s.Name); shadowed {
			continue
		}
		out = append(out, entry{s.Name, s.Title, s.Description, s.DocURL, "built-in", "", s.Inputs, s.Secrets})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func listActions(e *env, reg *template.Registry, asJSON bool) int {
	all := entries(reg)
	if asJSON {
		type row struct {
			Name  string `json:"name"`
			Title string `json:"title"`
			File  string `json:"file"`
		}
		rows := []row{}
		for _, a := range all {
			rows = append(rows, row{a.name, a.title, a.source})
		}
		writeJSON(e.stdout, rows)
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTITLE\tSOURCE")
	for _, a := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.name, a.title, a.source)
	}
	_ = tw.Flush()
	if reg.Len() == 0 {
		e.errorf("note: no templates loaded; add template folders with --registry DIR or ACTUATE_REGISTRY")
	}
	return exitOK
}

func showAction(e *env, reg *template.Registry, name string) int {
	var a *entry
	for _, x := range entries(reg) {
		if x.name == name {
			a = &x
			break
		}
	}
	if a == nil {
		e.errorf("actions show: no action named %q; run \"actuate actions list\" to see the names", name)
		return exitUsage
	}
	w := e.stdout
	fmt.Fprintf(w, "%s: %s\n", a.name, a.title)
	if a.description != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(a.description))
	}
	fmt.Fprintln(w)
	if a.deprecated != "" {
		fmt.Fprintf(w, "Deprecated: %s\n", a.deprecated)
	}
	fmt.Fprintf(w, "Source: %s\n", a.source)
	if a.docURL != "" {
		fmt.Fprintf(w, "Docs:   %s\n", a.docURL)
	}
	fmt.Fprintln(w, "\nInputs:")
	if len(a.inputs) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, in := range a.inputs {
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
	if len(a.secrets) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, s := range a.secrets {
		fmt.Fprintf(w, "  %s\n", s)
	}
	return exitOK
}
