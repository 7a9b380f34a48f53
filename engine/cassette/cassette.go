// Package cassette records the HTTP interactions of a run into a
// human-readable, diff-friendly YAML file (a cassette) and replays them
// with no network.
//
// A cassette is a version key and a list of interactions, each a request
// (method, url, the headers that matter, body, optional match settings) and
// its response (status, headers, body). JSON bodies are kept as YAML
// mappings or sequences, other text as a string, and binary bodies as
// base64 with body_encoding: base64. Keys are written in a fixed order.
//
// A [Recorder] wraps a real transport and writes every interaction to a
// cassette, with every secret replaced by a stable placeholder naming it
// (see [Scrubber]); a [Replayer] answers requests from a cassette and never
// touches the network.
package cassette

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/actuatehq/actuate/engine/internal/atomicfile"
)

// Version is the cassette format version this package reads and writes.
const Version = 1

// Cassette is a list of recorded HTTP interactions.
type Cassette struct {
	Version      int
	Interactions []*Interaction
}

// Interaction is one request and the response it got. The Request of an
// interaction read by [Parse] or [Decode] is not to be changed: they
// normalise it for matching once, for every [Replayer] of the cassette.
type Interaction struct {
	Request  Request
	Response Response
	// Line is the line of the interaction in the file it was loaded
	// from, 0 for one not loaded from a file.
	Line int

	// want is Request normalised for matching (see normalize), set by
	// Parse and Decode; nil for an interaction built otherwise.
	want []string
}

// wantLines returns the request of it normalised for matching.
func (it *Interaction) wantLines() []string {
	if it.want != nil {
		return it.want
	}
	return normalize(it.Request, it.Request.Match)
}

// Request is a recorded request, secrets scrubbed.
type Request struct {
	Method  string
	URL     string
	Headers Headers
	Body    Body
	Match   Match
}

// Match tunes how a request is matched against the recorded one. By
// default the method, the URL with its query, the recorded headers and
// the body must all be equal.
type Match struct {
	// IgnoreHeaders are header names not compared.
	IgnoreHeaders []string
	// IgnoreQuery are query parameter names not compared.
	IgnoreQuery []string
	// IgnoreBodyFields are paths of JSON body fields not compared, such
	// as "timestamp", "$.meta.sent_at" or "items[*].id".
	IgnoreBodyFields []string
}

func (m Match) empty() bool {
	return len(m.IgnoreHeaders) == 0 && len(m.IgnoreQuery) == 0 && len(m.IgnoreBodyFields) == 0
}

// Response is a recorded response, secrets scrubbed.
type Response struct {
	Status  int
	Headers Headers
	Body    Body
}

// Header is one header field; a field sent several times is several
// Headers of the same name.
type Header struct{ Name, Value string }

// Headers are header fields, in canonical name order.
type Headers []Header

// Get returns the first value of the header called name.
func (h Headers) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// HTTP returns h as an http.Header.
func (h Headers) HTTP() http.Header {
	out := http.Header{}
	for _, f := range h {
		out.Add(f.Name, f.Value)
	}
	return out
}

// headersFrom keeps the fields of h that keep reports as mattering, in
// canonical name order.
func headersFrom(h http.Header, keep func(name string) bool) Headers {
	names := make([]string, 0, len(h))
	for k := range h {
		if keep(http.CanonicalHeaderKey(k)) {
			names = append(names, k)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		return http.CanonicalHeaderKey(names[i]) < http.CanonicalHeaderKey(names[j])
	})
	var out Headers
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, Header{http.CanonicalHeaderKey(k), v})
		}
	}
	return out
}

// BodyKind is how a body is kept in the cassette.
type BodyKind int

// The body kinds.
const (
	NoBody     BodyKind = iota // empty
	JSONBody                   // a JSON object or array, kept as YAML
	TextBody                   // UTF-8 text, kept as a string
	BinaryBody                 // other bytes, kept as base64
)

// Body is a request or response body.
type Body struct {
	Kind BodyKind
	// Data is the body's bytes; for a JSON body, compact JSON.
	Data []byte
}

// NewBody classifies data: a JSON object or array is kept as JSON, valid
// UTF-8 text without control characters (other than tab, CR and LF) as
// text, anything else as binary.
func NewBody(data []byte) Body {
	if len(data) == 0 {
		return Body{}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed) {
		var buf bytes.Buffer
		if json.Compact(&buf, trimmed) == nil {
			return Body{Kind: JSONBody, Data: buf.Bytes()}
		}
	}
	if isText(data) {
		return Body{Kind: TextBody, Data: data}
	}
	return Body{Kind: BinaryBody, Data: data}
}

func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// Load reads a cassette file. A malformed cassette is reported with the
// file, line and column of the problem.
func Load(path string) (*Cassette, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	return Parse(path, data)
}

// Save writes c to path, whole or not at all.
func (c *Cassette) Save(path string) error {
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	return nil
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
