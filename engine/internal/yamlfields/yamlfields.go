// Package yamlfields reads the fields of a YAML mapping, as the cassette
// and golden case files both check them, and places their syntax errors.
package yamlfields

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Errorf reports a problem at a node's position.
type Errorf func(n *yaml.Node, format string, args ...any) error

// Get checks that n is a mapping with only the allowed keys and the
// required ones, and returns its values by key; what names n in errors,
// which errorf reports.
func Get(n *yaml.Node, what string, allowed, required []string, errorf Errorf) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errorf(n, "%s must be a mapping", what)
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			return nil, errorf(k, "unknown key %q in %s (want one of %s)", k.Value, what, strings.Join(allowed, ", "))
		}
		if _, dup := out[k.Value]; dup {
			return nil, errorf(k, "duplicate key %q in %s", k.Value, what)
		}
		out[k.Value] = v
	}
	for _, r := range required {
		if out[r] == nil {
			return nil, errorf(n, "%s has no %s", what, r)
		}
	}
	return out, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// SyntaxError splits an error of yaml.Unmarshal into the line it names (0
// when it names none) and its message, without the "yaml: " prefix.
func SyntaxError(err error) (line int, msg string) {
	msg = err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, msg[len(m[0]):]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}
