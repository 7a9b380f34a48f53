package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr"
	"github.com/actuatehq/actuate/expr/value"
)

func init() {
	commands = append(commands, &command{
		name:    "eval",
		summary: "evaluate an expression against a context, to debug templates",
		usage:   "  actuate eval [EXPR] [--context FILE] [-i key=value]... [--secret NAME.KEY=VALUE]... [--var NAME.KEY=VALUE]...",
		help: `Evaluates one expression, with or without delimiters, and prints its value
as JSON on standard output:

  actuate eval 'inputs.base_url || "https://api.example.com"' -i base_url=
  actuate eval 'users/${{ FN.url_encode(inputs.id) }}' -i id='a b'

A string with ${{ ... }} or $<< ... >> is a template string: exactly one
expression keeps its type, anything else becomes text. Without delimiters
EXPR is one expression.

The context is a JSON or YAML file with any of inputs, steps, SECRETS, VARS
and ENV; -i, --secret and --var add to it. -i and --var values are read as
JSON when they parse as JSON (5, true, ["a"]), as text otherwise;
key=@file reads the value from a file.

Values derived from SECRETS are shown as "***" unless --show-secrets is
given. Errors go to standard error with a caret under the failing character
and exit status 2.

Without EXPR, eval reads one expression per line from standard input (with
a prompt on a terminal) until end of input.
`,
		run: runEval,
	})
}

type evalFlags struct {
	context     string
	inputs      listFlag
	secrets     listFlag
	vars        listFlag
	showSecrets bool
}

func runEval(_ context.Context, e *env, args []string) int {
	c := lookupCommand("eval")
	fs := newFlags(c)
	var f evalFlags
	fs.Var(fileFlag{&f.context}, "context", "a JSON or YAML `file` with inputs, steps, SECRETS, VARS or ENV")
	fs.Var(&f.inputs, "i", "an input `key=value` (repeatable)")
	fs.Var(&f.secrets, "secret", "a secret `NAME.KEY=VALUE` (repeatable)")
	fs.Var(&f.vars, "var", "a variable `NAME.KEY=VALUE` (repeatable)")
	fs.BoolVar(&f.showSecrets, "show-secrets", false, "show values derived from SECRETS instead of ***")
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(rest) > 1 {
		e.errorf("eval: give one expression (quote it), got %d arguments", len(rest))
		return exitUsage
	}
	envv, secretValues, err := buildEvalEnv(&f)
	if err != nil {
		e.errorf("eval: %v", err)
		return exitUsage
	}
	ev := &evaluator{e: e, env: envv, red: engine.NewRedactor(), show: f.showSecrets}
	ev.red.AddValue(secretValues)
	if len(rest) == 1 {
		if !ev.eval(rest[0]) {
			return exitUsage
		}
		return exitOK
	}
	return ev.repl()
}

type evaluator struct {
	e    *env
	env  expr.Env
	red  *engine.Redactor // knows the secrets and their encoded forms
	show bool
}

// eval evaluates src and prints the result or the error; it reports
// success.
func (ev *evaluator) eval(src string) bool {
	var (
		result any
		err    error
		reads  bool
	)
	if expr.HasExpressions(src) {
		var t *expr.Text
		if t, err = expr.Compile(src); err == nil {
			for _, x := range t.Exprs() {
				reads = reads || x.Reads("SECRETS")
			}
			result, err = t.Eval(ev.env)
		}
	} else {
		var x *expr.Expr
		if x, err = expr.CompileExpr(src); err == nil {
			reads = x.Reads("SECRETS")
			result, err = x.Eval(ev.env)
		}
	}
	if err != nil {
		ev.printError(src, err)
		return false
	}
	if reads && !ev.show {
		// The value derives from a secret: its strings and numbers become
		// secrets too, masked here and in later results and errors (in
		// text, those of two characters or more).
		ev.red.AddValue(result)
		result = ev.red.Value(result)
	}
	text, err := value.MarshalJSON(result)
	if err != nil {
		text = []byte(value.Repr(result))
	}
	fmt.Fprintln(ev.e.stdout, string(text))
	return true
}

// printError shows each error with the expression and a caret under the
// failing character.
func (ev *evaluator) printError(src string, err error) {
	var list expr.Errors
	var one *expr.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = expr.Errors{one}
	default:
		ev.e.errorf("eval: %s", ev.scrub(err.Error()))
		return
	}
	for _, x := range list {
		ev.e.errorf("eval: %s", ev.scrub(x.Msg))
		line, col := lineAt(src, x.Offset)
		fmt.Fprintf(ev.e.stderr, "    %s\n    %s^\n", ev.scrub(line), strings.Repeat(" ", col))
	}
}

// lineAt returns the line of src holding offset and the offset's column in
// characters.
func lineAt(src string, off int) (string, int) {
	off = min(max(off, 0), len(src))
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := strings.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	return src[start:end], utf8.RuneCountInString(src[start:off])
}

// scrub masks secret values, and their encoded forms, in a message.
func (ev *evaluator) scrub(s string) string {
	if ev.show {
		return s
	}
	return ev.red.String(s)
}

func (ev *evaluator) repl() int {
	in, ok := ev.e.stdin.(*os.File)
	interactive := ok && isTerminal(in)
	sc := bufio.NewScanner(ev.e.stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	failed := false
	for {
		if interactive {
			fmt.Fprint(ev.e.stderr, "> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !ev.eval(line) {
			failed = true
		}
	}
	if interactive {
		fmt.Fprintln(ev.e.stderr)
	}
	if failed && !interactive {
		return exitUsage
	}
	return exitOK
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// buildEvalEnv reads the context file and the flags into an Env, and
// returns the SECRETS context, whose values must be kept out of messages.
func buildEvalEnv(f *evalFlags) (expr.Env, any, error) {
	ctx := value.NewMap(5)
	if f.context != "" {
		data, err := os.ReadFile(f.context)
		if err != nil {
			return nil, nil, fmt.Errorf("--context: %v", err)
		}
		v, err := decodeData(data)
		if err != nil {
			return nil, nil, fmt.Errorf("--context %s: %v", f.context, err)
		}
		m, ok := v.(*value.Map)
		if !ok {
			return nil, nil, fmt.Errorf("--context %s: the file must hold a mapping with any of inputs, steps, SECRETS, VARS, ENV", f.context)
		}
		for _, k := range m.Keys() {
			if !contextNames[k] {
				return nil, nil, fmt.Errorf("--context %s: unknown context %q; use inputs, steps, SECRETS, VARS or ENV", f.context, k)
			}
		}
		ctx = m
	}
	for _, a := range f.inputs {
		key, val, err := splitAssignment(a, "-i", "key=value", false)
		if err != nil {
			return nil, nil, err
		}
		v, err := readValue(val)
		if err != nil {
			return nil, nil, fmt.Errorf("-i %s: %v", key, err)
		}
		ctx.Child("inputs").Set(key, v)
	}
	for _, a := range f.vars {
		name, key, val, err := splitNamed(a, "--var", false)
		if err != nil {
			return nil, nil, err
		}
		v, err := readValue(val)
		if err != nil {
			return nil, nil, fmt.Errorf("--var %s.%s: %v", name, key, err)
		}
		ctx.Child("VARS").Child(name).Set(key, v)
	}
	for _, a := range f.secrets {
		name, key, val, err := splitNamed(a, "--secret", true)
		if err != nil {
			return nil, nil, err
		}
		text, err := readSecretText(val)
		if err != nil {
			return nil, nil, fmt.Errorf("--secret %s.%s: %v", name, key, secretFileError(err))
		}
		ctx.Child("SECRETS").Child(name).Set(key, text)
	}
	secrets, _ := ctx.Get("SECRETS")
	out := expr.Env{}
	ctx.Range(func(k string, v any) bool {
		out[k] = v
		return true
	})
	return out, secrets, nil
}

var contextNames = map[string]bool{"inputs": true, "steps": true, "SECRETS": true, "VARS": true, "ENV": true}
