package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/secrets"
)

func init() {
	commands = append(commands, &command{
		name:    "vars",
		summary: "store, list and delete workspace variables (VARS)",
		usage: `  actuate vars set NAME KEY=VALUE... [--env ENV]
  actuate vars get NAME [--env ENV]
  actuate vars list [--env ENV] [--json]
  actuate vars delete NAME [--env ENV]`,
		help: `Manages the workspace variables that "actuate run" gives templates as
VARS.<name>.<key>: settings that are not secret, such as a base URL. They
are kept in plain text in the store next to the secrets (see "actuate help
secrets").

  actuate vars set okta base_url=https://acme.okta.com
  actuate vars set limits page_size=100 retry=true --env prod

set stores the variable NAME with exactly the keys given, replacing any it
had. A VALUE is read as JSON when it parses as JSON (100, true, ["a"],
{"k": 1}) and as text otherwise; KEY=@file reads a file and KEY=- standard
input (one key at most), without the trailing newline. Names are lowercase
letters, digits and underscores; keys are letters, digits and underscores.

get prints one variable's values as JSON; list prints every variable with
its values (without --env, of every environment); delete removes one.

Each variable belongs to an environment, "default" unless --env says
otherwise; "actuate run --env ENV" reads the variables of ENV, and its --var
and --vars-file flags replace stored variables of the same name for one run.

Exit status: 0 success, 1 the variable does not exist or the store failed,
2 bad usage, a bad name or key, or a store that cannot be opened.
`,
		run: runVars,
	})
}

func runVars(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("vars")
	fs := newFlags(c)
	var f storeFlags
	fs.StringVar(&f.env, "env", "", "the `environment` (default \"default\"; list: every environment)")
	fs.BoolVar(&f.json, "json", false, "list: print JSON instead of a table")
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(rest) == 0 {
		e.errorf("vars: say set, get, list or delete; run \"actuate vars --help\" for usage")
		return exitUsage
	}
	sub, rest := rest[0], rest[1:]
	var err error
	switch sub {
	case "set":
		err = checkFlags(c, fs, sub, "env")
		if err == nil && len(rest) < 2 {
			err = errors.New("vars set: give a name and at least one KEY=VALUE, e.g. actuate vars set okta base_url=https://acme.okta.com")
		}
	case "list":
		err = checkFlags(c, fs, sub, "env", "json")
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("vars list: unexpected arguments %s", strings.Join(rest, " "))
		}
	case "get", "delete":
		err = checkFlags(c, fs, sub, "env")
		if err == nil && len(rest) != 1 {
			err = fmt.Errorf("vars %s: give one variable name", sub)
		}
	default:
		e.errorf("vars: unknown subcommand %q; use set, get, list or delete", sub)
		return exitUsage
	}
	if err == nil && f.env != "" {
		err = secrets.ValidEnvironment(f.env)
	}
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	switch sub {
	case "set":
		return setVar(ctx, e, f.env, rest[0], rest[1:])
	case "list":
		return listVars(ctx, e, f.env, f.json)
	case "get":
		return getVar(ctx, e, f.env, rest[0])
	default:
		return deleteVar(ctx, e, f.env, rest[0])
	}
}

func setVar(ctx context.Context, e *env, envName, name string, args []string) int {
	if err := secrets.ValidVarName(name); err != nil {
		return storeCode(e, "vars set", err)
	}
	keys, texts, err := readAssignments(e, "vars set", args, false)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	values := value.NewMap(len(keys))
	for _, k := range keys {
		if !secrets.IsKeyName(k) { // refused before the store is created for nothing
			e.errorf("vars set: variable %s: invalid key name %q: use letters, digits and underscores", name, k)
			return exitUsage
		}
		values.Set(k, jsonOrText(texts[k]))
	}
	st, err := openStore(ctx, e, envName, true)
	if err != nil {
		return storeCode(e, "vars set", err)
	}
	defer st.Close()
	if err := st.SetVar(ctx, name, envName, values); err != nil {
		return storeCode(e, "vars set", err)
	}
	fmt.Fprintf(e.stdout, "saved variable %s in environment %s with keys %s\n", name, orDefaultEnv(envName), strings.Join(keys, ", "))
	return exitOK
}

func listVars(ctx context.Context, e *env, envName string, asJSON bool) int {
	st, err := openStore(ctx, e, envName, false)
	if err != nil {
		return storeCode(e, "vars list", err)
	}
	var list []secrets.Variable
	if st != nil {
		defer st.Close()
		if list, err = st.ListVars(ctx, envName); err != nil {
			return storeCode(e, "vars list", err)
		}
	}
	if asJSON {
		type row struct {
			Name        string     `json:"name"`
			Environment string     `json:"environment"`
			Values      *value.Map `json:"values"`
		}
		rows := []row{}
		for _, v := range list {
			rows = append(rows, row{v.Name, v.Environment, v.Values})
		}
		writeJSON(e.stdout, rows)
		return exitOK
	}
	if len(list) == 0 {
		e.errorf("no variables stored; add one with: actuate vars set NAME KEY=VALUE")
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tENVIRONMENT\tVALUES")
	for _, v := range list {
		text, _ := value.MarshalJSON(v.Values)
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Name, v.Environment, text)
	}
	_ = tw.Flush()
	return exitOK
}

func getVar(ctx context.Context, e *env, envName, name string) int {
	st, code := openNamed(ctx, e, "vars get", "variable", name, envName)
	if st == nil {
		return code
	}
	defer st.Close()
	values, err := st.GetVar(ctx, name, envName)
	if err != nil {
		return storeCode(e, "vars get", err)
	}
	writeJSON(e.stdout, values)
	return exitOK
}

func deleteVar(ctx context.Context, e *env, envName, name string) int {
	st, code := openNamed(ctx, e, "vars delete", "variable", name, envName)
	if st == nil {
		return code
	}
	defer st.Close()
	if err := st.DeleteVar(ctx, name, envName); err != nil {
		return storeCode(e, "vars delete", err)
	}
	fmt.Fprintf(e.stdout, "deleted variable %s from environment %s\n", name, orDefaultEnv(envName))
	return exitOK
}
