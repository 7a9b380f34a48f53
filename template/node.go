package template

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/actuatehq/actuate/expr"
	"github.com/actuatehq/actuate/expr/value"
	yaml "go.yaml.in/yaml/v3"
)

// NodeKind tells what a [Node] holds.
type NodeKind int

const (
	// ScalarNode holds a string, int, float, bool or null in Value.
	ScalarNode NodeKind = iota
	// MappingNode holds Keys and Items of equal length.
	MappingNode
	// SequenceNode holds Items.
	SequenceNode
)

// ScalarStyle is how a scalar was written, which decides how positions
// inside the text map back to file columns.
type ScalarStyle int

const (
	// Plain is an unquoted scalar.
	Plain ScalarStyle = iota
	// SingleQuoted is 'text'.
	SingleQuoted
	// DoubleQuoted is "text".
	DoubleQuoted
	// Literal is a block scalar written with |.
	Literal
	// Folded is a block scalar written with >.
	Folded
)

// Node is a piece of a template's `args` or `returns` tree with its place in
// the file. Expressions in string scalars are kept as written.
type Node struct {
	Kind NodeKind
	// Value is the scalar's value: string, int, float64, bool or nil.
	Value any
	// Style is the scalar's style in the file.
	Style ScalarStyle
	// Keys and Items: for a mapping, Keys[i] maps to Items[i]; for a
	// sequence, Items are its entries.
	Keys  []*Node
	Items []*Node
	Pos   Pos
	// Text is the compiled string when a string scalar holds expressions;
	// nil for plain text and other values.
	Text *expr.Text
}

// IsString reports whether n is a string scalar.
func (n *Node) IsString() bool {
	_, ok := n.Value.(string)
	return n.Kind == ScalarNode && ok
}

// Get returns the value of the mapping entry whose key is the string key.
func (n *Node) Get(key string) (*Node, bool) {
	if n == nil || n.Kind != MappingNode {
		return nil, false
	}
	for i, k := range n.Keys {
		if s, ok := k.Value.(string); ok && s == key {
			return n.Items[i], true
		}
	}
	return nil, false
}

// Plain returns the node as a JSON-shaped value (nil, bool, int, float64,
// string, []any, *value.Map), without evaluating expressions. Mapping keys
// that are not strings are written as Python's str() of the key.
func (n *Node) Plain() any {
	switch n.Kind {
	case MappingNode:
		m := value.NewMap(len(n.Keys))
		for i, k := range n.Keys {
			m.Set(value.Str(k.Value), n.Items[i].Plain())
		}
		return m
	case SequenceNode:
		list := make([]any, len(n.Items))
		for i, it := range n.Items {
			list[i] = it.Plain()
		}
		return list
	}
	return n.Value
}

// converter turns yaml.v3 nodes into Nodes, resolving aliases. It reports
// what it cannot represent through errf and never panics. It stops expanding
// past maxNodes values, so aliases cannot blow a small file up ("billion
// laughs").
type converter struct {
	errf  func(*yaml.Node, string, ...any)
	count int
}

// Limits on one template's values.
const (
	maxDepth = 100
	maxNodes = 1_000_000
)

func convertNode(y *yaml.Node, errf func(*yaml.Node, string, ...any)) *Node {
	c := &converter{errf: errf}
	return c.convert(y, 0)
}

func (c *converter) convert(y *yaml.Node, depth int) *Node {
	errf := c.errf
	c.count++
	if c.count == maxNodes+1 {
		errf(y, "value expands to more than %d entries through aliases; write it out", maxNodes)
	}
	if c.count > maxNodes {
		return &Node{Kind: ScalarNode, Pos: posOf(y)}
	}
	if depth > maxDepth {
		errf(y, "value nested more than %d levels deep", maxDepth)
		return &Node{Kind: ScalarNode, Pos: posOf(y)}
	}
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil {
			errf(y, "unknown alias %q", y.Value)
			return &Node{Kind: ScalarNode, Pos: posOf(y)}
		}
		n := c.convert(y.Alias, depth+1)
		n.Pos = posOf(y)
		return n
	}
	n := &Node{Pos: posOf(y)}
	if unknownTag(y) {
		errf(y, "the tag %s is not supported; remove it", y.Tag)
	}
	switch y.Kind {
	case yaml.MappingNode:
		n.Kind = MappingNode
		seen := make(map[string]Pos, len(y.Content)/2)
		for i := 0; i+1 < len(y.Content) && c.count <= maxNodes; i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				errf(k, "merge keys (<<) are not supported; write the entries out")
				continue
			}
			key := c.convert(k, depth+1)
			if key.Kind != ScalarNode {
				errf(k, "mapping keys must be strings, numbers or booleans, not a %s", kindName(k))
				continue
			}
			text := value.Str(key.Value)
			if first, dup := seen[text]; dup {
				errf(k, "duplicate key %q (first at line %d)", text, first.Line)
				continue
			}
			seen[text] = key.Pos
			n.Keys = append(n.Keys, key)
			n.Items = append(n.Items, c.convert(v, depth+1))
		}
	case yaml.SequenceNode:
		n.Kind = SequenceNode
		n.Items = make([]*Node, len(y.Content))
		for i, item := range y.Content {
			n.Items[i] = c.convert(item, depth+1)
		}
	case yaml.ScalarNode:
		n.Kind = ScalarNode
		n.Style = styleOf(y)
		v, err := scalarValue(y)
		if err != nil {
			errf(y, "%v", err)
		}
		n.Value = v
	default:
		errf(y, "unexpected YAML %s", kindName(y))
	}
	return n
}

// scalarValue resolves a scalar the way the template's author reads it:
// YAML 1.2 core schema, with timestamps kept as their text.
func scalarValue(y *yaml.Node) (any, error) {
	switch y.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		return strings.EqualFold(y.Value, "true"), nil
	case "!!int":
		var i int
		if err := y.Decode(&i); err != nil {
			return y.Value, fmt.Errorf("integer %s does not fit in 64 bits; quote it to pass it as text", y.Value)
		}
		return i, nil
	case "!!float":
		var f float64
		if err := y.Decode(&f); err != nil || math.IsNaN(f) && !strings.Contains(strings.ToLower(y.Value), "nan") {
			return y.Value, fmt.Errorf("invalid number %s", y.Value)
		}
		return f, nil
	case "!!binary":
		return y.Value, fmt.Errorf("binary values (!!binary) are not supported; use a base64 string")
	}
	return y.Value, nil
}

// unknownTag reports whether y carries a tag outside YAML's own types, which
// Tracecat's YAML loader refuses.
func unknownTag(y *yaml.Node) bool {
	switch y.ShortTag() {
	case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!merge",
		"!!map", "!!seq", "!!set", "!!omap", "!!pairs":
		return false
	}
	return true
}

func styleOf(y *yaml.Node) ScalarStyle {
	switch {
	case y.Style&yaml.SingleQuotedStyle != 0:
		return SingleQuoted
	case y.Style&yaml.DoubleQuotedStyle != 0:
		return DoubleQuoted
	case y.Style&yaml.LiteralStyle != 0:
		return Literal
	case y.Style&yaml.FoldedStyle != 0:
		return Folded
	}
	return Plain
}

func posOf(y *yaml.Node) Pos { return Pos{Line: y.Line, Column: y.Column} }

// kindName names what a YAML node holds, for messages: "mapping", "list",
// "string", "number", "boolean", "null".
func kindName(y *yaml.Node) string {
	switch y.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		if y.Alias != nil {
			return kindName(y.Alias)
		}
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	switch y.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "boolean"
	case "!!int", "!!float":
		return "number"
	}
	return "string"
}

// describeScalar shows a scalar in a message: its kind and text.
func describeScalar(y *yaml.Node) string {
	switch kindName(y) {
	case "mapping", "list", "null":
		return "a " + kindName(y)
	case "string":
		return "the string " + strconv.Quote(y.Value)
	}
	return "the " + kindName(y) + " " + y.Value
}
