package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/actuatehq/actuate/secrets"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/cassette"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
	"go.yaml.in/yaml/v3"
)

func init() {
	commands = append(commands, &command{
		name:    "run",
		summary: "run a template or action and print its result as JSON",
		usage: `  actuate run ACTION|FILE [-i key=value]... [--inputs FILE] [--registry DIR]...
              [--secret NAME.KEY=VALUE]... [--secrets-file FILE]
              [--var NAME.KEY=VALUE]... [--vars-file FILE] [--env ENV]
              [--dry-run] [--show-secrets] [--quiet] [--log-format text|json]
              [--no-history] [--record CASSETTE | --replay CASSETTE]
              [--python-sandbox on|off] [--python-cpu TIME] [--python-memory SIZE]
              [--temporal HOST:PORT [--namespace NS] [--task-queue Q]
               [--detach] [--step-timeout DURATION]]`,
		help: `Runs a template file, or an action by name (a template from the registry
folders, or a built-in action such as core.http_request), and prints its
result as JSON on standard output, and nothing else there. Progress, one
line per step, and logs go to standard error.

  actuate run testdata/templates/github/list_repos.yml -i owner=actuatehq --dry-run
  actuate run tools.okta.get_user --registry templates -i user_id=00u1 \
      --secret okta.OKTA_API_TOKEN=@token.txt --var okta.base_url=https://acme.okta.com

Inputs: -i key=value is converted to the type the template declares for key
(text for str, numbers and booleans parsed, JSON for lists and dicts; for
any, text that is JSON is read as JSON, so give '"5"' for the text 5);
key=@file reads the value from a file, trailing newline included. --inputs
FILE reads a JSON or YAML mapping; -i flags win over it.

Secrets and variables: --secret NAME.KEY=VALUE (VALUE=@file reads a file)
and --secrets-file FILE (a mapping name -> key -> value); --var and
--vars-file likewise fill VARS. A template sees only the secrets it and the
actions it calls declare; a missing required secret stops the run before the
first step.

When the store exists ("actuate secrets set", "actuate vars set"), run also
reads its secrets and variables of environment ENV (--env, default
"default"); --secret and --secrets-file win over a stored secret of the same
name, and --var and --vars-file replace a stored variable of the same name,
for this run only. A store that cannot be opened (wrong key, written by a
newer actuate) stops the run with exit status 2.

History: when the store exists, the run is recorded in it (see "actuate
runs"): its inputs, steps, result or error, with secrets masked. run never
creates the store to record a run; dry runs and runs given --no-history are
not recorded.

Values derived from secrets are shown as *** in the result, progress, logs
and errors, unless --show-secrets is given (the result only).

--dry-run sends nothing: each HTTP step prints the request it would send
(secrets masked) and returns {"status_code": 200, "headers": {}, "data":
null}; stored OAuth tokens are taken as they are, never refreshed, and
missing secrets get placeholder values, so a template can be checked end
to end with no account and no network.

--record CASSETTE runs live and writes every HTTP interaction to the
cassette, a YAML file (see the README's "Cassettes"): every secret, and
every value derived from one, is replaced by a placeholder naming it, such
as <secret:github_oauth.GITHUB_USER_TOKEN>, so the file can be committed.
--replay CASSETTE runs with no network: each request is matched against the
recorded ones (method, URL and query, recorded headers, body, less what an
interaction's match settings ignore) and answered from the cassette; a
request that matches none fails the run with a diff against the closest
recorded request, and interactions no request used are listed on standard
error. A replayed run needs its secrets like a live one; any values do
(--secret NAME.KEY=placeholder): they are scrubbed before matching.
Replayed runs are not recorded in the run history.

` + pythonHelp + ` A dry run runs Python steps too, except
those that set allow_network.

Temporal: --temporal HOST:PORT sends the run to "actuate worker" processes
through Temporal (namespace --namespace, default $TEMPORAL_NAMESPACE or
"default"; task queue --task-queue, default "actuate") and waits for it: the
result, the errors and the exit status are those of a local run, and its
steps show on standard error as the workers run them. The
template and the templates it calls travel with the run, encrypted with a
key derived from the store's key, which clients and workers must share
(ACTUATE_ENCRYPTION_KEY or the same key file). Secrets never travel: the
workers read them from their own store, so --secret, --secrets-file,
--show-secrets, --env, --dry-run, --record and --replay are refused;
--var and --vars-file travel with the run. --step-timeout bounds each step
(default 10m; a Python step whose own timeout_seconds is longer gets
that). --detach prints the run's workflow id and returns at once;
"actuate runs show ID --temporal HOST:PORT" shows it later, and "actuate
runs cancel ID" cancels it. Ctrl-C while waiting cancels the run.

An action that no --registry folder here defines is sent too: a worker
looks it up among its own templates and actions, and the run then carries
that template on, like one sent from here. Its -i values go as text,
which the workers convert as far as the declared types allow (numbers,
booleans); give lists and dicts with --inputs FILE.

Exit status: 0 success, 1 the run failed, 2 bad usage, template or input,
130 interrupted.
`,
		run: runRun,
	})
}

type runFlags struct {
	inputs, secrets, vars      listFlag
	inputsFile                 string
	secretsFile, varsFile      string
	registry                   listFlag
	dryRun, showSecrets, quiet bool
	noHistory                  bool
	logFormat                  string
	env                        string
	record, replay             string
	python                     pythonFlags
	pythonSet                  bool // a --python-* flag was given
}

func runRun(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("run")
	fs := newFlags(c)
	var f runFlags
	fs.Var(&f.inputs, "i", "an input `key=value` (repeatable)")
	fs.Var(fileFlag{&f.inputsFile}, "inputs", "a JSON or YAML `file` of inputs")
	fs.Var(&f.registry, "registry", "a `folder` of templates (repeatable)")
	fs.Var(&f.secrets, "secret", "a secret `NAME.KEY=VALUE` (repeatable)")
	fs.Var(fileFlag{&f.secretsFile}, "secrets-file", "a JSON or YAML `file` of secrets: name -> key -> value")
	fs.Var(&f.vars, "var", "a variable `NAME.KEY=VALUE` (repeatable)")
	fs.Var(fileFlag{&f.varsFile}, "vars-file", "a JSON or YAML `file` of variables: name -> key -> value")
	fs.StringVar(&f.env, "env", "", "the `environment` of the stored secrets and variables (default \"default\")")
	fs.BoolVar(&f.dryRun, "dry-run", false, "send nothing; show the requests HTTP steps would send")
	fs.BoolVar(&f.showSecrets, "show-secrets", false, "print the result without masking secrets")
	fs.BoolVar(&f.quiet, "quiet", false, "print no progress")
	fs.BoolVar(&f.noHistory, "no-history", false, "do not record the run in the store's run history")
	fs.StringVar(&f.logFormat, "log-format", "text", "`text` for people, json for machines")
	fs.StringVar(&f.record, "record", "", "run live and record the HTTP interactions, secrets scrubbed, in a cassette `file`")
	fs.StringVar(&f.replay, "replay", "", "run with no network, answering HTTP requests from a cassette `file`")
	f.python.register(fs, e)
	tf := addTemporalFlags(fs, true)
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	fs.Visit(func(fl *flag.Flag) { f.pythonSet = f.pythonSet || strings.HasPrefix(fl.Name, "python-") })
	if len(rest) != 1 {
		e.errorf("run: name one action or template file, e.g. actuate run testdata/templates/github/list_repos.yml; run \"actuate run --help\" for usage")
		return exitUsage
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		e.errorf("run: --log-format must be text or json, not %q", f.logFormat)
		return exitUsage
	}
	if f.record != "" && f.replay != "" {
		e.errorf("run: --record and --replay cannot be used together")
		return exitUsage
	}
	if f.dryRun && (f.record != "" || f.replay != "") {
		e.errorf("run: --dry-run sends nothing, so it cannot be used with --record or --replay")
		return exitUsage
	}
	if tf.address == "" && !tf.detach {
		var only []string
		fs.Visit(func(fl *flag.Flag) {
			if fl.Name == "namespace" || fl.Name == "task-queue" || fl.Name == "step-timeout" {
				only = append(only, "--"+fl.Name)
			}
		})
		if len(only) > 0 {
			e.errorf("run: %s %s for runs sent to Temporal: give --temporal HOST:PORT too, or leave %s out",
				strings.Join(only, ", "), plural(len(only), "is", "are"), plural(len(only), "it", "them"))
			return exitUsage
		}
	}

	acts, err := f.python.registry()
	if err != nil {
		e.errorf("run: %v", err)
		return exitUsage
	}
	templates := loadRegistry(e, registryPaths(e, f.registry))
	target := rest[0]
	var tpl *template.Template
	var decls []*template.Input
	switch {
	case isFilePath(target):
		t, ds := template.Load(target)
		for _, d := range ds {
			fmt.Fprintln(e.stderr, d.String())
			if s := d.Snippet(); s != "" {
				fmt.Fprintln(e.stderr, s)
			}
		}
		if ds.HasErrors() {
			return exitUsage
		}
		tpl, decls = t, t.Inputs
	default:
		if t, ok := templates.Lookup(target); ok {
			tpl, decls = t, t.Inputs
		} else if a, ok := acts.Lookup(target); ok {
			decls = a.Spec().Inputs
		} else if tf.address == "" && !tf.detach {
			e.errorf("run: %v", (&engine.NotFoundError{Name: target}).Error())
			return exitUsage
		}
		// Otherwise the workers may hold it: they look it up, and
		// check the inputs, given as text (see inputValue).
	}

	inputs, err := collectInputs(&f, decls)
	if err != nil {
		e.errorf("run: %v", err)
		return exitUsage
	}
	if tf.address != "" || tf.detach {
		return runTemporal(ctx, e, &f, tf, target, tpl, templates, inputs)
	}
	secrets, err := collectSecrets(&f)
	if err != nil {
		e.errorf("run: %v", err)
		return exitUsage
	}
	vars, err := collectVars(&f)
	if err != nil {
		e.errorf("run: %v", err)
		return exitUsage
	}
	flagSecrets := secrets
	secrets, vars, store, err := storeSources(ctx, e, f.env, secrets, vars)
	if err != nil {
		e.errorf("run: %v", err)
		return exitUsage
	}
	if store != nil {
		defer store.Close()
	}
	if store != nil && f.replay != "" {
		// The cassette answers token requests with placeholders: the
		// run refreshes tokens in a copy of the store, which it drops,
		// so that the real tokens stay as they are.
		snap, drop, err := snapshotStore(ctx, store)
		if err != nil {
			e.errorf("run: %v", err)
			return exitFailed
		}
		defer drop()
		store, secrets = snap, engine.Layered{flagSecrets, snap}
	}

	progress := newProgress(e.stderr, f.quiet, f.logFormat)
	opts := engine.Options{
		Templates: templates,
		Actions:   acts,
		Secrets:   secrets,
		Vars:      vars,
		Logger:    progress.logger,
		Events:    progress.event,
		DryRun:    f.dryRun,
	}
	if store != nil && !f.noHistory && !f.dryRun && f.replay == "" {
		opts.Recorder = store
	}
	tape, err := setupCassette(&f, &opts)
	if err != nil {
		e.errorf("run: %v", err)
		return exitUsage
	}
	if tape != nil && store != nil {
		// Token requests of the store (a refresh, a client-credentials
		// grant) are recorded and replayed with the run's requests.
		store.SetHTTPClient(&http.Client{Transport: opts.Transport})
	}
	var res *engine.Result
	if tpl != nil {
		res, err = engine.RunTemplate(ctx, tpl, inputs, opts)
	} else {
		res, err = engine.Run(ctx, target, inputs, opts)
	}
	progress.finish()
	status := exitOK
	if err != nil {
		status = reportRunError(e, err)
	}
	if c := tape.finish(e, f.quiet, err); status == exitOK {
		status = c
	}
	if status != exitOK {
		return status
	}
	out := res.Redacted()
	if f.showSecrets {
		out = res.Value
	}
	text, err := value.MarshalJSON(out)
	if err != nil {
		e.errorf("run: the result cannot be written as JSON: %v", err)
		return exitFailed
	}
	writeResultJSON(e, text)
	return exitOK
}

// snapshotStore returns a copy of st in a temporary folder, and the func
// that closes and removes it.
func snapshotStore(ctx context.Context, st *secrets.Store) (*secrets.Store, func(), error) {
	dir, err := os.MkdirTemp("", "actuate-replay-")
	if err != nil {
		return nil, nil, fmt.Errorf("copying the store for the replay: %w", err)
	}
	snap, err := st.Snapshot(ctx, filepath.Join(dir, secrets.FileName))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return snap, func() { snap.Close(); os.RemoveAll(dir) }, nil
}

// checkWritable tells whether a file can be written at path (whole, as
// atomicfile writes it: a new file beside it, renamed over it).
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("it is a folder; give a file name")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write in its folder: %v", err)
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

// isFilePath tells a template file from an action name.
func isFilePath(s string) bool {
	return strings.HasSuffix(s, ".yml") || strings.HasSuffix(s, ".yaml") || strings.ContainsRune(s, os.PathSeparator)
}

// reportRunError prints a run's error and returns the exit code for it.
func reportRunError(e *env, err error) int {
	var (
		inputErr   *template.InputError
		missingErr *engine.MissingSecretsError
		notFound   *engine.NotFoundError
		diags      template.Diagnostics
	)
	switch {
	case errors.Is(err, context.Canceled):
		e.errorf("run cancelled")
		return 130
	case errors.As(err, &inputErr), errors.As(err, &notFound), errors.As(err, &diags):
		e.errorf("%v", err)
		return exitUsage
	case errors.As(err, &missingErr):
		e.errorf("%v\nstore them with \"actuate secrets set NAME KEY=-\", or give them for one run with --secret NAME.KEY=VALUE or --secrets-file FILE (OAuth tokens: --secret <provider>_oauth.<PROVIDER>_USER_TOKEN=...)", err)
		return exitUsage
	}
	e.errorf("%v", err)
	return exitFailed
}

// collectInputs merges --inputs and -i into the inputs map, converting
// each -i text to the declared type of its input.
func collectInputs(f *runFlags, decls []*template.Input) (*value.Map, error) {
	inputs := value.NewMap(len(f.inputs))
	if f.inputsFile != "" {
		m, err := readMapFile(f.inputsFile, "--inputs")
		if err != nil {
			return nil, err
		}
		inputs = m
	}
	for _, a := range f.inputs {
		key, val, err := splitAssignment(a, "-i", "key=value", false)
		if err != nil {
			return nil, err
		}
		text, err := readText(val)
		if err != nil {
			return nil, fmt.Errorf("-i %s: %v", key, err)
		}
		inputs.Set(key, inputValue(text, declaredType(decls, key)))
	}
	return inputs, nil
}

func declaredType(decls []*template.Input, name string) *template.Type {
	for _, in := range decls {
		if in.Name == name {
			return in.Type
		}
	}
	return nil
}

// inputValue converts command-line text for an input of type t: text
// stays text when the type takes a string; otherwise JSON is parsed
// (numbers, booleans, null, lists, dicts) and the type's coercion does the
// rest.
func inputValue(text string, t *template.Type) any {
	if t == nil || acceptsText(t) {
		return text
	}
	return jsonOrText(text)
}

func acceptsText(t *template.Type) bool {
	switch t.Kind {
	case template.KindStr, template.KindEnum:
		return true
	case template.KindUnion:
		for _, m := range t.Members {
			if m.Kind == template.KindStr || m.Kind == template.KindEnum {
				return true
			}
		}
	}
	return false
}

// readMapFile reads a JSON or YAML file holding a mapping.
func readMapFile(path, flagName string) (*value.Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", flagName, err)
	}
	v, err := decodeData(data)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", flagName, path, err)
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("%s %s: the file must hold a mapping", flagName, path)
	}
	return m, nil
}

// collectSecrets reads --secrets-file and --secret into a secret source.
func collectSecrets(f *runFlags) (engine.SecretSource, error) {
	out := engine.StaticSecrets{}
	if f.secretsFile != "" {
		var err error
		if out, err = readSecretsFile(f.secretsFile); err != nil {
			return nil, err
		}
	}
	for _, a := range f.secrets {
		name, key, val, err := splitNamed(a, "--secret", true)
		if err != nil {
			return nil, err
		}
		text, err := readSecretText(val)
		if err != nil {
			return nil, fmt.Errorf("--secret %s.%s: %v", name, key, secretFileError(err))
		}
		if out[name] == nil {
			out[name] = map[string]string{}
		}
		out[name][key] = text
	}
	return out, nil
}

// readSecretsFile reads --secrets-file, a JSON or YAML mapping of secret
// names to mappings of keys to values. A YAML value is the text written,
// as in the secrets of test case files: 0123 or 1.50 stay as they are,
// not 83 or 1.5.
func readSecretsFile(path string) (engine.StaticSecrets, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--secrets-file: %v", err)
	}
	out, err := decodeSecrets(data)
	if err != nil {
		return nil, fmt.Errorf("--secrets-file %s: %v", path, err)
	}
	return out, nil
}

func decodeSecrets(data []byte) (engine.StaticSecrets, error) {
	out := engine.StaticSecrets{}
	v, isJSON, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	if isJSON {
		m, ok := v.(*value.Map)
		if !ok {
			return nil, errors.New("the file must hold a mapping")
		}
		for _, name := range m.Keys() {
			v, _ := m.Get(name)
			keys, ok := v.(*value.Map)
			if !ok {
				return nil, fmt.Errorf("%s must be a mapping of keys to values", name)
			}
			out[name] = map[string]string{}
			for _, k := range keys.Keys() {
				kv, _ := keys.Get(k)
				out[name][k] = value.Str(kv)
			}
		}
		return out, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return out, nil
	}
	top := unalias(doc.Content[0])
	if top.Kind != yaml.MappingNode {
		return nil, errors.New("the file must hold a mapping")
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		name, keys := top.Content[i].Value, unalias(top.Content[i+1])
		if keys.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s must be a mapping of keys to values", name)
		}
		out[name] = map[string]string{}
		for j := 0; j+1 < len(keys.Content); j += 2 {
			k, v := keys.Content[j].Value, unalias(keys.Content[j+1])
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				return nil, fmt.Errorf("line %d: %s.%s must be a string", v.Line, name, k)
			}
			out[name][k] = v.Value
		}
	}
	return out, nil
}

// unalias returns the node an alias stands for, or n itself.
func unalias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// collectVars reads --vars-file and --var into the VARS context.
func collectVars(f *runFlags) (*value.Map, error) {
	vars := value.NewMap(len(f.vars))
	if f.varsFile != "" {
		m, err := readMapFile(f.varsFile, "--vars-file")
		if err != nil {
			return nil, err
		}
		vars = m
	}
	for _, a := range f.vars {
		name, key, val, err := splitNamed(a, "--var", false)
		if err != nil {
			return nil, err
		}
		v, err := readValue(val)
		if err != nil {
			return nil, fmt.Errorf("--var %s.%s: %v", name, key, err)
		}
		vars.Child(name).Set(key, v)
	}
	return vars, nil
}

// progress shows a run's steps on stderr: one line per step, redrawn in
// place on a terminal; JSON log records with --log-format json.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	quiet    bool
	json     bool
	pending  bool // a "running" line awaits its result (terminal only)
	logger   *slog.Logger
	records  *slog.Logger // with --log-format json: steps and dry-run requests
}

func newProgress(w io.Writer, quiet bool, format string) *progress {
	p := &progress{w: w, quiet: quiet, json: format == "json"}
	if f, ok := w.(*os.File); ok {
		p.terminal = isTerminal(f)
	}
	// Information (what a Python step printed, say) is progress too:
	// --quiet leaves only warnings.
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelWarn
	}
	if p.json {
		p.logger = slog.New(slog.NewJSONHandler(lockedWriter{p}, &slog.HandlerOptions{Level: level}))
		p.records = slog.New(slog.NewJSONHandler(lockedWriter{p}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	} else {
		p.logger = slog.New(&humanHandler{w: lockedWriter{p}, level: level})
	}
	return p
}

type lockedWriter struct{ p *progress }

func (l lockedWriter) Write(b []byte) (int, error) {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	l.p.clearPending()
	return l.p.w.Write(b)
}

func (p *progress) clearPending() {
	if p.pending {
		fmt.Fprint(p.w, "\r\033[K")
		p.pending = false
	}
}

func (p *progress) event(ev engine.Event) {
	if ev.Kind == engine.DryRunRequest {
		p.dryRun(ev)
		return
	}
	if p.quiet {
		return
	}
	if p.json {
		attrs := []any{"step", ev.Step, "action", ev.StepAction, "template", ev.Action, "status", ev.Kind.String()}
		if ev.Kind != engine.StepStarted {
			attrs = append(attrs, "duration_ms", ev.Duration.Milliseconds())
		}
		if ev.StatusCode != 0 {
			attrs = append(attrs, "http_status", ev.StatusCode)
		}
		if ev.Err != "" {
			attrs = append(attrs, "error", ev.Err)
		}
		p.records.Info("step", attrs...)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	indent := strings.Repeat("  ", ev.Depth)
	switch ev.Kind {
	case engine.StepStarted:
		if p.terminal {
			p.clearPending()
			fmt.Fprintf(p.w, "%s… %s (%s)", indent, ev.Step, ev.StepAction)
			p.pending = true
		}
	case engine.StepSucceeded, engine.StepFailed:
		p.clearPending()
		mark := "ok  "
		if ev.Kind == engine.StepFailed {
			mark = "FAIL"
		}
		line := fmt.Sprintf("%s%s %s (%s) %s", indent, mark, ev.Step, ev.StepAction, ev.Duration.Round(time.Millisecond))
		if ev.StatusCode != 0 {
			line += fmt.Sprintf(" HTTP %d", ev.StatusCode)
		}
		fmt.Fprintln(p.w, line)
	}
}

// dryRun shows the request a dry run did not send.
func (p *progress) dryRun(ev engine.Event) {
	r := ev.Request
	if p.json {
		p.records.Info("dry run", "step", ev.Step, "method", r.Method, "url", r.URL, "headers", r.Headers, "body", r.Body)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearPending()
	fmt.Fprintf(p.w, "dry run: %s would send %s %s\n", ev.Step, r.Method, r.URL)
	names := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range r.Headers[k] {
			fmt.Fprintf(p.w, "  %s: %s\n", k, v)
		}
	}
	if r.Body != "" {
		fmt.Fprintf(p.w, "  body: %s\n", r.Body)
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearPending()
}

// tape is the cassette of a run given --record or --replay.
type tape struct {
	file     string
	recorder *cassette.Recorder
	replayer *cassette.Replayer
}

// setupCassette sets opts up to record or replay the run's HTTP
// interactions: the secrets the run loads, and the values it derives from
// them, are scrubbed from the cassette and from the requests matched
// against it.
// The store's OAuth token requests go through the same transport: see
// runRun.
func setupCassette(f *runFlags, opts *engine.Options) (*tape, error) {
	if f.record == "" && f.replay == "" {
		return nil, nil
	}
	red := engine.NewRedactor()
	scrub := cassette.NewScrubber(red.String)
	// A value learned from the traffic (a token a step fetched) is a
	// placeholder in the cassette, masked when replayed: the run masks
	// it too, from the moment it is learned.
	scrub.OnAdd(red.AddSecret)
	opts.Redactor = red
	opts.Secrets = engine.ObserveSecrets(opts.Secrets, scrub.Add)
	t := &tape{file: f.record}
	if f.record != "" {
		// A cassette that cannot be written is found out now, not after a
		// live run whose requests cannot be taken back; nothing is left
		// at the path meanwhile.
		if err := checkWritable(f.record); err != nil {
			return nil, fmt.Errorf("--record %s: %v", f.record, err)
		}
		t.recorder = cassette.NewRecorder(engine.DefaultTransport(), scrub)
		opts.Transport = t.recorder
		return t, nil
	}
	c, err := cassette.Load(f.replay)
	if err != nil {
		return nil, err
	}
	for _, p := range c.Placeholders() {
		// A replayed response holds placeholders where the live one held
		// secrets: they are masked as secrets were.
		red.AddSecret(p)
	}
	t.file = f.replay
	t.replayer = cassette.NewReplayer(c, f.replay, scrub)
	opts.Transport = t.replayer
	return t, nil
}

// finish writes the recorded cassette, or reports the unused
// interactions of the replayed one; it returns exitFailed when the
// cassette cannot be written or a request matched no interaction (even
// when the run went on: runErr is nil), after saying so, and exitOK
// otherwise.
func (t *tape) finish(e *env, quiet bool, runErr error) int {
	switch {
	case t == nil:
		return exitOK
	case t.recorder != nil:
		c := t.recorder.Cassette()
		if err := c.Save(t.file); err != nil {
			e.errorf("run: %v", err)
			return exitFailed
		}
		if !quiet {
			fmt.Fprintf(e.stderr, "cassette: recorded %d interactions in %s\n", len(c.Interactions), t.file)
		}
		return exitOK
	}
	if unused := t.replayer.Unused(); len(unused) > 0 {
		fmt.Fprintf(e.stderr, "cassette %s: %d unused interactions:\n", t.file, len(unused))
		for _, it := range unused {
			fmt.Fprintf(e.stderr, "  line %d: %s %s\n", it.Line, it.Request.Method, it.Request.URL)
		}
	}
	if ms := t.replayer.Mismatches(); len(ms) > 0 {
		if runErr == nil {
			// The template went on after the failed request; the run
			// still fails.
			e.errorf("%v", ms[0])
		}
		return exitFailed
	}
	return exitOK
}
