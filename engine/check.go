package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr"
	"github.com/actuatehq/actuate/template"
)

// workflowOnly are Tracecat actions that belong to workflows and that
// templates may not call.
var workflowOnly = map[string]bool{
	"core.workflow.execute": true, "core.transform.scatter": true, "core.transform.gather": true,
	"core.loop.start": true, "core.loop.end": true, "ai.agent": true, "ai.preset_agent": true, "ai.action": true,
}

// Check checks the steps of t against the actions they call, as Tracecat
// does when it registers a template: the action exists (a template of
// templates or an action of acts; nil means actions.Default), its required
// arguments are given, no unknown argument is, and literal arguments have
// the declared types (a string holding an expression is accepted anywhere).
// An unknown core.* action is an error; an unknown action of another
// namespace is a warning, since it may be registered where the template
// runs.
func Check(t *template.Template, templates *template.Registry, acts *actions.Registry) template.Diagnostics {
	if acts == nil {
		acts = actions.Default
	}
	var ds template.Diagnostics
	add := func(pos template.Pos, sev template.Severity, format string, args ...any) {
		ds = append(ds, template.Diagnostic{File: t.File, Pos: pos, Severity: sev, Message: fmt.Sprintf(format, args...), Source: t.SourceLine(pos.Line)})
	}
	for _, s := range t.Steps {
		var inputs []*template.Input
		var checker actions.StepChecker
		if child, ok := templates.Lookup(s.Action); ok {
			inputs = child.Inputs
		} else if a, ok := acts.Lookup(s.Action); ok {
			inputs = a.Spec().Inputs
			checker, _ = a.(actions.StepChecker)
		} else {
			switch {
			case workflowOnly[s.Action]:
				add(s.ActionPos, template.Error, "%s is a workflow action; templates cannot call it", s.Action)
			case strings.HasPrefix(s.Action, "core."):
				add(s.ActionPos, template.Error, "unknown action %q%s", s.Action, suggestAction(s.Action, acts))
			default:
				add(s.ActionPos, template.Warning, "unknown action %q: no loaded template or registered action has that name (add its folder with --registry)", s.Action)
			}
			continue
		}
		checkArgs(s, inputs, add)
		if checker != nil {
			checker.CheckStep(t, s, func(pos template.Pos, sev template.Severity, msg string) { add(pos, sev, "%s", msg) })
		}
	}
	return ds
}

func checkArgs(s *template.Step, inputs []*template.Input, add func(template.Pos, template.Severity, string, ...any)) {
	given := map[string]bool{}
	var names []string
	for _, in := range inputs {
		names = append(names, in.Name)
	}
	sort.Strings(names)
	if s.Args != nil {
		for i, k := range s.Args.Keys {
			name, _ := k.Value.(string)
			given[name] = true
			in := findInput(inputs, name)
			if in == nil {
				add(k.Pos, template.Error, "%s has no argument %q%s", s.Action, name, suggestName(name, names))
				continue
			}
			arg := s.Args.Items[i]
			if in.Type == nil || holdsExpression(arg) {
				continue
			}
			if _, err := in.Type.Coerce(arg.Plain()); err != nil {
				add(arg.Pos, template.Error, "argument %q of %s: %v", name, s.Action, err)
			}
		}
	}
	var missing []string
	for _, in := range inputs {
		if in.Required() && !given[in.Name] {
			missing = append(missing, in.Name)
		}
	}
	if len(missing) > 0 {
		add(s.ActionPos, template.Error, "%s needs the argument(s) %s", s.Action, strings.Join(missing, ", "))
	}
}

func findInput(inputs []*template.Input, name string) *template.Input {
	for _, in := range inputs {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// holdsExpression reports whether any string under n holds an expression,
// whose type is known only when it runs.
func holdsExpression(n *template.Node) bool {
	if n.Text != nil {
		return true
	}
	for _, k := range n.Keys {
		if holdsExpression(k) {
			return true
		}
	}
	for _, it := range n.Items {
		if holdsExpression(it) {
			return true
		}
	}
	return false
}

func suggestAction(name string, acts *actions.Registry) string {
	var names []string
	for _, a := range acts.All() {
		names = append(names, a.Spec().Name)
	}
	return suggestName(name, names)
}

// suggestName returns "; did you mean X?" for a near miss, else the list
// of valid names (when short).
func suggestName(got string, valid []string) string {
	switch best := expr.Nearest(got, valid); {
	case best != "":
		return fmt.Sprintf("; did you mean %q?", best)
	case len(valid) > 0 && len(valid) <= 20:
		return "; expected one of: " + strings.Join(valid, ", ")
	}
	return ""
}
