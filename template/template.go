// Package template loads Tracecat-compatible action templates: YAML files of
// `type: action` that declare inputs (`expects`), secrets, steps and a
// `returns` value.
//
// [Load] parses one file through yaml.v3's node tree, so every field, step,
// argument and string keeps its line and column; it checks the whole file and
// reports every problem at once as [Diagnostics] ("file:line:col: message").
// Unknown keys are errors everywhere, unlike Tracecat, which drops them
// silently. [ParseType] implements the `expects` type language and
// [Template.ValidateInputs] the lax coercion Tracecat applies to inputs.
// A [Registry] holds the templates of a set of folders, keyed by action name
// (`namespace.name`).
//
// Loaded templates are immutable and safe to share between goroutines.
package template

import (
	"sort"
)

// Template is one loaded action template.
type Template struct {
	// File is the path the template was loaded from, as given to [Load].
	File string

	Name         string // last segment of the action name
	Namespace    string // dotted, e.g. tools.github
	Title        string
	Description  string
	DisplayGroup string
	DocURL       string // "" when absent or null
	Author       string // "" when absent or null
	// Deprecated is the deprecation message, "" when the action is current.
	Deprecated string

	Secrets []*Secret
	// Inputs are the fields of `expects`, in file order.
	Inputs []*Input
	Steps  []*Step
	// Returns is the `returns` value: a string, a list of strings or a
	// mapping, with expressions still unevaluated.
	Returns *Node

	// SecretAliases maps the seed document's short secret names to the
	// canonical OAuth secret names they stand for (github → github_oauth),
	// for the SECRETS.<provider>.<TOKEN_KEY> reads the template makes.
	SecretAliases map[string]string

	// Shorthand is true when the file used the seed's legacy form, steps
	// written under `expects`.
	Shorthand bool

	// Pos is the place of the `definition` key; NamePos that of the name.
	Pos     Pos
	NamePos Pos

	inputIndex map[string]*Input
	source     string
	lines      []string // of source, which they share unless it has CRLFs
	id         string   // ID(), computed once loaded
}

// ID returns the action name, `namespace.name`.
func (t *Template) ID() string {
	if t.id != "" {
		return t.id
	}
	return t.Namespace + "." + t.Name
}

// Input returns the declared input called name.
func (t *Template) Input(name string) (*Input, bool) {
	in, ok := t.inputIndex[name]
	return in, ok
}

// InputNames returns the declared input names, sorted.
func (t *Template) InputNames() []string {
	names := make([]string, len(t.Inputs))
	for i, in := range t.Inputs {
		names[i] = in.Name
	}
	sort.Strings(names)
	return names
}

// Step returns the step whose ref is ref.
func (t *Template) Step(ref string) (*Step, bool) {
	for _, s := range t.Steps {
		if s.Ref == ref {
			return s, true
		}
	}
	return nil, false
}

// Source returns the text the template was parsed from, as it was then:
// the file may have changed since.
func (t *Template) Source() string { return t.source }

// SourceLine returns line n (1-based) of the template file, or "".
func (t *Template) SourceLine(n int) string {
	if n < 1 || n > len(t.lines) {
		return ""
	}
	return t.lines[n-1]
}

// Input is one field of `expects`.
type Input struct {
	Name string
	// Type is the parsed type; TypeText is the type as written.
	Type     *Type
	TypeText string
	// Description documents the input; "" when absent.
	Description string
	// Default is the value used when the caller omits the input, as a
	// JSON-shaped value. It is meaningful only when HasDefault is true: an
	// input without a default is required, even when its type allows None.
	Default    any
	HasDefault bool
	// Enum is the separate `enum:` list, kept for documentation: like
	// Tracecat, values are not checked against it.
	Enum []string
	// Optional is the `optional:` flag, kept for documentation only: only
	// a default makes an input optional.
	Optional bool

	Pos     Pos // the input's name
	TypePos Pos // the type string
}

// Required reports whether the caller must pass the input.
func (in *Input) Required() bool { return !in.HasDefault }

// Step is one entry of `steps`.
type Step struct {
	Ref    string
	Action string
	// Args is the `args` mapping, with expressions still unevaluated.
	Args *Node
	// Retries is the step's `retries:` setting (an actuate extension):
	// how many times an HTTP step may be retried, POST and PATCH
	// included; nil when not set.
	Retries *int

	Pos       Pos // the start of the step's mapping
	ActionPos Pos
}
