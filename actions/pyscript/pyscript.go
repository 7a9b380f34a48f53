// Package pyscript is core.script.run_python: a step that runs a Python
// function in the host's CPython 3, one sandboxed child process per step.
//
// The interpreter is ACTUATE_PYTHON, else python3 on PATH, started in
// isolated mode (-I -S: no site-packages unless the step declares
// dependencies, no user environment) with a small runner of ours
// (runner.py) that reads the call on stdin and writes the reply on file
// descriptor 3, so nothing the script prints to stdout is taken for its
// result. Both travel in Python's built-in marshal format rather than
// JSON: importing json (and re) would nearly double the cost of a small
// step; the result is converted as json would write it. The script's
// function (main, else its only public function: the one function made
// by def, async def or lambda under a name not starting with _) gets the
// step's inputs as keyword arguments; async functions are
// awaited; the return value comes back through JSON (datetimes as ISO
// text, sets sorted, bytes decoded, other objects as their repr), key
// order kept.
//
// The sandbox fails closed. Each step runs:
//   - with no network unless it sets allow_network: true (a new network
//     namespace; where the kernel will not create one, the step refuses
//     to run unless [Config.Sandbox] is [SandboxOff]);
//   - in a new PID namespace and process group, all killed at the
//     timeout or when the run is cancelled;
//   - with an empty environment except the step's env_vars;
//   - in a fresh temporary working directory, removed afterwards;
//   - under limits on CPU time and address space ([DefaultCPULimit],
//     [DefaultMemoryLimit]).
package pyscript

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

//go:embed runner.py
var runnerSource string

// Name is the action's name.
const Name = "core.script.run_python"

// Defaults of the limits of a step.
const (
	// DefaultTimeout is the wall-time limit of a step that does not set
	// timeout_seconds.
	DefaultTimeout = 300 * time.Second
	// MaxTimeout bounds timeout_seconds: a year, far below where a
	// time.Duration overflows.
	MaxTimeout = 365 * 24 * time.Hour
	// DefaultCPULimit is the CPU time a script may use.
	DefaultCPULimit = 60 * time.Second
	// DefaultMemoryLimit is the address space a script may map, in
	// bytes.
	DefaultMemoryLimit = 512 << 20
	// outputLimit is how much of a script's stdout and stderr is kept for
	// the log.
	outputLimit = 64 << 10
	// resultLimit is the largest reply read from a script.
	resultLimit = 256 << 20
)

// SandboxMode says whether steps must run isolated from the network.
type SandboxMode int

const (
	// SandboxOn runs steps in new network and PID namespaces, and
	// refuses to run them where those cannot be created.
	SandboxOn SandboxMode = iota
	// SandboxOff runs steps without namespaces: the script can reach the
	// network. The other limits still apply.
	SandboxOff
)

// Config configures the action. The zero value means the defaults.
type Config struct {
	// Interpreter is the Python to run; empty means ACTUATE_PYTHON, else
	// python3 on PATH, as found by the action's first step.
	Interpreter string
	// Sandbox is SandboxOn unless set.
	Sandbox SandboxMode
	// CPULimit is the CPU time a script may use; 0 means
	// DefaultCPULimit.
	CPULimit time.Duration
	// MemoryLimit is the address space a script may map, in bytes; 0
	// means DefaultMemoryLimit.
	MemoryLimit int64
}

// Action is core.script.run_python. Create it with [New]; [Default] is
// registered with actions.Default.
type Action struct {
	cfg  Config
	spec actions.Spec
	// in is the interpreter, once found: FindInterpreter keeps what it
	// finds for the life of the process, and this spares every step
	// reading ACTUATE_PYTHON and taking its lock. A failure is not kept:
	// Python may be installed, or ACTUATE_PYTHON fixed, while a worker
	// runs.
	in atomic.Pointer[Interpreter]
	// userNS is set once starting without a user namespace has been
	// refused, so later steps go straight to one.
	userNS atomic.Bool

	compileMu sync.Mutex
	compiler  *compiler // see CheckStep

	// isolate builds the process attributes; tests replace it to see the
	// kernel refuse.
	isolate func(sandboxed, network, withUserNS bool) *syscall.SysProcAttr
}

// New returns the action with cfg.
func New(cfg Config) *Action {
	if cfg.CPULimit <= 0 {
		cfg.CPULimit = DefaultCPULimit
	}
	if cfg.MemoryLimit <= 0 {
		cfg.MemoryLimit = DefaultMemoryLimit
	}
	a := &Action{cfg: cfg, spec: spec, isolate: isolation}
	a.userNS.Store(needsUserNS())
	return a
}

// Default is the action with the default configuration.
var Default = New(Config{})

func init() { actions.MustRegister(Default) }

var spec = actions.Spec{
	Name:        Name,
	Title:       "Run a Python script",
	Description: "Call a Python function (main, else the script's only public function) with inputs as keyword arguments in a sandboxed CPython 3, and return what it returns.",
	DocURL:      "https://docs.tracecat.com/",
	Inputs: []*template.Input{
		actions.Input("script", "str", "Python source defining the function to call."),
		actions.OptionalInput("inputs", "dict[str, any] | None", nil, "Keyword arguments of the function."),
		actions.OptionalInput("dependencies", "list[str] | None", nil, "Packages the script imports; they must already be importable by the interpreter."),
		actions.OptionalInput("timeout_seconds", "int", int(DefaultTimeout/time.Second), "Wall-time limit in seconds."),
		actions.OptionalInput("allow_network", "bool", false, "Let the script reach the network."),
		actions.OptionalInput("env_vars", "dict[str, str] | None", nil, "The script's environment variables; it sees no other."),
	},
	// parseCall applies the defaults above.
	OwnDefaults: true,
}

// Spec describes core.script.run_python.
func (a *Action) Spec() *actions.Spec { return &a.spec }

// call is one step's arguments.
type call struct {
	script  string
	inputs  *value.Map
	deps    []any // strings, as the spec's list[str] checked them
	timeout time.Duration
	network bool
	env     []string
}

func parseCall(args *value.Map) (*call, error) {
	c := &call{timeout: DefaultTimeout}
	c.script = str(args, "script")
	if v, _ := args.Get("inputs"); v != nil {
		c.inputs, _ = v.(*value.Map)
	}
	if v, _ := args.Get("dependencies"); v != nil {
		c.deps, _ = v.([]any)
	}
	if v, _ := args.Get("timeout_seconds"); v != nil {
		n, _ := v.(int)
		if n <= 0 {
			return nil, fmt.Errorf("timeout_seconds must be a positive number of seconds, got %d", n)
		}
		if n > int(MaxTimeout/time.Second) {
			return nil, fmt.Errorf("timeout_seconds must be at most %d (a year), got %d", int(MaxTimeout/time.Second), n)
		}
		c.timeout = time.Duration(n) * time.Second
	}
	if v, _ := args.Get("allow_network"); v != nil {
		c.network, _ = v.(bool)
	}
	if v, _ := args.Get("env_vars"); v != nil {
		m, _ := v.(*value.Map)
		for _, k := range m.Keys() {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				return nil, fmt.Errorf("env_vars: %q is not a valid environment variable name", k)
			}
			s, _ := m.Get(k)
			str, _ := s.(string)
			if strings.ContainsRune(str, 0) {
				return nil, fmt.Errorf("env_vars: the value of %s holds a NUL byte", k)
			}
			c.env = append(c.env, k+"="+str)
		}
	}
	return c, nil
}

// Run runs the script.
func (a *Action) Run(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	c, err := parseCall(args)
	if err != nil {
		return nil, err
	}
	if env.DryRun != nil && c.network {
		// A script that may reach the network may have side effects.
		env.Logger.Info("dry run: not running a Python step that sets allow_network", "step", env.Step)
		return nil, nil
	}
	in, err := a.interpreter()
	if err != nil {
		return nil, err
	}
	r, err := a.exec(ctx, in, c, env)
	if err != nil {
		return nil, err
	}
	return r.value(c, env, a.cfg.CPULimit)
}

// interpreter returns the interpreter of the action's steps.
func (a *Action) interpreter() (*Interpreter, error) {
	if in := a.in.Load(); in != nil {
		return in, nil
	}
	in, err := FindInterpreter(a.cfg.Interpreter)
	if err != nil {
		return nil, err
	}
	a.in.Store(in)
	return in, nil
}

// request is the call the runner reads on stdin, in marshal format: a
// dict written entry by entry, "tagged" last, once writing the inputs has
// told whether they hold tagged values for the runner to turn back into
// Python objects.
func (a *Action) request(c *call) ([]byte, error) {
	var inputs any
	if c.inputs != nil {
		inputs = c.inputs
	}
	var limits any
	if !limitsFromOutside {
		limits = value.MapOf("cpu_seconds", int((a.cfg.CPULimit+time.Second-1)/time.Second), "memory_bytes", int(a.cfg.MemoryLimit))
	}
	var w marshaler
	b := append(make([]byte, 0, len(c.script)+256), mDict)
	var err error
	for _, e := range [...]struct {
		key string
		v   any
	}{{"script", c.script}, {"inputs", inputs}, {"dependencies", c.deps}, {"limits", limits}} {
		b, _ = w.append(b, e.key)
		if b, err = w.append(b, e.v); err != nil {
			return nil, err
		}
	}
	b, _ = w.append(b, "tagged")
	b, _ = w.append(b, w.tagged)
	return append(b, mNull), nil
}

// typeTag marks, in the call sent to the runner, a value JSON has no type
// for; the runner turns it back into the Python object.
const typeTag = "__actuate_type__"

// fromPython replaces the runner's tagged durations in a result by their
// ISO 8601 text, as datetimes are.
func fromPython(v any) any {
	switch x := v.(type) {
	case *value.Map:
		if x.Len() == 2 {
			if kind, _ := x.Get(typeTag); kind == "timedelta" {
				secs, _ := x.Get("value")
				f, ok := secs.(float64)
				if n, isInt := secs.(int); isInt {
					f, ok = float64(n), true
				}
				if ok {
					return isoDuration(f)
				}
			}
		}
		x.Range(func(k string, e any) bool {
			x.Set(k, fromPython(e))
			return true
		})
		return x
	case []any:
		for i, e := range x {
			x[i] = fromPython(e)
		}
		return x
	}
	return v
}

// isoDuration writes secs seconds as value.ISODuration does, beyond the
// ±292 years of a time.Duration too: a timedelta reaches 999999999 days.
func isoDuration(secs float64) string {
	days := int64(secs) / 86400
	return value.ISODurationDays(days, time.Duration((secs-float64(days*86400))*float64(time.Second)))
}

// outcome is what one interpreter process left behind.
type outcome struct {
	reply  []byte
	stdout *limitedBuffer
	stderr *limitedBuffer
	state  *os.ProcessState
	waited error
}

// exec starts the interpreter for c and waits for it, within c's timeout.
// When the script is stopped, at its timeout or because ctx ends, what it
// printed is logged to env.
func (a *Action) exec(ctx context.Context, in *Interpreter, c *call, env *actions.Env) (*outcome, error) {
	sandboxed := a.cfg.Sandbox == SandboxOn
	if sandboxed && !sandboxSupported {
		return nil, errors.New("cannot isolate the script: this system has no namespaces to cut it off the network; set Config.Sandbox to SandboxOff (--python-sandbox=off on the command line) to run Python steps without that isolation")
	}
	req, err := a.request(c)
	if err != nil {
		return nil, fmt.Errorf("the inputs cannot be passed to Python: %v", err)
	}
	dir, err := os.MkdirTemp("", "actuate-python-")
	if err != nil {
		return nil, fmt.Errorf("creating the script's working directory: %v", err)
	}
	defer os.RemoveAll(dir)

	timeout := &TimeoutError{Limit: c.timeout}
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, timeout)
	defer cancel()
	o, err := a.start(ctx, in, c, dir, req, sandboxed, a.userNS.Load())
	if err != nil && sandboxed && !a.userNS.Load() && refusedNamespace(err) {
		// Without privileges of its own, actuate may still create the
		// namespaces inside a user namespace.
		if o2, err2 := a.start(ctx, in, c, dir, req, sandboxed, true); err2 == nil || !refusedNamespace(err2) {
			a.userNS.Store(true)
			o, err = o2, err2
		}
	}
	if err != nil {
		if sandboxed && refusedNamespace(err) {
			what := "network and PID namespaces"
			if c.network {
				what = "a PID namespace"
			}
			cause := err
			var pe *os.PathError
			if errors.As(err, &pe) {
				cause = pe.Err
			}
			return nil, fmt.Errorf("cannot isolate the script: the kernel refused to create %s (%v); let actuate create them (run it as root, or allow unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1), or set Config.Sandbox to SandboxOff (--python-sandbox=off on the command line) to run Python steps without that isolation", what, cause)
		}
		return nil, fmt.Errorf("starting %s: %v", in.Path, err)
	}
	if ctx.Err() != nil {
		o.log(env) // how far it got
		if context.Cause(ctx) == error(timeout) {
			return nil, timeout
		}
		return nil, ctx.Err()
	}
	return o, nil
}

// TimeoutError is a script killed at its wall-time limit.
type TimeoutError struct{ Limit time.Duration }

// Error says what happened and how to allow more time.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the script ran longer than timeout_seconds (%s) and was killed; raise timeout_seconds if it needs more time", e.Limit)
}

// Timeout marks the error as a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// start runs the interpreter once.
func (a *Action) start(ctx context.Context, in *Interpreter, c *call, dir string, req []byte, sandboxed, userNS bool) (*outcome, error) {
	replyR, replyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer replyR.Close()
	cmd := exec.CommandContext(ctx, in.Path, append([]string{"-I", "-S", "-X", "utf8"}, in.runnerArgs()...)...)
	cmd.Env = append([]string{}, c.env...) // empty, not inherited
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		replyW.Close()
		return nil, err
	}
	var stdout, stderr limitedBuffer
	stdout.limit, stderr.limit = outputLimit, outputLimit
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.ExtraFiles = []*os.File{replyW}
	cmd.SysProcAttr = a.isolate(sandboxed, c.network, userNS)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		replyW.Close()
		return nil, err
	}
	replyW.Close()
	if limitsFromOutside {
		// The runner reads the call before anything else, so the limits
		// are in place before the script's first line.
		if err := applyLimits(cmd.Process.Pid, a.cfg.CPULimit, a.cfg.MemoryLimit); err != nil {
			_ = killGroup(cmd.Process.Pid)
			_ = cmd.Wait()
			return nil, fmt.Errorf("setting the script's limits: %v", err)
		}
	}
	go func() {
		_, _ = stdin.Write(req)
		stdin.Close()
	}()
	var reply []byte
	var readErr error
	done := make(chan struct{})
	go func() {
		reply, readErr = io.ReadAll(io.LimitReader(replyR, resultLimit+1))
		close(done)
	}()
	waitErr := cmd.Wait()
	// Whatever the script started is gone with its process group.
	_ = killGroup(cmd.Process.Pid)
	// The rest of the reply may still be in the pipe: read it to its end,
	// unless a process that left the group holds the pipe open.
	select {
	case <-done:
	case <-time.After(time.Second):
		replyR.Close()
		<-done
	}
	if readErr != nil && !errors.Is(readErr, os.ErrClosed) {
		reply = nil
	}
	return &outcome{reply: reply, stdout: &stdout, stderr: &stderr, state: cmd.ProcessState, waited: waitErr}, nil
}

// limitedBuffer keeps the first limit bytes written to it and counts the
// rest. It has no ReadFrom, so io.Copy goes through Write. Read it with
// Text.
type limitedBuffer struct {
	buf     bytes.Buffer
	limit   int
	dropped int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	room := b.limit - b.buf.Len()
	if room < len(p) {
		if room > 0 {
			b.buf.Write(p[:room])
		}
		b.dropped += len(p) - max(room, 0)
		return len(p), nil
	}
	return b.buf.Write(p)
}

// Text returns what was kept, and how many bytes it leaves out. When
// bytes were dropped, it ends at the last whole line kept: a line cut at
// the limit could end in the first bytes of a secret, which the engine
// masks only where the whole value shows, or in part of a UTF-8
// character.
func (b *limitedBuffer) Text() (text []byte, omitted int) {
	kept := b.buf.Bytes()
	if b.dropped == 0 {
		return kept, 0
	}
	whole := bytes.LastIndexByte(kept, '\n') + 1
	return kept[:whole], len(kept) - whole + b.dropped
}

// reply is the runner's reply.
type reply struct {
	result  any
	problem string
	err     *ScriptError
}

// value turns the outcome into the step's result or error.
func (o *outcome) value(c *call, env *actions.Env, cpuLimit time.Duration) (any, error) {
	o.log(env)
	if len(o.reply) > resultLimit {
		return nil, fmt.Errorf("the script's result is larger than %d MiB", resultLimit>>20)
	}
	if len(o.reply) == 0 {
		return nil, o.died(cpuLimit)
	}
	r, err := parseReply(o.reply)
	if err != nil {
		return nil, fmt.Errorf("the script's reply cannot be read (%v); did the script write to file descriptor 3?", err)
	}
	switch {
	case r.problem != "":
		return nil, errors.New(r.problem)
	case r.err != nil:
		r.err.locate(c.script, env)
		return nil, r.err
	}
	return r.result, nil
}

func parseReply(data []byte) (*reply, error) {
	v, err := unmarshal(data)
	if errors.Is(err, errNonFinite) {
		return &reply{problem: "the value the function returned cannot be written as JSON: " + err.Error()}, nil
	}
	if err != nil {
		return nil, err
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, errors.New("it is not a mapping")
	}
	r := &reply{}
	if res, ok := m.Get("result"); ok {
		if bytes.Contains(data, []byte(typeTag)) {
			res = fromPython(res)
		}
		r.result = res
		return r, nil
	}
	if p, ok := m.Get("problem"); ok {
		r.problem, _ = p.(string)
		return r, nil
	}
	e, ok := m.Get("error")
	em, _ := e.(*value.Map)
	if !ok || em == nil {
		return nil, errors.New("no result, error or problem in it")
	}
	se := &ScriptError{}
	se.Type = str(em, "type")
	se.Message = str(em, "message")
	if std, ok := em.Get("stdlib"); ok {
		se.stdlib, _ = std.(bool)
	} else {
		se.stdlib = true // not a missing module: no hint
	}
	frames, _ := em.Get("frames")
	list, _ := frames.([]any)
	for _, f := range list {
		pair, _ := f.([]any)
		if len(pair) != 2 {
			continue
		}
		line, _ := pair[0].(int)
		fn, _ := pair[1].(string)
		se.Frames = append(se.Frames, Frame{Line: line, Function: fn})
	}
	r.err = se
	return r, nil
}

// str returns m's string at key, or "".
func str(m *value.Map, key string) string {
	v, _ := m.Get(key)
	s, _ := v.(string)
	return s
}

// died explains a process that left no reply.
func (o *outcome) died(cpuLimit time.Duration) error {
	stderr, _ := o.stderr.Text()
	tail := lastLine(stderr)
	if st := o.state; st != nil {
		if sig, ok := signalOf(st); ok {
			cpu := st.UserTime() + st.SystemTime()
			if sig == cpuSignal || (sig == os.Kill && cpu >= cpuLimit-time.Second/2) {
				return fmt.Errorf("the script used more than %s of CPU time, its limit, and was killed; raise Config.CPULimit, or --python-cpu on the command line", cpuLimit)
			}
			return fmt.Errorf("the script's interpreter was killed by signal %s%s", sig, suffix(tail))
		}
		if st.Exited() {
			return fmt.Errorf("the script's interpreter exited with status %d without a result%s", st.ExitCode(), suffix(tail))
		}
	}
	return fmt.Errorf("the script's interpreter ended without a result: %v%s", o.waited, suffix(tail))
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// log passes what the script printed to the run's logger.
func (o *outcome) log(env *actions.Env) {
	if env == nil || env.Logger == nil {
		return
	}
	for _, stream := range []struct {
		name string
		buf  *limitedBuffer
	}{{"stdout", o.stdout}, {"stderr", o.stderr}} {
		kept, omitted := stream.buf.Text()
		if len(bytes.TrimSpace(kept)) == 0 && omitted == 0 {
			continue
		}
		text := strings.TrimRight(string(kept), "\n")
		if omitted > 0 {
			if text != "" {
				text += "\n"
			}
			text += fmt.Sprintf("[%d more bytes not shown]", omitted)
		}
		env.Logger.Info("python "+stream.name, "step", env.Step, "text", text)
	}
}

// Frame is one line of a script in a traceback.
type Frame struct {
	// Line is the line in the script, from 1.
	Line     int
	Function string
	// Where is the place in the template file ("file.yml:12"), when the
	// script is written there literally.
	Where string
	// Text is the script's line, trimmed.
	Text string
}

// ScriptError is an exception the script raised, or a syntax error in
// it. Its text is "<ExceptionType>: <message>" followed by the traceback
// lines inside the script, mapped to the template.
type ScriptError struct {
	Type    string
	Message string
	// Frames are the script's lines in the traceback, most recent call
	// last.
	Frames []Frame
	// stdlib is set when a missing module is part of the standard
	// library (then no dependency would help).
	stdlib bool
}

// Error formats the exception as Python prints its last line, then the
// traceback lines.
func (e *ScriptError) Error() string {
	var b strings.Builder
	b.WriteString(e.Type)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	switch {
	case e.Type == "MemoryError":
		b.WriteString(" (the script went past its memory limit; raise Config.MemoryLimit, or --python-memory on the command line)")
	case e.Type == "ModuleNotFoundError" && !e.stdlib:
		b.WriteString(" (only the standard library can be imported unless the step lists the package in dependencies)")
	}
	if len(e.Frames) > 0 {
		b.WriteString("\nTraceback (most recent call last):")
		for _, f := range e.Frames {
			where := f.Where
			if where == "" {
				where = fmt.Sprintf("script line %d", f.Line)
			}
			fmt.Fprintf(&b, "\n  %s, in %s", where, f.Function)
			if f.Text != "" {
				b.WriteString(": ")
				b.WriteString(f.Text)
			}
		}
	}
	return b.String()
}

// locate fills in the template place and text of each frame.
func (e *ScriptError) locate(script string, env *actions.Env) {
	lines := strings.Count(script, "\n") + 1
	for i := range e.Frames {
		f := &e.Frames[i]
		if f.Line < 1 || f.Line > lines {
			continue
		}
		start := offsetOf(script, f.Line, 1)
		text, _, _ := strings.Cut(script[start:], "\n")
		f.Text = strings.TrimSpace(text)
		if env == nil || env.Source == nil {
			continue
		}
		if file, pos, ok := env.Source("script", start); ok {
			f.Where = fmt.Sprintf("%s:%d", file, pos.Line)
		}
	}
}

// Interface guards.
var (
	_ actions.Action      = (*Action)(nil)
	_ actions.StepChecker = (*Action)(nil)
)
