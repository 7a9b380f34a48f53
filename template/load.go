package template

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/actuatehq/actuate/expr"
)

// Load reads the template file at path and checks it. See [Parse].
func Load(path string) (*Template, Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, Diagnostics{{File: path, Message: readError(err)}}
	}
	return Parse(path, src)
}

func readError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "cannot read template: " + err.Error()
}

// Parse checks src as the template file named path and returns the template
// with every problem found. The template is nil when the file is not even a
// YAML mapping with a definition; otherwise it is returned even when the
// diagnostics hold errors (for listings), and must not be run then.
func Parse(path string, src []byte) (*Template, Diagnostics) {
	text := string(src)
	l := &loader{file: path, lines: splitLines(text)}
	t := l.parse(src)
	if t != nil {
		t.source, t.lines = text, l.lines
		t.id = t.Namespace + "." + t.Name
	}
	return t, l.diags
}

// Names and patterns the loader enforces.
var (
	namePattern      = regexp.MustCompile(`^[a-z0-9_]+$`)
	namespacePattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)
	actionPattern    = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)
	inputPattern     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	keyPattern       = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

var (
	topKeys        = []string{"type", "definition"}
	definitionKeys = []string{"name", "namespace", "title", "description", "display_group", "doc_url", "author", "deprecated", "secrets", "expects", "steps", "returns"}
	fieldKeys      = []string{"type", "description", "default", "enum", "optional"}
	stepKeys       = []string{"ref", "action", "args", "retries"}
)

type loader struct {
	file  string
	lines []string
	diags Diagnostics
	seen  map[Diagnostic]bool // diags, which hold each problem once

	// compiled holds each string's compiled expressions, for strings
	// repeated through aliases.
	compiled map[string]compiled
}

func (l *loader) at(pos Pos, sev Severity, format string, args ...any) {
	d := Diagnostic{File: l.file, Pos: pos, Severity: sev, Message: fmt.Sprintf(format, args...)}
	if pos.Line >= 1 && pos.Line <= len(l.lines) {
		d.Source = l.lines[pos.Line-1]
	}
	// A value reached through several aliases is checked at each; report
	// what is wrong with it once.
	if l.seen[d] {
		return
	}
	if l.seen == nil {
		l.seen = map[Diagnostic]bool{}
	}
	l.seen[d] = true
	l.diags = append(l.diags, d)
}

func (l *loader) errorf(y *yaml.Node, format string, args ...any) {
	l.at(posOf(y), Error, format, args...)
}

func (l *loader) warnf(y *yaml.Node, format string, args ...any) {
	l.at(posOf(y), Warning, format, args...)
}

func (l *loader) parse(src []byte) *Template {
	if !utf8.Valid(src) {
		l.at(Pos{Line: 1, Column: 1}, Error, "file is not UTF-8 text")
		return nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			l.at(Pos{Line: 1, Column: 1}, Error, "empty file: a template needs \"type: action\" and a definition mapping")
		} else {
			l.yamlError(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			l.yamlError(err)
		} else {
			l.errorf(&extra, "a template file holds one YAML document; remove the second document or move it to its own file")
		}
	}
	if len(doc.Content) == 0 {
		l.at(Pos{Line: 1, Column: 1}, Error, "empty file: a template needs \"type: action\" and a definition mapping")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		l.errorf(root, "a template must be a mapping with type and definition, not %s", describeScalar(root))
		return nil
	}
	fields := l.fields(root, "the template", topKeys)
	if typ, ok := fields["type"]; ok {
		if s, ok := l.str(typ.val, "type"); ok && s != "action" {
			l.errorf(typ.val, "type must be \"action\", got %q", s)
		}
	}
	def, ok := fields["definition"]
	if !ok {
		l.errorf(root, "missing key \"definition\": the template's fields belong under definition:")
		return nil
	}
	if def.val.Kind != yaml.MappingNode {
		l.errorf(def.val, "definition must be a mapping, not %s", describeScalar(def.val))
		return nil
	}
	t := &Template{File: l.file, Pos: posOf(def.key), NamePos: posOf(def.key)}
	l.definition(t, def.key, def.val)
	return t
}

// yamlError turns a yaml.v3 syntax error into a diagnostic. yaml.v3 gives
// only a line; the column is found where the line shows the cause (a tab).
func (l *loader) yamlError(err error) {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line, msg = n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	if line == 0 {
		line = 1
	} else if parserProblem(msg) {
		// yaml.v3 counts the lines of parser (not scanner) errors from 0.
		line++
	}
	// A tab in indentation is the commonest cause; point at it. yaml.v3
	// sometimes names the line before the one at fault.
	for _, n := range []int{line, line + 1, line - 1} {
		if n < 1 || n > len(l.lines) {
			continue
		}
		text := l.lines[n-1]
		indent := len(text) - len(strings.TrimLeft(text, " \t"))
		if i := strings.IndexByte(text[:indent], '\t'); i >= 0 {
			l.at(Pos{Line: n, Column: i + 1}, Error, "invalid YAML: tab character in indentation; YAML indents with spaces only")
			return
		}
	}
	l.at(Pos{Line: line, Column: 1}, Error, "invalid YAML: %s", msg)
}

// parserProblem reports whether msg is one of the problems yaml.v3's parser
// (not its scanner) reports.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected key", "did not find expected node content",
		"did not find expected '-' indicator", "did not find expected ',' or ']'",
		"did not find expected ',' or '}'", "did not find expected <document start>",
		"found undefined tag handle", "found incompatible YAML document",
		"found duplicate %YAML directive", "found duplicate %TAG directive":
		return true
	}
	return false
}

// entry is one key of a mapping with its value.
type entry struct {
	key, val *yaml.Node
}

// fields checks that m's keys are strings among allowed, reports unknown and
// duplicate keys, and returns the entries by key.
func (l *loader) fields(m *yaml.Node, where string, allowed []string) map[string]entry {
	out := make(map[string]entry, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		if l.mergeKey(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			l.errorf(k, "keys in %s must be strings, not %s", where, describeScalar(k))
			continue
		}
		if prev, dup := out[k.Value]; dup {
			l.errorf(k, "duplicate key %q in %s (first at line %d)", k.Value, where, prev.key.Line)
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			l.errorf(k, "unknown key %q in %s%s", k.Value, where, suggest(k.Value, allowed))
			continue
		}
		out[k.Value] = entry{key: k, val: v}
	}
	return out
}

// deref returns the node an alias stands for, and any other node itself.
// Diagnostics about the value then point where it is written.
func deref(y *yaml.Node) *yaml.Node {
	if y.Kind == yaml.AliasNode && y.Alias != nil {
		return y.Alias
	}
	return y
}

// mergeKey reports a merge key (<<), which templates may not use.
func (l *loader) mergeKey(k *yaml.Node) bool {
	if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
		l.errorf(k, "merge keys (<<) are not supported; write the entries out")
		return true
	}
	return false
}

// suggest returns "; did you mean X?" for a near miss, else the list of
// allowed keys.
func suggest(got string, allowed []string) string {
	if best := expr.Nearest(strings.ToLower(got), allowed); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return "; expected one of: " + strings.Join(allowed, ", ")
}

// str returns a string scalar; anything else is reported.
func (l *loader) str(y *yaml.Node, field string) (string, bool) {
	if y.Kind == yaml.ScalarNode && y.ShortTag() == "!!str" {
		return y.Value, true
	}
	if unknownTag(y) {
		l.errorf(y, "%s must be a string, not a value tagged %s; remove the tag", field, y.Tag)
	} else if y.Kind == yaml.ScalarNode && y.ShortTag() != "!!null" {
		l.errorf(y, "%s must be a string, got %s; put it in quotes", field, describeScalar(y))
	} else {
		l.errorf(y, "%s must be a string, not %s", field, describeScalar(y))
	}
	return "", false
}

// optStr returns a string scalar or "" for null.
func (l *loader) optStr(y *yaml.Node, field string) string {
	if y.Kind == yaml.ScalarNode && y.ShortTag() == "!!null" {
		return ""
	}
	s, _ := l.str(y, field)
	return s
}

// boolean returns a boolean scalar.
func (l *loader) boolean(y *yaml.Node, field string) bool {
	if y.Kind == yaml.ScalarNode && y.ShortTag() == "!!bool" {
		return strings.EqualFold(y.Value, "true")
	}
	l.errorf(y, "%s must be true or false, not %s", field, describeScalar(y))
	return false
}

// stringList returns a list of string scalars.
func (l *loader) stringList(y *yaml.Node, field string) ([]string, bool) {
	if y.Kind != yaml.SequenceNode {
		l.errorf(y, "%s must be a list of strings, not %s", field, describeScalar(y))
		return nil, false
	}
	out := make([]string, 0, len(y.Content))
	ok := true
	for _, it := range y.Content {
		s, good := l.str(deref(it), field+" item")
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

func (l *loader) required(fields map[string]entry, owner *yaml.Node, where string, keys ...string) {
	for _, k := range keys {
		if _, ok := fields[k]; !ok {
			l.errorf(owner, "%s is missing required key %q", where, k)
		}
	}
}

func (l *loader) definition(t *Template, key, def *yaml.Node) {
	f := l.fields(def, "definition", definitionKeys)
	l.required(f, key, "definition", "name", "namespace", "title", "display_group", "returns")

	if e, ok := f["name"]; ok {
		t.NamePos = posOf(e.val)
		if s, ok := l.str(e.val, "name"); ok {
			t.Name = s
			if !namePattern.MatchString(s) {
				l.errorf(e.val, "name %q must use only lowercase letters, digits and underscores (it is the last part of the action name)", s)
			}
		}
	}
	if e, ok := f["namespace"]; ok {
		if s, ok := l.str(e.val, "namespace"); ok {
			t.Namespace = s
			if !namespacePattern.MatchString(s) {
				l.errorf(e.val, "namespace %q must be dot-separated parts of lowercase letters, digits and underscores, e.g. tools.github", s)
			}
		}
	}
	if e, ok := f["title"]; ok {
		if s, ok := l.str(e.val, "title"); ok {
			t.Title = s
			l.length(e.val, "title", s, 1, 100)
		}
	}
	if e, ok := f["description"]; ok {
		t.Description = l.optStr(e.val, "description")
		l.length(e.val, "description", t.Description, 0, 1000)
	}
	if e, ok := f["display_group"]; ok {
		if s, ok := l.str(e.val, "display_group"); ok {
			t.DisplayGroup = s
			l.length(e.val, "display_group", s, 1, 100)
		}
	}
	if e, ok := f["doc_url"]; ok {
		t.DocURL = l.optStr(e.val, "doc_url")
	}
	if e, ok := f["author"]; ok {
		t.Author = l.optStr(e.val, "author")
	}
	if e, ok := f["deprecated"]; ok {
		if e.val.ShortTag() == "!!bool" {
			l.errorf(e.val, "deprecated is the deprecation message, not a boolean; write why and what to use instead")
		} else {
			t.Deprecated = l.optStr(e.val, "deprecated")
		}
	}
	if e, ok := f["secrets"]; ok {
		t.Secrets = l.secrets(e.val)
	}

	expects, hasExpects := f["expects"]
	steps, hasSteps := f["steps"]
	switch {
	case hasExpects && !hasSteps && isShorthand(expects.val):
		t.Shorthand = true
		l.warnf(expects.key, "expects holds steps (the seed's shorthand); the canonical form puts them under steps: and declares inputs under expects: as a mapping of input names")
		t.Steps = l.steps(t, expects.key, expects.val)
	case !hasExpects:
		l.errorf(key, "definition is missing required key %q (write expects: {} for a template without inputs)", "expects")
		if hasSteps {
			t.Steps = l.steps(t, steps.key, steps.val)
		}
	default:
		l.expects(t, expects.val)
		switch {
		case hasSteps:
			t.Steps = l.steps(t, steps.key, steps.val)
		case expects.val.Kind != yaml.SequenceNode:
			// A sequence under expects was reported above as steps in
			// the wrong place; saying steps are missing adds nothing.
			l.errorf(key, "definition is missing required key %q", "steps")
		}
	}
	t.inputIndex = make(map[string]*Input, len(t.Inputs))
	for _, in := range t.Inputs {
		t.inputIndex[in.Name] = in
	}

	if e, ok := f["returns"]; ok {
		t.Returns = l.returns(e.val)
	}
	l.checkExpressions(t)
}

func (l *loader) length(y *yaml.Node, field, s string, lo, hi int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < lo:
		l.errorf(y, "%s must not be empty", field)
	case n > hi:
		l.errorf(y, "%s is %d characters long; the limit is %d", field, n, hi)
	}
}

// isShorthand reports whether expects is the seed's list of steps: a
// sequence whose items are all mappings with ref and action.
func isShorthand(y *yaml.Node) bool {
	if y.Kind != yaml.SequenceNode || len(y.Content) == 0 {
		return false
	}
	for _, it := range y.Content {
		it = deref(it)
		if it.Kind != yaml.MappingNode {
			return false
		}
		var ref, action bool
		for i := 0; i+1 < len(it.Content); i += 2 {
			switch deref(it.Content[i]).Value {
			case "ref":
				ref = true
			case "action":
				action = true
			}
		}
		if !ref || !action {
			return false
		}
	}
	return true
}

func (l *loader) expects(t *Template, y *yaml.Node) {
	if y.Kind == yaml.ScalarNode && y.ShortTag() == "!!null" {
		l.errorf(y, "expects must be a mapping of input names; write expects: {} for a template without inputs")
		return
	}
	if y.Kind != yaml.MappingNode {
		l.errorf(y, "expects must be a mapping of input names to {type, description, default}, not %s; steps belong under steps:", describeScalar(y))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := deref(y.Content[i]), deref(y.Content[i+1])
		if l.mergeKey(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			l.errorf(k, "input names must be strings, not %s", describeScalar(k))
			continue
		}
		name := k.Value
		if line, dup := seen[name]; dup {
			l.errorf(k, "duplicate input %q (first at line %d)", name, line)
			continue
		}
		seen[name] = k.Line
		if !inputPattern.MatchString(name) {
			l.errorf(k, "input name %q must start with a letter and hold only letters, digits and underscores", name)
		}
		if in := l.input(name, k, v); in != nil {
			t.Inputs = append(t.Inputs, in)
		}
	}
}

func (l *loader) input(name string, k, v *yaml.Node) *Input {
	if v.Kind != yaml.MappingNode {
		l.errorf(v, "input %q must be a mapping with type, description and default, not %s", name, describeScalar(v))
		// Keep the name declared, so reads of it are not reported too.
		return &Input{Name: name, Pos: posOf(k)}
	}
	in := &Input{Name: name, Pos: posOf(k)}
	f := l.fields(v, fmt.Sprintf("input %q", name), fieldKeys)
	e, ok := f["type"]
	if !ok {
		l.errorf(k, "input %q is missing required key \"type\" (e.g. type: str)", name)
	} else if s, ok := l.str(e.val, fmt.Sprintf("the type of input %q", name)); ok {
		in.TypeText = s
		in.TypePos = posOf(e.val)
		typ, err := ParseType(s)
		if err != nil {
			pos := in.TypePos
			var se *TypeSyntaxError
			if errors.As(err, &se) {
				pos = scalarOffset(e.val, s, se.Offset)
			}
			l.at(pos, Error, "invalid type %q for input %q: %v", s, name, err)
		}
		in.Type = typ
	}
	if e, ok := f["description"]; ok {
		in.Description = l.optStr(e.val, fmt.Sprintf("the description of input %q", name))
	}
	if e, ok := f["enum"]; ok {
		in.Enum, _ = l.stringList(e.val, fmt.Sprintf("the enum of input %q", name))
	}
	if e, ok := f["optional"]; ok {
		in.Optional = l.boolean(e.val, fmt.Sprintf("the optional flag of input %q", name))
	}
	if e, ok := f["default"]; ok {
		in.HasDefault = true
		n := convertNode(e.val, l.errorf)
		in.Default = n.Plain()
		l.checkDefault(in, e.val)
	}
	return in
}

// checkDefault checks a default against the input's type. Tracecat does not,
// but a default the type rejects is always a mistake, except null, which the
// corpus uses for "not given" on plain types.
func (l *loader) checkDefault(in *Input, y *yaml.Node) {
	if in.Default == nil {
		if in.Type != nil && !in.Type.Optional() {
			l.warnf(y, "default of input %q is null but its type %s does not allow None; declare the type as %s | None", in.Name, in.Type, in.Type)
		}
		return
	}
	if s, ok := in.Default.(string); ok && (strings.Contains(s, "${{") || strings.Contains(s, "$<<")) {
		l.warnf(y, "default of input %q holds an expression, which is not evaluated: the text is used as it is", in.Name)
	}
	if in.Type == nil {
		return
	}
	if _, err := in.Type.Coerce(in.Default); err != nil {
		l.errorf(y, "default of input %q does not match its type %s: %v", in.Name, in.Type, err)
	}
}

// scalarOffset maps a byte offset inside a scalar's text to its file
// position. It is exact for plain and quoted scalars on one line without
// escapes, and falls back to the scalar's start otherwise.
func scalarOffset(y *yaml.Node, text string, off int) Pos {
	p := posOf(y)
	if off < 0 || off > len(text) || strings.ContainsAny(text, "\n\\") {
		return p
	}
	switch styleOf(y) {
	case Plain:
	case SingleQuoted, DoubleQuoted:
		if strings.Contains(text, "'") && styleOf(y) == SingleQuoted {
			return p
		}
		p.Column++
	default:
		return p
	}
	p.Column += utf8.RuneCountInString(text[:off])
	return p
}

func (l *loader) steps(t *Template, key, y *yaml.Node) []*Step {
	if y.Kind != yaml.SequenceNode {
		l.errorf(y, "steps must be a list of steps with ref, action and args, not %s", describeScalar(y))
		return nil
	}
	if len(y.Content) == 0 {
		l.errorf(key, "a template needs at least one step")
		return nil
	}
	var out []*Step
	refs := map[string]int{}
	for _, it := range y.Content {
		it = deref(it)
		if it.Kind != yaml.MappingNode {
			l.errorf(it, "a step must be a mapping with ref, action and args, not %s", describeScalar(it))
			continue
		}
		s := &Step{Pos: posOf(it)}
		where := "step"
		for i := 0; i+1 < len(it.Content); i += 2 {
			if k, v := deref(it.Content[i]), deref(it.Content[i+1]); k.Value == "ref" && v.Kind == yaml.ScalarNode {
				where = fmt.Sprintf("step %q", v.Value)
			}
		}
		f := l.fields(it, where, stepKeys)
		l.required(f, it, where, "ref", "action")
		if e, ok := f["ref"]; ok {
			if ref, ok := l.str(e.val, "ref"); ok {
				s.Ref = ref
				if !namePattern.MatchString(ref) {
					l.errorf(e.val, "step ref %q must use only lowercase letters, digits and underscores", ref)
				} else if line, dup := refs[ref]; dup {
					l.errorf(e.val, "duplicate step ref %q (first at line %d)", ref, line)
				}
				refs[ref] = e.val.Line
			}
		}
		if e, ok := f["action"]; ok {
			s.ActionPos = posOf(e.val)
			if action, ok := l.str(e.val, "action"); ok {
				s.Action = action
				switch {
				case !actionPattern.MatchString(action):
					l.errorf(e.val, "action %q must be a dotted name of lowercase letters, digits and underscores, e.g. core.http_request", action)
				case t.Name != "" && t.Namespace != "" && action == t.ID():
					l.errorf(e.val, "step %q calls the template itself (%s)", s.Ref, action)
				}
			}
		}
		if e, ok := f["retries"]; ok {
			var n int
			if e.val.Kind != yaml.ScalarNode || e.val.ShortTag() != "!!int" || e.val.Decode(&n) != nil || n < 0 || n > 10 {
				l.errorf(e.val, "retries must be a whole number from 0 to 10, not %s", describeScalar(e.val))
			} else {
				s.Retries = &n
			}
		}
		if e, ok := f["args"]; ok {
			if e.val.Kind != yaml.MappingNode && !(e.val.Kind == yaml.ScalarNode && e.val.ShortTag() == "!!null") {
				l.errorf(e.val, "args must be a mapping of argument names to values, not %s", describeScalar(e.val))
			} else {
				s.Args = convertNode(e.val, l.errorf)
				if s.Args.Kind != MappingNode {
					s.Args = &Node{Kind: MappingNode, Pos: s.Args.Pos}
				}
				for _, k := range s.Args.Keys {
					if !k.IsString() {
						l.at(k.Pos, Error, "argument names must be strings, not %s", value2kind(k.Value))
					}
				}
			}
		} else {
			s.Args = &Node{Kind: MappingNode, Pos: s.Pos}
		}
		out = append(out, s)
	}
	return out
}

func value2kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int, float64:
		return "a number"
	}
	return "a string"
}

func (l *loader) returns(y *yaml.Node) *Node {
	n := convertNode(y, l.errorf)
	switch n.Kind {
	case MappingNode:
	case SequenceNode:
		for _, it := range n.Items {
			if !it.IsString() {
				l.at(it.Pos, Error, "returns as a list must hold only strings; use a mapping for structured results")
				break
			}
		}
	default:
		if !n.IsString() {
			l.errorf(y, "returns must be a string, a list of strings or a mapping, not %s", describeScalar(y))
		}
	}
	return n
}

func splitLines(src string) []string {
	s := strings.ReplaceAll(src, "\r\n", "\n")
	return strings.Split(s, "\n")
}
