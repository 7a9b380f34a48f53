package golden

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/cassette"
	"github.com/actuatehq/actuate/engine/internal/yamlfields"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/secrets/oauth"
	"go.yaml.in/yaml/v3"
)

// File is a loaded case file.
type File struct {
	// Path is the file's path as found.
	Path  string
	Cases []*Case
}

// Case is one golden test: an action run with given inputs, secrets and
// variables against a cassette, and what it must produce.
type Case struct {
	// File is the path of the case file, Line the line of the case in it.
	File string
	Line int
	// Name is the case's name, unique in its file.
	Name string
	// Action is the action's name, or the path of a template file
	// relative to the case file; empty means the template beside the
	// case file (list_repos.yml for list_repos.test.yaml).
	Action string
	// Inputs, Secrets and Vars are what the run gets.
	Inputs  *value.Map
	Secrets engine.StaticSecrets
	Vars    *value.Map
	// OAuth are the integrations of the case's token store: when there
	// are any, the run gets a store in a temporary folder holding them,
	// under Secrets, whose token requests (a refresh) go through the
	// cassette.
	OAuth []OAuth
	// Cassette answers the run's requests; never nil (a case without one
	// gets an empty cassette, so any request fails). CassetteFile is its
	// file, "" for an inline cassette or none.
	Cassette     *cassette.Cassette
	CassetteFile string
	// Live is the URL that --update records the cassette against: every
	// request is sent to its scheme and host instead, and recorded under
	// the URL the template built. Empty means the cassette is never
	// re-recorded.
	Live string
	// Golden is the path of the result's golden file; unused when Error
	// is set.
	Golden string
	// Requests, when not nil, are the requests the run must send, in
	// order.
	Requests []Request
	// Error, when not nil, is the exact error the run must fail with.
	Error *string

	// want is the golden file's content, read with the case file;
	// wantErr the error reading it.
	want    []byte
	wantErr error
	// placeholders are the cassette's placeholders.
	placeholders []string
}

// OAuth is an OAuth integration configured in a case's token store, with
// its token.
type OAuth struct {
	ProviderID, GrantType                string
	ClientID, ClientSecret               string
	TokenEndpoint, AuthorizationEndpoint string
	AccessToken, RefreshToken            string
	// ExpiresIn is how long the access token stays valid from the start
	// of the run (negative: it has expired); HasExpiry is false for a
	// token without an expiry.
	ExpiresIn time.Duration
	HasExpiry bool
	Line      int
}

// ID returns "file/case", the name --run matches and reports show.
func (c *Case) ID() string { return filepath.ToSlash(c.File) + "/" + c.Name }

// Request is an expected request. Headers holds only the headers the case
// compares; Body is compact JSON for a JSON body, else text.
type Request struct {
	Method, URL string
	Headers     cassette.Headers
	Body        string
	Line        int
}

// LoadError is a problem with a case file, at a position in it.
type LoadError struct {
	File      string
	Line, Col int
	Msg       string
}

// Error returns "file:line:col: message".
func (e *LoadError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// IsCaseFile reports whether a file name is a case file's: *.test.yaml or
// *.test.yml.
func IsCaseFile(name string) bool {
	return strings.HasSuffix(name, ".test.yaml") || strings.HasSuffix(name, ".test.yml")
}

// caseBase returns the case file's path without .test.yaml or .test.yml.
func caseBase(path string) string {
	if s, ok := strings.CutSuffix(path, ".test.yaml"); ok {
		return s
	}
	return strings.TrimSuffix(path, ".test.yml")
}

type loader struct{ file string }

func (l *loader) errorf(n *yaml.Node, format string, args ...any) error {
	return &LoadError{File: l.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
}

// LoadFile reads a case file. Errors are *LoadError, with the position of
// the problem.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{File: path, Msg: readError(err)}
	}
	return Parse(path, data)
}

func readError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

var caseKeys = []string{"name", "description", "action", "inputs", "secrets", "oauth", "vars", "cassette", "live", "golden", "requests", "error"}

var caseName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Parse reads a case file from data; path names it in errors and is the
// base of the relative paths it holds.
func Parse(path string, data []byte) (*File, error) {
	l := &loader{file: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlfields.SyntaxError(err)
		return nil, &LoadError{File: path, Line: line, Msg: msg}
	}
	if len(doc.Content) == 0 {
		return nil, &LoadError{File: path, Msg: "empty case file: want a list of cases, or a mapping with cases"}
	}
	root := doc.Content[0]
	list := root
	if root.Kind == yaml.MappingNode {
		f, err := l.fields(root, "case file", []string{"cases"}, []string{"cases"})
		if err != nil {
			return nil, err
		}
		list = f["cases"]
	}
	if list.Kind != yaml.SequenceNode {
		return nil, l.errorf(list, "a case file holds a list of cases, or a mapping with cases")
	}
	if len(list.Content) == 0 {
		return nil, l.errorf(list, "no cases")
	}
	out := &File{Path: path}
	seen := map[string]int{}
	for i, n := range list.Content {
		c, err := l.parseCase(n, i+1)
		if err != nil {
			return nil, err
		}
		if line, dup := seen[c.Name]; dup {
			return nil, l.errorf(n, "duplicate case name %q (first at line %d)", c.Name, line)
		}
		seen[c.Name] = c.Line
		out.Cases = append(out.Cases, c)
	}
	return out, nil
}

// fields checks that n is a mapping with only the allowed keys and the
// required ones, and returns its values by key.
func (l *loader) fields(n *yaml.Node, what string, allowed, required []string) (map[string]*yaml.Node, error) {
	return yamlfields.Get(n, what, allowed, required, l.errorf)
}

func (l *loader) str(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", l.errorf(n, "%s must be a string", what)
	}
	return n.Value, nil
}

func (l *loader) parseCase(n *yaml.Node, index int) (*Case, error) {
	what := fmt.Sprintf("case %d", index)
	f, err := l.fields(n, what, caseKeys, []string{"name"})
	if err != nil {
		return nil, err
	}
	c := &Case{File: l.file, Line: n.Line}
	if c.Name, err = l.str(f["name"], "name"); err != nil {
		return nil, err
	}
	if !caseName.MatchString(c.Name) {
		return nil, l.errorf(f["name"], "case name %q must be letters, digits, '_', '-' and '.', starting with a letter or digit", c.Name)
	}
	what = fmt.Sprintf("case %q", c.Name)
	if an := f["action"]; an != nil {
		if c.Action, err = l.str(an, "action"); err != nil {
			return nil, err
		}
	}
	c.Inputs = value.NewMap(0)
	if in := f["inputs"]; in != nil {
		if in.Kind != yaml.MappingNode {
			return nil, l.errorf(in, "inputs must be a mapping of input names to values")
		}
		v, err := l.value(in)
		if err != nil {
			return nil, err
		}
		c.Inputs = v.(*value.Map)
	}
	c.Secrets = engine.StaticSecrets{}
	if sn := f["secrets"]; sn != nil {
		if sn.Kind != yaml.MappingNode {
			return nil, l.errorf(sn, "secrets must be a mapping: secret name -> key -> value")
		}
		for i := 0; i+1 < len(sn.Content); i += 2 {
			name, keys := sn.Content[i], sn.Content[i+1]
			if keys.Kind != yaml.MappingNode {
				return nil, l.errorf(keys, "secret %s must be a mapping of keys to values", name.Value)
			}
			m := map[string]string{}
			for j := 0; j+1 < len(keys.Content); j += 2 {
				k, v := keys.Content[j], keys.Content[j+1]
				if v.Kind != yaml.ScalarNode {
					return nil, l.errorf(v, "secret %s.%s must be a string", name.Value, k.Value)
				}
				m[k.Value] = v.Value
			}
			c.Secrets[name.Value] = m
		}
	}
	if on := f["oauth"]; on != nil {
		if c.OAuth, err = l.oauth(on); err != nil {
			return nil, err
		}
	}
	c.Vars = value.NewMap(0)
	if vn := f["vars"]; vn != nil {
		if vn.Kind != yaml.MappingNode {
			return nil, l.errorf(vn, "vars must be a mapping: variable name -> key -> value")
		}
		for i := 0; i+1 < len(vn.Content); i += 2 {
			if vn.Content[i+1].Kind != yaml.MappingNode {
				return nil, l.errorf(vn.Content[i+1], "variable %s must be a mapping of keys to values", vn.Content[i].Value)
			}
		}
		v, err := l.value(vn)
		if err != nil {
			return nil, err
		}
		c.Vars = v.(*value.Map)
	}
	if ln := f["live"]; ln != nil {
		if c.Live, err = l.str(ln, "live"); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(c.Live, "http://") && !strings.HasPrefix(c.Live, "https://") {
			return nil, l.errorf(ln, "live must be an http or https URL, not %q", c.Live)
		}
	}
	if err := l.cassette(c, f["cassette"], f["live"]); err != nil {
		return nil, err
	}
	if en := f["error"]; en != nil {
		msg, err := l.str(en, "error")
		if err != nil {
			return nil, err
		}
		msg = strings.TrimSuffix(msg, "\n")
		c.Error = &msg
		if gn := f["golden"]; gn != nil {
			return nil, l.errorf(gn, "%s expects an error, so it has no golden result", what)
		}
	} else {
		c.Golden = caseBase(l.file) + "." + c.Name + ".golden.json"
		if gn := f["golden"]; gn != nil {
			g, err := l.str(gn, "golden")
			if err != nil {
				return nil, err
			}
			c.Golden = l.rel(g)
		}
		c.want, c.wantErr = os.ReadFile(c.Golden)
	}
	c.placeholders = c.Cassette.Placeholders()
	if rn := f["requests"]; rn != nil {
		if rn.Kind != yaml.SequenceNode {
			return nil, l.errorf(rn, "requests must be a list of requests (method, url, headers, body)")
		}
		c.Requests = []Request{}
		for i, n := range rn.Content {
			r, err := l.request(n, i+1)
			if err != nil {
				return nil, err
			}
			c.Requests = append(c.Requests, r)
		}
	}
	return c, nil
}

var oauthKeys = []string{"provider_id", "grant_type", "client_id", "client_secret", "token_endpoint",
	"authorization_endpoint", "access_token", "refresh_token", "expires_in_seconds"}

// oauth reads a case's oauth list: the integrations of its token store.
func (l *loader) oauth(n *yaml.Node) ([]OAuth, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, l.errorf(n, "oauth must be a list of integrations (provider_id, grant_type, client_id, client_secret, token_endpoint, access_token, ...)")
	}
	var out []OAuth
	seen := map[string]int{}
	for i, en := range n.Content {
		what := fmt.Sprintf("oauth entry %d", i+1)
		f, err := l.fields(en, what, oauthKeys, []string{"provider_id", "grant_type", "client_id", "client_secret", "access_token"})
		if err != nil {
			return nil, err
		}
		o := OAuth{Line: en.Line}
		for _, s := range []struct {
			key string
			to  *string
		}{
			{"provider_id", &o.ProviderID}, {"grant_type", &o.GrantType}, {"client_id", &o.ClientID},
			{"client_secret", &o.ClientSecret}, {"token_endpoint", &o.TokenEndpoint},
			{"authorization_endpoint", &o.AuthorizationEndpoint}, {"access_token", &o.AccessToken},
			{"refresh_token", &o.RefreshToken},
		} {
			if vn := f[s.key]; vn != nil {
				if *s.to, err = l.str(vn, s.key); err != nil {
					return nil, err
				}
				if *s.to == "" && s.key != "refresh_token" && !strings.HasSuffix(s.key, "_endpoint") {
					return nil, l.errorf(vn, "%s: %s is empty", what, s.key)
				}
			}
		}
		if err := oauth.ValidGrantType(o.GrantType); err != nil {
			return nil, l.errorf(f["grant_type"], "%s: %v", what, err)
		}
		if strings.HasPrefix(o.ProviderID, oauth.CustomPrefix) {
			switch {
			case o.TokenEndpoint == "":
				return nil, l.errorf(en, "%s: custom provider %s needs token_endpoint", what, o.ProviderID)
			case o.GrantType == oauth.AuthorizationCode && o.AuthorizationEndpoint == "":
				return nil, l.errorf(en, "%s: custom provider %s needs authorization_endpoint (authorization_code grant)", what, o.ProviderID)
			}
		}
		if _, err := oauth.Lookup(o.ProviderID, o.GrantType, o.AuthorizationEndpoint, o.TokenEndpoint); err != nil {
			return nil, l.errorf(f["provider_id"], "%s: %v", what, err)
		}
		if o.GrantType == oauth.ClientCredentials && o.RefreshToken != "" {
			return nil, l.errorf(f["refresh_token"], "%s: the client_credentials grant has no refresh token", what)
		}
		if en := f["expires_in_seconds"]; en != nil {
			var secs int
			if en.Kind != yaml.ScalarNode || en.ShortTag() != "!!int" || en.Decode(&secs) != nil {
				return nil, l.errorf(en, "%s: expires_in_seconds must be a whole number of seconds (negative: already expired)", what)
			}
			o.ExpiresIn, o.HasExpiry = time.Duration(secs)*time.Second, true
		}
		key := o.ProviderID + " (" + o.GrantType + ")"
		if line, dup := seen[key]; dup {
			return nil, l.errorf(en, "%s: integration %s is already given at line %d", what, key, line)
		}
		seen[key] = en.Line
		out = append(out, o)
	}
	return out, nil
}

// rel resolves a path relative to the case file's folder.
func (l *loader) rel(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(l.file), filepath.FromSlash(p))
}

// cassette reads a case's cassette: a file path, an inline cassette
// (a mapping with version and interactions), or a bare list of
// interactions.
func (l *loader) cassette(c *Case, n, live *yaml.Node) error {
	c.Cassette = &cassette.Cassette{Version: cassette.Version}
	if n == nil {
		if live != nil {
			return l.errorf(live, "live needs a cassette file to record into (cassette: FILE)")
		}
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		p, err := l.str(n, "cassette")
		if err != nil {
			return err
		}
		c.CassetteFile = l.rel(p)
		cas, err := cassette.Load(c.CassetteFile)
		switch {
		case err == nil:
			c.Cassette = cas
		case errors.Is(err, os.ErrNotExist) && live != nil:
			// Recorded by --update.
		case errors.Is(err, os.ErrNotExist):
			return l.errorf(n, "cassette file %s does not exist", c.CassetteFile)
		default:
			return err
		}
		return nil
	case yaml.SequenceNode:
		n = &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "version"},
			{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(cassette.Version), Line: n.Line, Column: n.Column},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "interactions"}, n,
		}}
	}
	if live != nil {
		return l.errorf(live, "live needs a cassette file to record into, not an inline cassette")
	}
	cas, err := cassette.Decode(l.file, n)
	if err != nil {
		return err
	}
	c.Cassette = cas
	return nil
}

func (l *loader) request(n *yaml.Node, index int) (Request, error) {
	f, err := l.fields(n, fmt.Sprintf("request %d", index), []string{"method", "url", "headers", "body"}, []string{"method", "url"})
	if err != nil {
		return Request{}, err
	}
	r := Request{Line: n.Line}
	if r.Method, err = l.str(f["method"], "method"); err != nil {
		return r, err
	}
	if r.URL, err = l.str(f["url"], "url"); err != nil {
		return r, err
	}
	if hn := f["headers"]; hn != nil {
		if hn.Kind != yaml.MappingNode {
			return r, l.errorf(hn, "headers must be a mapping of names to values")
		}
		for i := 0; i+1 < len(hn.Content); i += 2 {
			k, v := hn.Content[i], hn.Content[i+1]
			name := canonicalHeader(k.Value)
			switch v.Kind {
			case yaml.ScalarNode:
				r.Headers = append(r.Headers, cassette.Header{Name: name, Value: v.Value})
			case yaml.SequenceNode:
				for _, it := range v.Content {
					s, err := l.str(it, "header "+k.Value)
					if err != nil {
						return r, err
					}
					r.Headers = append(r.Headers, cassette.Header{Name: name, Value: s})
				}
			default:
				return r, l.errorf(v, "header %s must be a string or a list of strings", k.Value)
			}
		}
	}
	if bn := f["body"]; bn != nil {
		if bn.Kind == yaml.ScalarNode {
			r.Body = bn.Value
		} else {
			v, err := l.value(bn)
			if err != nil {
				return r, err
			}
			data, err := value.MarshalJSON(v)
			if err != nil {
				return r, l.errorf(bn, "body: %v", err)
			}
			r.Body = string(data)
		}
	}
	return r, nil
}

// value converts a YAML node to a value: mappings keep their key order.
func (l *loader) value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return l.value(n.Alias)
	case yaml.MappingNode:
		m := value.NewMap(len(n.Content) / 2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, l.errorf(k, "keys must be strings")
			}
			x, err := l.value(v)
			if err != nil {
				return nil, err
			}
			m.Set(k.Value, x)
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, it := range n.Content {
			x, err := l.value(it)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, l.errorf(n, "%v", err)
			}
			return b, nil
		case "!!int":
			var i int
			if err := n.Decode(&i); err != nil {
				return nil, l.errorf(n, "%v", err)
			}
			return i, nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, l.errorf(n, "%v", err)
			}
			return f, nil
		}
		return n.Value, nil
	}
	return nil, l.errorf(n, "unexpected YAML node")
}
