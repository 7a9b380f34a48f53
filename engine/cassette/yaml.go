package cassette

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/actuatehq/actuate/engine/internal/yamlfields"
	"github.com/actuatehq/actuate/expr/value"
	"go.yaml.in/yaml/v3"
)

// Marshal returns c as YAML, keys in a fixed order:
//
//	version, interactions
//	request: method, url, headers, body, body_encoding, match
//	response: status, headers, body, body_encoding
func (c *Cassette) Marshal() ([]byte, error) {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, it := range c.Interactions {
		req := mapping()
		addPair(req, "method", str(it.Request.Method))
		addPair(req, "url", str(it.Request.URL))
		if len(it.Request.Headers) > 0 {
			addPair(req, "headers", headersNode(it.Request.Headers))
		}
		if err := addBody(req, it.Request.Body); err != nil {
			return nil, err
		}
		if m := it.Request.Match; !m.empty() {
			mn := mapping()
			for _, f := range []struct {
				key  string
				list []string
			}{{"ignore_headers", m.IgnoreHeaders}, {"ignore_query", m.IgnoreQuery}, {"ignore_body_fields", m.IgnoreBodyFields}} {
				if len(f.list) > 0 {
					seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
					for _, s := range f.list {
						seq.Content = append(seq.Content, str(s))
					}
					addPair(mn, f.key, seq)
				}
			}
			addPair(req, "match", mn)
		}
		resp := mapping()
		addPair(resp, "status", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(it.Response.Status)})
		if len(it.Response.Headers) > 0 {
			addPair(resp, "headers", headersNode(it.Response.Headers))
		}
		if err := addBody(resp, it.Response.Body); err != nil {
			return nil, err
		}
		n := mapping()
		addPair(n, "request", req)
		addPair(n, "response", resp)
		list.Content = append(list.Content, n)
	}
	version := c.Version
	if version == 0 {
		version = Version
	}
	doc := mapping()
	addPair(doc, "version", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(version)})
	if len(list.Content) == 0 {
		list.Style = yaml.FlowStyle
	}
	addPair(doc, "interactions", list)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	return buf.Bytes(), nil
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func addPair(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(strings.TrimRight(s, "\n"), "\n") && !strings.ContainsAny(s, "\r") && strings.TrimSpace(s) == strings.TrimLeft(s, " \t\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func headersNode(h Headers) *yaml.Node {
	m := mapping()
	for i := 0; i < len(h); {
		j := i + 1
		for j < len(h) && h[j].Name == h[i].Name {
			j++
		}
		if j == i+1 {
			addPair(m, h[i].Name, str(h[i].Value))
		} else {
			seq := &yaml.Node{Kind: yaml.SequenceNode}
			for _, f := range h[i:j] {
				seq.Content = append(seq.Content, str(f.Value))
			}
			addPair(m, h[i].Name, seq)
		}
		i = j
	}
	return m
}

func addBody(m *yaml.Node, b Body) error {
	switch b.Kind {
	case NoBody:
	case JSONBody:
		n, err := jsonNode(b.Data)
		if err != nil {
			return fmt.Errorf("cassette: JSON body: %w", err)
		}
		addPair(m, "body", n)
	case TextBody:
		addPair(m, "body", str(string(b.Data)))
	case BinaryBody:
		addPair(m, "body", str(encodeBase64(b.Data)))
		addPair(m, "body_encoding", str("base64"))
	}
	return nil
}

// jsonNode converts JSON text to a YAML node, keeping the order of object
// keys and the exact text of numbers.
func jsonNode(data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := jsonValueNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return n, nil
}

func jsonValueNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := mapping()
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := jsonValueNode(dec)
				if err != nil {
					return nil, err
				}
				addPair(m, k.(string), v)
			}
			_, err := dec.Token()
			if len(m.Content) == 0 {
				m.Style = yaml.FlowStyle
			}
			return m, err
		case '[':
			s := &yaml.Node{Kind: yaml.SequenceNode}
			for dec.More() {
				v, err := jsonValueNode(dec)
				if err != nil {
					return nil, err
				}
				s.Content = append(s.Content, v)
			}
			_, err := dec.Token()
			if len(s.Content) == 0 {
				s.Style = yaml.FlowStyle
			}
			return s, err
		}
	case string:
		return str(t), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(t), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(t)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// parser reads a cassette, reporting problems at their position.
type parser struct{ file string }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", p.file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

// Parse reads a cassette from data; file names it in errors.
func Parse(file string, data []byte) (*Cassette, error) {
	p := &parser{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlfields.SyntaxError(err)
		if line > 0 {
			return nil, fmt.Errorf("%s:%d: %s", file, line, msg)
		}
		return nil, fmt.Errorf("%s: %s", file, msg)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty cassette: want a mapping with version and interactions", file)
	}
	return p.cassette(doc.Content[0])
}

// Decode reads a cassette from a YAML node, such as one held inline in
// another file; file names that file in errors, which give the positions
// of the node's own lines and columns.
func Decode(file string, n *yaml.Node) (*Cassette, error) {
	p := &parser{file: file}
	return p.cassette(n)
}

func (p *parser) cassette(root *yaml.Node) (*Cassette, error) {
	if root.Kind != yaml.MappingNode {
		return nil, p.errorf(root, "a cassette is a mapping with version and interactions")
	}
	c := &Cassette{}
	fields, err := p.fields(root, "cassette", []string{"version", "interactions"}, []string{"version", "interactions"})
	if err != nil {
		return nil, err
	}
	vn := fields["version"]
	if err := vn.Decode(&c.Version); err != nil || vn.Kind != yaml.ScalarNode {
		return nil, p.errorf(vn, "version must be a number")
	}
	if c.Version != Version {
		return nil, p.errorf(vn, "unsupported cassette version %d (this actuate reads version %d)", c.Version, Version)
	}
	list := fields["interactions"]
	if list.Kind != yaml.SequenceNode {
		return nil, p.errorf(list, "interactions must be a list")
	}
	for i, n := range list.Content {
		it, err := p.interaction(n, i+1)
		if err != nil {
			return nil, err
		}
		c.Interactions = append(c.Interactions, it)
	}
	return c, nil
}

// fields checks that n is a mapping with only the allowed keys and the
// required ones, and returns its values by key.
func (p *parser) fields(n *yaml.Node, what string, allowed, required []string) (map[string]*yaml.Node, error) {
	return yamlfields.Get(n, what, allowed, required, p.errorf)
}

func (p *parser) interaction(n *yaml.Node, index int) (*Interaction, error) {
	what := fmt.Sprintf("interaction %d", index)
	f, err := p.fields(n, what, []string{"request", "response"}, []string{"request", "response"})
	if err != nil {
		return nil, err
	}
	it := &Interaction{Line: n.Line}
	rq, err := p.fields(f["request"], what+" request", []string{"method", "url", "headers", "body", "body_encoding", "match"}, []string{"method", "url"})
	if err != nil {
		return nil, err
	}
	if it.Request.Method, err = p.scalar(rq["method"], "method"); err != nil {
		return nil, err
	}
	if it.Request.URL, err = p.scalar(rq["url"], "url"); err != nil {
		return nil, err
	}
	if it.Request.Headers, err = p.headers(rq["headers"]); err != nil {
		return nil, err
	}
	if it.Request.Body, err = p.body(rq["body"], rq["body_encoding"]); err != nil {
		return nil, err
	}
	if m := rq["match"]; m != nil {
		mf, err := p.fields(m, "match", []string{"ignore_headers", "ignore_query", "ignore_body_fields"}, nil)
		if err != nil {
			return nil, err
		}
		for key, dst := range map[string]*[]string{"ignore_headers": &it.Request.Match.IgnoreHeaders, "ignore_query": &it.Request.Match.IgnoreQuery, "ignore_body_fields": &it.Request.Match.IgnoreBodyFields} {
			if ln := mf[key]; ln != nil {
				if *dst, err = p.strings(ln, key); err != nil {
					return nil, err
				}
			}
		}
		for _, path := range it.Request.Match.IgnoreBodyFields {
			if _, err := parsePath(path); err != nil {
				return nil, p.errorf(mf["ignore_body_fields"], "ignore_body_fields: %v", err)
			}
		}
	}
	rs, err := p.fields(f["response"], what+" response", []string{"status", "headers", "body", "body_encoding"}, []string{"status"})
	if err != nil {
		return nil, err
	}
	sn := rs["status"]
	if sn.Kind != yaml.ScalarNode || sn.Decode(&it.Response.Status) != nil || it.Response.Status < 100 || it.Response.Status > 999 {
		return nil, p.errorf(sn, "status must be an HTTP status code such as 200, not %q", sn.Value)
	}
	if it.Response.Headers, err = p.headers(rs["headers"]); err != nil {
		return nil, err
	}
	if it.Response.Body, err = p.body(rs["body"], rs["body_encoding"]); err != nil {
		return nil, err
	}
	it.want = normalize(it.Request, it.Request.Match)
	return it, nil
}

func (p *parser) scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", p.errorf(n, "%s must be a string", what)
	}
	return n.Value, nil
}

func (p *parser) strings(n *yaml.Node, what string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errorf(n, "%s must be a list of strings", what)
	}
	var out []string
	for _, it := range n.Content {
		s, err := p.scalar(it, what+" item")
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *parser) headers(n *yaml.Node) (Headers, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n, "headers must be a mapping of names to values")
	}
	var out Headers
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := httpCanonical(k.Value)
		switch v.Kind {
		case yaml.ScalarNode:
			out = append(out, Header{name, v.Value})
		case yaml.SequenceNode:
			vals, err := p.strings(v, "header "+k.Value)
			if err != nil {
				return nil, err
			}
			for _, s := range vals {
				out = append(out, Header{name, s})
			}
		default:
			return nil, p.errorf(v, "header %s must be a string or a list of strings", k.Value)
		}
	}
	return out, nil
}

func (p *parser) body(n, enc *yaml.Node) (Body, error) {
	if enc != nil {
		e, err := p.scalar(enc, "body_encoding")
		if err != nil {
			return Body{}, err
		}
		if e != "base64" {
			return Body{}, p.errorf(enc, "body_encoding must be base64, not %q", e)
		}
		if n == nil || n.Kind != yaml.ScalarNode {
			return Body{}, p.errorf(enc, "body_encoding: base64 needs a body string")
		}
		data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
		if err != nil {
			return Body{}, p.errorf(n, "body is not valid base64: %v", err)
		}
		return Body{Kind: BinaryBody, Data: data}, nil
	}
	if n == nil {
		return Body{}, nil
	}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		var buf bytes.Buffer
		if err := p.writeJSON(&buf, n); err != nil {
			return Body{}, err
		}
		return Body{Kind: JSONBody, Data: buf.Bytes()}, nil
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return Body{}, nil
		}
		if n.Value == "" {
			return Body{}, nil
		}
		return Body{Kind: TextBody, Data: []byte(n.Value)}, nil
	}
	return Body{}, p.errorf(n, "body must be a mapping or list (JSON) or a string (text)")
}

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// writeJSON writes a YAML node as compact JSON, keys in order. Strings
// keep <, > and & unescaped, as a recorded body keeps them, so that
// placeholders stay findable ([Cassette.Placeholders]).
func (p *parser) writeJSON(w *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.AliasNode:
		return p.writeJSON(w, n.Alias)
	case yaml.MappingNode:
		w.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				w.WriteByte(',')
			}
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return p.errorf(k, "a JSON body's keys must be strings")
			}
			value.WriteJSONString(w, k.Value)
			w.WriteByte(':')
			if err := p.writeJSON(w, n.Content[i+1]); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := p.writeJSON(w, c); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			w.WriteString("null")
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return p.errorf(n, "%v", err)
			}
			w.WriteString(strconv.FormatBool(b))
		case "!!int", "!!float":
			if jsonNumber.MatchString(n.Value) {
				w.WriteString(n.Value)
				break
			}
			var f float64
			if err := n.Decode(&f); err != nil {
				return p.errorf(n, "%v", err)
			}
			b, err := json.Marshal(f)
			if err != nil {
				return p.errorf(n, "%q is not a JSON number", n.Value)
			}
			w.Write(b)
		default:
			value.WriteJSONString(w, n.Value)
		}
	default:
		return p.errorf(n, "unexpected YAML node in a JSON body")
	}
	return nil
}

func httpCanonical(s string) string { return http.CanonicalHeaderKey(s) }
