package template

import (
	"sort"
	"strings"

	"github.com/actuatehq/actuate/expr/value"
)

// InputError lists every problem with the inputs given to a template.
type InputError struct {
	// Action is the template's action name.
	Action string
	// Problems are in the order of the declared inputs, then unknown inputs
	// in the order given.
	Problems []InputProblem
}

// InputProblem is what is wrong with one input.
type InputProblem struct {
	// Name is the input's name, with a path inside it for nested values
	// (ids[2]).
	Name    string
	Message string
}

// Error returns a header line and one indented line per problem.
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString("invalid inputs for ")
	b.WriteString(e.Action)
	b.WriteByte(':')
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Name)
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}

// ValidateInputs checks the caller's inputs against `expects` and returns the
// `inputs` map a run sees; see [Validate]. Unlike Tracecat, which passes
// anything through when `expects` is empty, undeclared inputs are always
// rejected.
func (t *Template) ValidateInputs(given *value.Map) (*value.Map, error) {
	return Validate(t.ID(), t.Inputs, given)
}

// complete reports whether given is what [Validate] would return for it:
// every declared input, in declaration order, each already of its type.
func complete(inputs []*Input, given *value.Map) bool {
	if given == nil || given.Len() != len(inputs) {
		return false
	}
	keys, vals := given.Keys(), given.Values()
	for i, in := range inputs {
		if keys[i] != in.Name || in.Type != nil && !in.Type.unchanged(vals[i]) {
			return false
		}
	}
	return true
}

// Validate checks values given to the action called action against its
// declared inputs (whose names are distinct) and returns the map the
// action sees: every declared input in declaration order, each value
// coerced to its type as Tracecat's lax validation does ("5" becomes 5 for
// an int), omitted optional inputs set to their defaults. It reports
// every problem at once as an *[InputError]: missing required inputs,
// values of the wrong type, and names that are not declared. The returned
// map shares default values with the declarations: callers must not modify
// them. When given already is that map (every declared input, in order,
// of a type whose values coercion keeps as they are), it is returned
// itself, and callers must not modify it either. given may be nil.
func Validate(action string, inputs []*Input, given *value.Map) (*value.Map, error) {
	if complete(inputs, given) {
		return given, nil
	}
	return validate(action, inputs, given, true)
}

// ValidateGiven is [Validate] leaving the omitted optional inputs out, for
// callers that apply their defaults themselves. When every given value is
// declared and already of its type, and no required input is missing, it
// returns given itself, in its own order; callers must not modify it.
func ValidateGiven(action string, inputs []*Input, given *value.Map) (*value.Map, error) {
	if asGiven(inputs, given) {
		return given, nil
	}
	return validate(action, inputs, given, false)
}

// asGiven reports whether given passes validation unchanged.
func asGiven(inputs []*Input, given *value.Map) bool {
	if given == nil {
		return false
	}
	found := 0 // required inputs given
	vals := given.Values()
	for i, k := range given.Keys() {
		var in *Input
		for _, d := range inputs {
			if d.Name == k {
				in = d
				break
			}
		}
		if in == nil || in.Type != nil && !in.Type.unchanged(vals[i]) {
			return false
		}
		if !in.HasDefault {
			found++
		}
	}
	for _, in := range inputs {
		if !in.HasDefault {
			found--
		}
	}
	return found == 0
}

func validate(action string, inputs []*Input, given *value.Map, defaults bool) (*value.Map, error) {
	size := len(inputs)
	if !defaults && given != nil {
		size = given.Len()
	}
	out := value.NewMap(size)
	var problems []InputProblem
	for _, in := range inputs {
		v, ok := lookup(given, in.Name)
		if !ok {
			if in.HasDefault {
				if defaults {
					out.Append(in.Name, in.Default)
				}
				continue
			}
			problems = append(problems, InputProblem{Name: in.Name, Message: "required input is missing (type " + in.TypeText + ")"})
			continue
		}
		if in.Type == nil {
			out.Append(in.Name, v)
			continue
		}
		cv, err := in.Type.Coerce(v)
		if err != nil {
			name := in.Name
			msg := err.Error()
			if ce, ok := err.(*CoercionError); ok && ce.Path != "" {
				name += ce.Path
				msg = strings.TrimPrefix(msg, ce.Path+": ")
			}
			problems = append(problems, InputProblem{Name: name, Message: msg})
			continue
		}
		out.Append(in.Name, cv)
	}
	if given != nil {
		for _, k := range given.Keys() {
			if !declared(inputs, k) {
				problems = append(problems, InputProblem{Name: k, Message: unknownInput(inputs)})
			}
		}
	}
	if len(problems) > 0 {
		return nil, &InputError{Action: action, Problems: problems}
	}
	return out, nil
}

func declared(inputs []*Input, name string) bool {
	for _, in := range inputs {
		if in.Name == name {
			return true
		}
	}
	return false
}

func unknownInput(inputs []*Input) string {
	if len(inputs) == 0 {
		return "unknown input; this template declares no inputs (declare it under expects: to accept it)"
	}
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.Name
	}
	sort.Strings(names)
	return "unknown input; declared inputs are: " + strings.Join(names, ", ")
}

func lookup(m *value.Map, key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	return m.Get(key)
}
