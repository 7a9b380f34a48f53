package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/secrets"
)

func init() {
	commands = append(commands, &command{
		name:    "secrets",
		summary: "store, list, show and delete encrypted secrets",
		usage: `  actuate secrets set NAME KEY=VALUE... [--env ENV]
  actuate secrets list [--env ENV] [--json]
  actuate secrets get NAME [--env ENV] [--reveal]
  actuate secrets delete NAME [--env ENV]
  actuate secrets rotate-key [--new-key-env VAR]`,
		help: `Manages the secrets that "actuate run" gives templates as
SECRETS.<name>.<KEY>. They live in one SQLite file, actuate.db, in the
actuate home folder ($ACTUATE_HOME, else $XDG_DATA_HOME/actuate, else
~/.local/share/actuate), encrypted with AES-256-GCM.

  actuate secrets set okta OKTA_API_TOKEN=- < token.txt
  actuate secrets set okta OKTA_API_TOKEN=@token.txt --env prod
  actuate run tools.okta.get_user -i user_id=00u1 --env prod

set stores the secret NAME with exactly the keys given, replacing the keys
it had. KEY=@file reads the value from a file and KEY=- from standard input
(one key at most), so values stay out of the shell history; a trailing
newline is removed. Names are lowercase letters, digits and underscores;
names ending in _oauth are kept for OAuth tokens. Keys are letters, digits
and underscores.

list prints the secrets with their environment and key names, never their
values; without --env it lists every environment. get prints one secret's
keys as KEY=*** lines, or with their values given --reveal. delete removes
one.

Each secret belongs to an environment, "default" unless --env says
otherwise; "actuate run --env ENV" reads the secrets of ENV.

The encryption key comes from ACTUATE_ENCRYPTION_KEY (32 bytes in
standard base64, e.g. from "openssl rand -base64 32") or else the key file
"key" next to the store, created with mode 0600 on first use; keep a copy of
it, since the secrets cannot be read without it. rotate-key re-encrypts
every secret with a new key in one transaction and replaces the key file.
When the key comes from ACTUATE_ENCRYPTION_KEY, put the new key in another
variable and name it with --new-key-env VAR; then set
ACTUATE_ENCRYPTION_KEY to it.

Exit status: 0 success, 1 the secret does not exist or the store failed, 2
bad usage, a bad name or key, or a store that cannot be opened (wrong key,
written by a newer actuate).
`,
		run: runSecrets,
	})
}

// storeFlags are the flags of the secrets and vars commands.
type storeFlags struct {
	env       string
	json      bool
	reveal    bool
	newKeyEnv string
}

// checkFlags rejects the flags given that sub does not take.
func checkFlags(c *command, fs *flag.FlagSet, sub string, allowed ...string) error {
	var bad []string
	fs.Visit(func(f *flag.Flag) {
		for _, a := range allowed {
			if f.Name == a {
				return
			}
		}
		bad = append(bad, "--"+f.Name)
	})
	if len(bad) > 0 {
		return fmt.Errorf("%s %s does not take %s; run \"actuate %s --help\" for usage", c.name, sub, strings.Join(bad, ", "), c.name)
	}
	return nil
}

func runSecrets(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("secrets")
	fs := newFlags(c)
	var f storeFlags
	fs.StringVar(&f.env, "env", "", "the `environment` (default \"default\"; list: every environment)")
	fs.BoolVar(&f.json, "json", false, "list: print JSON instead of a table")
	fs.BoolVar(&f.reveal, "reveal", false, "get: print the values instead of ***")
	fs.StringVar(&f.newKeyEnv, "new-key-env", "", "rotate-key: the environment `variable` holding the new key (base64)")
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(rest) == 0 {
		e.errorf("secrets: say set, list, get, delete or rotate-key; run \"actuate secrets --help\" for usage")
		return exitUsage
	}
	sub, rest := rest[0], rest[1:]
	var err error
	switch sub {
	case "set":
		err = checkFlags(c, fs, sub, "env")
		if err == nil && len(rest) < 2 {
			err = errors.New("secrets set: give a name and at least one KEY=VALUE, e.g. actuate secrets set okta OKTA_API_TOKEN=-")
		}
	case "list":
		err = checkFlags(c, fs, sub, "env", "json")
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("secrets list: unexpected arguments %s", strings.Join(rest, " "))
		}
	case "get", "delete":
		allowed := []string{"env", "reveal"}
		if sub == "delete" {
			allowed = allowed[:1]
		}
		err = checkFlags(c, fs, sub, allowed...)
		if err == nil && len(rest) != 1 {
			err = fmt.Errorf("secrets %s: give one secret name", sub)
		}
	case "rotate-key":
		err = checkFlags(c, fs, sub, "new-key-env")
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("secrets rotate-key: unexpected arguments %s", strings.Join(rest, " "))
		}
	default:
		e.errorf("secrets: unknown subcommand %q; use set, list, get, delete or rotate-key", sub)
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
		return setSecret(ctx, e, f.env, rest[0], rest[1:])
	case "list":
		return listSecrets(ctx, e, f.env, f.json)
	case "get":
		return getSecret(ctx, e, f.env, rest[0], f.reveal)
	case "delete":
		return deleteSecret(ctx, e, f.env, rest[0])
	default:
		return rotateKey(ctx, e, f.newKeyEnv)
	}
}

// storeOpenError is a store that cannot be opened: a usage problem (exit 2).
type storeOpenError struct{ err error }

func (s *storeOpenError) Error() string { return s.err.Error() }
func (s *storeOpenError) Unwrap() error { return s.err }

// openStore opens the store of the actuate home folder, reading secrets of
// environment envName. When the store file does not exist, it is created
// if create is set; otherwise openStore returns nil and no error.
func openStore(ctx context.Context, e *env, envName string, create bool) (*secrets.Store, error) {
	home, err := secrets.Home(e.getenv)
	if err != nil {
		return nil, &storeOpenError{err}
	}
	path, err := secrets.DefaultPath(e.getenv)
	if err != nil {
		return nil, &storeOpenError{err}
	}
	if _, err := os.Stat(path); err != nil && !create {
		return nil, nil
	}
	key, err := secrets.LoadKey(home, e.getenv)
	if err != nil {
		return nil, &storeOpenError{err}
	}
	// Token refresh warnings read like the rest of the command's output.
	logger := slog.New(&humanHandler{w: e.stderr, level: slog.LevelWarn})
	opts := []secrets.Option{secrets.WithEnvironment(orDefaultEnv(envName)), secrets.WithLogger(logger)}
	if m := e.getenv("ACTUATE_REFRESH_MARGIN"); m != "" {
		d, err := time.ParseDuration(m)
		if err != nil || d < 0 {
			return nil, &storeOpenError{fmt.Errorf("ACTUATE_REFRESH_MARGIN=%q: give a duration such as 5m or 90s", m)}
		}
		opts = append(opts, secrets.WithRefreshMargin(d))
	}
	st, err := secrets.Open(ctx, path, key, opts...)
	if err != nil {
		return nil, &storeOpenError{err}
	}
	return st, nil
}

func orDefaultEnv(env string) string {
	if env == "" {
		return secrets.DefaultEnvironment
	}
	return env
}

// storeCode prints err as the command's error and returns its exit code.
func storeCode(e *env, cmd string, err error) int {
	e.errorf("%s: %v", cmd, err)
	var open *storeOpenError
	if errors.As(err, &open) || errors.Is(err, secrets.ErrInvalid) {
		return exitUsage
	}
	return exitFailed
}

// openNamed opens the store for cmd, which works on the kind ("secret",
// "variable") name of environment envName: without a store, name is not
// found. On failure it reports the error and returns nil and the exit code.
func openNamed(ctx context.Context, e *env, cmd, kind, name, envName string) (*secrets.Store, int) {
	st, err := openStore(ctx, e, envName, false)
	if err == nil && st == nil {
		err = &secrets.NotFoundError{Kind: kind, Name: name, Environment: orDefaultEnv(envName)}
	}
	if err != nil {
		return nil, storeCode(e, cmd, err)
	}
	return st, exitOK
}

// readAssignments parses KEY=VALUE arguments: VALUE=@file reads a file and
// VALUE=- standard input (at most once), each without its trailing
// newline. Keys are returned in argument order. secret keeps a malformed
// argument out of the error (see splitAssignment).
func readAssignments(e *env, cmd string, args []string, secret bool) (keys []string, vals map[string]string, err error) {
	vals = map[string]string{}
	stdinUsed := ""
	for _, a := range args {
		key, val, err := splitAssignment(a, cmd, "KEY=VALUE", secret)
		if err != nil {
			return nil, nil, err
		}
		if secret && !secrets.IsKeyName(key) { // a value given without its KEY= splits at its "="
			return nil, nil, fmt.Errorf("%s: an argument's key is not a key name (not shown, since it may be a secret value given without its KEY=); write KEY=VALUE, the key in letters, digits and underscores", cmd)
		}
		if _, dup := vals[key]; dup {
			return nil, nil, fmt.Errorf("%s: key %s is given twice", cmd, key)
		}
		switch {
		case val == "-":
			if stdinUsed != "" {
				return nil, nil, fmt.Errorf("%s: only one key can read standard input (%s and %s use -)", cmd, stdinUsed, key)
			}
			stdinUsed = key
			data, err := io.ReadAll(e.stdin)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %s: reading standard input: %v", cmd, key, err)
			}
			val = strings.TrimRight(string(data), "\r\n")
		case strings.HasPrefix(val, "@"):
			if val, err = readSecretText(val); err != nil {
				if secret {
					err = secretFileError(err)
				}
				return nil, nil, fmt.Errorf("%s: %s: %v", cmd, key, err)
			}
		}
		keys = append(keys, key)
		vals[key] = val
	}
	return keys, vals, nil
}

func setSecret(ctx context.Context, e *env, envName, name string, args []string) int {
	if err := secrets.ValidSecretName(name); err != nil {
		return storeCode(e, "secrets set", err)
	}
	keys, vals, err := readAssignments(e, "secrets set", args, true)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	for _, k := range keys {
		if vals[k] == "" { // refused before the store is created for nothing
			e.errorf("secrets set: secret %s: key %s has an empty value", name, k)
			return exitUsage
		}
	}
	st, err := openStore(ctx, e, envName, true)
	if err != nil {
		return storeCode(e, "secrets set", err)
	}
	defer st.Close()
	if err := st.Set(ctx, name, envName, vals); err != nil {
		return storeCode(e, "secrets set", err)
	}
	fmt.Fprintf(e.stdout, "saved secret %s in environment %s with keys %s\n", name, orDefaultEnv(envName), strings.Join(keys, ", "))
	return exitOK
}

func listSecrets(ctx context.Context, e *env, envName string, asJSON bool) int {
	st, err := openStore(ctx, e, envName, false)
	if err != nil {
		return storeCode(e, "secrets list", err)
	}
	var list []secrets.SecretInfo
	if st != nil {
		defer st.Close()
		if list, err = st.List(ctx, envName); err != nil {
			return storeCode(e, "secrets list", err)
		}
	}
	if asJSON {
		type row struct {
			Name        string   `json:"name"`
			Environment string   `json:"environment"`
			Keys        []string `json:"keys"`
			UpdatedAt   string   `json:"updated_at"`
		}
		rows := []row{}
		for _, s := range list {
			rows = append(rows, row{s.Name, s.Environment, s.Keys, s.UpdatedAt.Format(time.RFC3339)})
		}
		writeJSON(e.stdout, rows)
		return exitOK
	}
	if len(list) == 0 {
		e.errorf("no secrets stored; add one with: actuate secrets set NAME KEY=VALUE")
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tENVIRONMENT\tKEYS")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Environment, strings.Join(s.Keys, ", "))
	}
	_ = tw.Flush()
	return exitOK
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func getSecret(ctx context.Context, e *env, envName, name string, reveal bool) int {
	st, code := openNamed(ctx, e, "secrets get", "secret", name, envName)
	if st == nil {
		return code
	}
	defer st.Close()
	keys, err := st.Get(ctx, name, envName)
	if err != nil {
		return storeCode(e, "secrets get", err)
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		v := "***"
		if reveal {
			v = keys[k]
		}
		fmt.Fprintf(e.stdout, "%s=%s\n", k, v)
	}
	return exitOK
}

func deleteSecret(ctx context.Context, e *env, envName, name string) int {
	st, code := openNamed(ctx, e, "secrets delete", "secret", name, envName)
	if st == nil {
		return code
	}
	defer st.Close()
	if err := st.Delete(ctx, name, envName); err != nil {
		return storeCode(e, "secrets delete", err)
	}
	fmt.Fprintf(e.stdout, "deleted secret %s from environment %s\n", name, orDefaultEnv(envName))
	return exitOK
}

const rotateFromEnvHelp = `secrets rotate-key: the key comes from ACTUATE_ENCRYPTION_KEY, which actuate cannot change.
Put a new key in another variable and name it:
  export ACTUATE_NEW_KEY="$(openssl rand -base64 32)"
  actuate secrets rotate-key --new-key-env ACTUATE_NEW_KEY
then set ACTUATE_ENCRYPTION_KEY to the new key.`

func rotateKey(ctx context.Context, e *env, newKeyEnv string) int {
	st, err := openStore(ctx, e, "", false)
	if err != nil {
		return storeCode(e, "secrets rotate-key", err)
	}
	if st == nil {
		path, _ := secrets.DefaultPath(e.getenv)
		e.errorf("secrets rotate-key: there is no store at %s; nothing to re-encrypt", path)
		return exitUsage
	}
	defer st.Close()
	fromEnv := e.getenv(secrets.KeyEnv) != ""
	var newKey secrets.Key
	switch {
	case newKeyEnv != "":
		text := e.getenv(newKeyEnv)
		if text == "" {
			e.errorf("secrets rotate-key: %v", unsetVarError("--new-key-env", newKeyEnv, "ACTUATE_NEW_KEY"))
			return exitUsage
		}
		if newKey, err = secrets.ParseKey(text, newKeyEnv); err != nil {
			e.errorf("secrets rotate-key: %v", err)
			return exitUsage
		}
	case fromEnv:
		e.errorf("%s", rotateFromEnvHelp)
		return exitUsage
	default:
		if newKey, err = secrets.NewKey(); err != nil {
			return storeCode(e, "secrets rotate-key", err)
		}
	}
	if err := st.RotateKey(ctx, newKey); err != nil {
		return storeCode(e, "secrets rotate-key", err)
	}
	if fromEnv {
		fmt.Fprintf(e.stdout, "re-encrypted the store with the key in %s; set %s to it from now on (the old key no longer opens the store)\n",
			newKeyEnv, secrets.KeyEnv)
		return exitOK
	}
	home, _ := secrets.Home(e.getenv)
	fmt.Fprintf(e.stdout, "re-encrypted the store with a new key, saved in %s\n", filepath.Join(home, secrets.KeyFileName))
	return exitOK
}

// conventionalVarName matches the usual names of environment variables.
var conventionalVarName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// unsetVarError is the error of flag naming the environment variable name,
// which is not set. A name not written as variables usually are may be the
// secret itself, given by mistake instead of a variable's name: it is not
// shown. example is a variable name the error suggests.
func unsetVarError(flag, name, example string) error {
	if conventionalVarName.MatchString(name) {
		return fmt.Errorf("%s %s: the variable is not set", flag, name)
	}
	return fmt.Errorf("%s: no variable of that name is set (the name is not shown, in case it is the secret); give the name of the variable that holds it, e.g. %s %s", flag, flag, example)
}

// storeSources puts the store, if there is one, under the secrets and
// variables given by flags for one run: flags win, a flag variable
// replacing the store's variable of the same name. It returns the store,
// nil when there is none, which the caller closes.
func storeSources(ctx context.Context, e *env, envName string, flagSecrets engine.SecretSource, flagVars *value.Map) (engine.SecretSource, *value.Map, *secrets.Store, error) {
	if envName != "" {
		if err := secrets.ValidEnvironment(envName); err != nil {
			return nil, nil, nil, err
		}
	}
	st, err := openStore(ctx, e, envName, false)
	if err != nil || st == nil {
		return flagSecrets, flagVars, nil, err
	}
	vars, err := st.Vars(ctx, envName)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	for _, name := range flagVars.Keys() {
		v, _ := flagVars.Get(name)
		vars.Set(name, v)
	}
	return engine.Layered{flagSecrets, st}, vars, st, nil
}
