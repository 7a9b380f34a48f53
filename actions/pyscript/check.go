package pyscript

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"unicode/utf8"

	"github.com/actuatehq/actuate/template"
)

//go:embed compiler.py
var compilerSource string

// CheckStep checks a step without running its script: the script defines
// the function to call, the keys of a literal inputs mapping are its
// parameters and its parameters without defaults are all given, and, when
// an interpreter is found, the script compiles. Problems point at the
// template's lines.
func (a *Action) CheckStep(t *template.Template, s *template.Step, report func(template.Pos, template.Severity, string)) {
	scriptNode, ok := s.Args.Get("script")
	if !ok || scriptNode.Text != nil || !scriptNode.IsString() {
		return // missing (reported elsewhere) or built by an expression
	}
	script := scriptNode.Value.(string)
	at := func(off int) template.Pos { return t.Position(scriptNode, off) }

	in, err := a.interpreter()
	if err != nil {
		report(s.ActionPos, template.Warning, fmt.Sprintf("%v; this step fails when it runs", err))
	} else if ok := a.compileCheck(in, script, at, report); !ok {
		return
	}

	picked, problem := pick(moduleBindings(script))
	if picked == nil {
		report(scriptNode.Pos, template.Error, problem)
		return
	}
	fn := picked.Def
	if fn == nil {
		return // a class, an import, a decorated function: its parameters are not known
	}
	inputsNode, ok := s.Args.Get("inputs")
	given := map[string]bool{}
	if ok {
		switch {
		case inputsNode.Kind == template.MappingNode:
			for _, k := range inputsNode.Keys {
				name, isString := k.Value.(string)
				if !isString || k.Text != nil {
					return // a computed key: the names are known only when it runs
				}
				given[name] = true
				if !fn.accepts(name) {
					report(k.Pos, template.Error, fmt.Sprintf("input %q is not a parameter of %s; add it to the function or remove it from inputs", name, fn.signature()))
				}
			}
		case inputsNode.Value == nil && inputsNode.Kind == template.ScalarNode:
			// inputs: null passes no arguments.
		default:
			return // an expression: the keys are known only when it runs
		}
	}
	var missing []string
	for _, p := range fn.Params {
		if !p.HasDefault && !p.Positional && !given[p.Name] {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		report(at(fn.Offset), template.Error, fmt.Sprintf("%s: parameter(s) %s have no default and inputs does not set them", fn.signature(), strings.Join(missing, ", ")))
	}
	for _, p := range fn.Params {
		if p.Positional && !p.HasDefault {
			report(at(fn.Offset), template.Error, fmt.Sprintf("%s: parameter %s is positional-only, but inputs are passed by keyword", fn.signature(), p.Name))
		}
	}
}

// pick returns the binding of the function a step calls, by runner.py's
// rule (function_to_call): main when the script binds it to something
// that may be called, else the script's only public function, a function
// the script makes (def, async def, lambda) under a name not starting
// with "_"; or a problem saying why there is none.
func pick(names []binding) (*binding, string) {
	var public []*binding
	for i := range names {
		b := &names[i]
		if b.Name == "main" && b.Kind != isValue {
			return b, ""
		}
		if b.Kind == isFunction && !strings.HasPrefix(b.Name, "_") {
			public = append(public, b)
		}
	}
	switch len(public) {
	case 0:
		return nil, "the script defines no function to call; define main(...) with the keys of inputs as its parameters"
	case 1:
		return public[0], ""
	}
	list := make([]string, len(public))
	for i, b := range public {
		list[i] = b.Name
	}
	return nil, fmt.Sprintf("the script defines several functions (%s) and none is called main; name the one to call main", strings.Join(list, ", "))
}

// compileCheck compiles script in the interpreter and reports a syntax
// error and any warnings. It returns false when the script does not
// compile.
func (a *Action) compileCheck(in *Interpreter, script string, at func(int) template.Pos, report func(template.Pos, template.Severity, string)) bool {
	ans, err := a.compile(in, script)
	if err != nil {
		report(at(0), template.Warning, fmt.Sprintf("the script could not be checked by %s: %v", in.Path, err))
		return true
	}
	off := func(line, col int) int { return offsetOf(script, line, col) }
	for _, w := range ans.Warnings {
		report(at(off(w.Line, 1)), template.Warning, w.Message)
	}
	if e := ans.Error; e != nil {
		report(at(off(e.Line, e.Column)), template.Error, fmt.Sprintf("the script does not compile: %s: %s", e.Type, e.Message))
		return false
	}
	return true
}

// offsetOf returns the byte offset of line and column (both from 1,
// column in characters) in s, clamped to s.
func offsetOf(s string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return off
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(s) && s[off] != '\n'; c++ {
		_, n := utf8.DecodeRuneInString(s[off:])
		off += n
	}
	return off
}

// compileAnswer is the compiler's reply for one script.
type compileAnswer struct {
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
	} `json:"error"`
	Warnings []struct {
		Message string `json:"message"`
		Line    int    `json:"line"`
	} `json:"warnings"`
}

// compiler is a long-lived interpreter that compiles scripts on request,
// so that validating many templates starts Python once.
type compiler struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	path string
}

// compile asks the action's compiler about script, starting it (again)
// when needed.
func (a *Action) compile(in *Interpreter, script string) (*compileAnswer, error) {
	a.compileMu.Lock()
	defer a.compileMu.Unlock()
	if a.compiler == nil || a.compiler.path != in.Path {
		c, err := startCompiler(in)
		if err != nil {
			return nil, err
		}
		a.compiler = c
	}
	ans, err := a.compiler.ask(script)
	if err != nil {
		a.compiler.close()
		a.compiler = nil
	}
	return ans, err
}

func startCompiler(in *Interpreter) (*compiler, error) {
	cmd := exec.CommandContext(context.Background(), in.Path, "-I", "-S", "-X", "utf8", "-c", compilerSource)
	cmd.Env = []string{}
	cmd.SysProcAttr = isolation(false, true, false)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &compiler{cmd: cmd, in: stdin, out: bufio.NewReader(stdout), path: in.Path}, nil
}

func (c *compiler) ask(script string) (*compileAnswer, error) {
	req, err := json.Marshal(map[string]string{"source": script})
	if err != nil {
		return nil, err
	}
	if _, err := c.in.Write(append(req, '\n')); err != nil {
		return nil, errors.New("the checker stopped")
	}
	line, err := c.out.ReadBytes('\n')
	if err != nil {
		return nil, errors.New("the checker stopped")
	}
	var ans compileAnswer
	if err := json.Unmarshal(line, &ans); err != nil {
		return nil, fmt.Errorf("unreadable answer from the checker: %v", err)
	}
	return &ans, nil
}

func (c *compiler) close() {
	c.in.Close()
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

// Close stops the helper process that checks scripts, if one runs.
func (a *Action) Close() {
	a.compileMu.Lock()
	defer a.compileMu.Unlock()
	if a.compiler != nil {
		a.compiler.close()
		a.compiler = nil
	}
}
