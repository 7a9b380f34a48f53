package pyscript

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Interpreter is a CPython 3 found on this machine.
type Interpreter struct {
	// Path is the interpreter's own executable (sys.executable), not a
	// launcher such as a pyenv shim, so that it starts with an empty
	// environment.
	Path string
	// Version is its version, e.g. "3.11.7".
	Version string

	runnerOnce sync.Once
	runnerPyc  string // see runnerArgs
}

// runnerArgs returns the interpreter's arguments that run the runner:
// its bytecode, compiled once into the user's cache folder, which spares
// every step the few milliseconds of compiling the runner; or, where that
// cannot be written, its source.
func (in *Interpreter) runnerArgs() []string {
	in.runnerOnce.Do(func() { in.runnerPyc = compileRunner(in) })
	if in.runnerPyc != "" {
		return []string{in.runnerPyc}
	}
	return []string{"-c", runnerSource}
}

// compileRunner writes the runner's bytecode for in under the user's
// cache folder, named after a hash of the runner and the interpreter, and
// returns its path, or "" when it cannot.
func compileRunner(in *Interpreter) string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	dir := filepath.Join(base, "actuate", "python")
	sum := sha256.Sum256([]byte(runnerSource + "\x00" + in.Path + "\x00" + in.Version))
	pyc := filepath.Join(dir, "runner-"+hex.EncodeToString(sum[:8])+".pyc")
	if st, err := os.Stat(pyc); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
		return pyc
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	src, err := os.CreateTemp(dir, "runner-*.py")
	if err != nil {
		return ""
	}
	defer os.Remove(src.Name())
	if _, err := src.WriteString(runnerSource); err != nil || src.Close() != nil {
		return ""
	}
	tmp := src.Name() + "c"
	defer os.Remove(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, in.Path, "-I", "-S", "-c",
		"import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", src.Name(), tmp)
	cmd.Env = []string{}
	if err := cmd.Run(); err != nil {
		return ""
	}
	if err := os.Rename(tmp, pyc); err != nil {
		return ""
	}
	return pyc
}

// NoInterpreterError says that no Python interpreter could be found or
// used.
type NoInterpreterError struct {
	// Tried is what was looked for: an ACTUATE_PYTHON path or "python3".
	Tried string
	Err   error
}

// Error says what was tried and how to fix it.
func (e *NoInterpreterError) Error() string {
	return fmt.Sprintf("no Python interpreter for core.script.run_python steps: %s: %v; install Python 3 (for example `apt-get install python3`) or set ACTUATE_PYTHON to the path of a python3", e.Tried, e.Err)
}

// Unwrap returns the cause.
func (e *NoInterpreterError) Unwrap() error { return e.Err }

var (
	findMu sync.Mutex
	found  = map[string]*Interpreter{}
)

// FindInterpreter returns the interpreter named by path, or by
// ACTUATE_PYTHON when path is empty, or python3 on PATH. The answer for a
// name is kept for the life of the process.
func FindInterpreter(path string) (*Interpreter, error) {
	if path == "" {
		path = os.Getenv("ACTUATE_PYTHON")
	}
	if path == "" {
		path = "python3"
	}
	findMu.Lock()
	defer findMu.Unlock()
	if in, ok := found[path]; ok {
		return in, nil
	}
	in, err := probe(path)
	if err != nil {
		return nil, err
	}
	found[path] = in
	return in, nil
}

// probe asks the interpreter for its executable and version. It runs with
// the caller's environment, which a launcher may need.
func probe(name string) (*Interpreter, error) {
	exe, err := exec.LookPath(name)
	if err != nil {
		return nil, &NoInterpreterError{Tried: name, Err: errors.New("not found")}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, "-I", "-S", "-c", "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3]); print(sys.version_info[0])")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, &NoInterpreterError{Tried: exe, Err: fmt.Errorf("it does not start: %s", firstLine(msg))}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[2] != "3" {
		return nil, &NoInterpreterError{Tried: exe, Err: errors.New("it is not Python 3")}
	}
	path := lines[0]
	if path == "" {
		path = exe
	}
	return &Interpreter{Path: path, Version: lines[1]}, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
