package cassette

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/actuatehq/actuate/engine/internal/linediff"
)

// dropRequest are request headers never recorded: hop-by-hop headers and
// those the transport sets by itself.
var dropRequest = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Content-Length": true, "Host": true, "Accept-Encoding": true, "Cookie": true,
}

// dropResponse are response headers never recorded: hop-by-hop headers and
// those that change from one response to the next without meaning to a
// template.
var dropResponse = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Content-Length": true, "Date": true, "Set-Cookie": true, "Server": true, "Alt-Svc": true,
	"Via": true, "Age": true, "Expires": true, "Cache-Control": true, "Vary": true,
	"Strict-Transport-Security": true, "Report-To": true, "Nel": true, "X-Request-Id": true,
	"X-Runtime": true, "Cf-Ray": true, "X-Github-Request-Id": true,
}

func keepRequestHeader(name string) bool { return !dropRequest[name] }

func keepResponseHeader(name string) bool { return !dropResponse[name] }

// requestHeaders returns the request headers a cassette keeps.
func requestHeaders(h http.Header) Headers {
	out := headersFrom(h, keepRequestHeader)
	kept := out[:0]
	for _, f := range out {
		// Go's own User-Agent says nothing about the template.
		if f.Name == "User-Agent" && strings.HasPrefix(f.Value, "Go-http-client/") {
			continue
		}
		kept = append(kept, f)
	}
	return kept
}

func isForm(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

// learnRequest adds the secrets a request holds beyond those given.
func (s *Scrubber) learnRequest(rawURL string, h http.Header, body []byte) {
	s.learnURL(rawURL)
	for k, vs := range h {
		for _, v := range vs {
			s.learnHeader(k, v)
		}
	}
	s.learnBody(h, body)
}

func (s *Scrubber) learnBody(h http.Header, body []byte) {
	if len(body) == 0 {
		return
	}
	if isForm(h) {
		if q, err := url.ParseQuery(string(body)); err == nil {
			s.learnForm(q, secretQuery)
		}
		return
	}
	s.learnJSON(body)
}

// learnResponse adds the secrets a response holds: the tokens of an
// OAuth token response, JSON or form encoded.
func (s *Scrubber) learnResponse(h http.Header, body []byte) {
	for k, vs := range h {
		if strings.EqualFold(k, "Authorization") || !secretHeader.MatchString(k) {
			continue
		}
		for _, v := range vs {
			s.learnHeader(k, v)
		}
	}
	s.learnBody(h, body)
}

// scrubRequest returns the request as a cassette keeps it. The random
// boundary of a multipart body is replaced by a fixed one, in the body and
// in Content-Type, so that the same upload matches on replay.
func (s *Scrubber) scrubRequest(method, rawURL string, h http.Header, body []byte) Request {
	boundary := multipartBoundary(h)
	if boundary != "" {
		body = bytes.ReplaceAll(body, []byte(boundary), []byte(fixedBoundary))
	}
	r := Request{Method: method, URL: s.String(rawURL), Body: s.body(body)}
	for _, f := range requestHeaders(h) {
		v := f.Value
		if boundary != "" && strings.EqualFold(f.Name, "Content-Type") {
			v = strings.ReplaceAll(v, boundary, fixedBoundary)
		}
		r.Headers = append(r.Headers, Header{f.Name, s.header(f.Name, v)})
	}
	return r
}

// fixedBoundary stands in for the random boundary of a multipart body.
const fixedBoundary = "actuate-boundary"

// multipartBoundary returns the boundary of a multipart request body, or "".
func multipartBoundary(h http.Header) string {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return ""
	}
	return params["boundary"]
}

func (s *Scrubber) scrubResponse(status int, h http.Header, body []byte) Response {
	r := Response{Status: status, Body: s.body(body)}
	for _, f := range headersFrom(h, keepResponseHeader) {
		r.Headers = append(r.Headers, Header{f.Name, s.header(f.Name, f.Value)})
	}
	return r
}

func (s *Scrubber) body(data []byte) Body {
	b := NewBody(data)
	switch b.Kind {
	case NoBody:
		return b
	case BinaryBody:
		// Kept as base64, which hides a secret from a reader, not from
		// whoever decodes it.
		return Body{Kind: BinaryBody, Data: []byte(s.String(string(b.Data)))}
	}
	return NewBody([]byte(s.String(string(b.Data))))
}

// readRequestBody returns the body of req and a clone of req whose body
// can still be read.
func readRequestBody(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, nil, err
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(data))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data, out, nil
}

// Recorder is an http.RoundTripper that sends requests with Transport and
// records each interaction, scrubbed, in a cassette.
type Recorder struct {
	transport http.RoundTripper
	scrub     *Scrubber

	mu           sync.Mutex
	interactions []*Interaction
}

// NewRecorder returns a recorder sending requests with transport (nil
// means http.DefaultTransport) and scrubbing them with s (nil means a
// scrubber that only catches credentials by their names: Authorization,
// OAuth token fields, token query parameters).
func NewRecorder(transport http.RoundTripper, s *Scrubber) *Recorder {
	if transport == nil {
		transport = http.DefaultTransport
	}
	if s == nil {
		s = NewScrubber(nil)
	}
	return &Recorder{transport: transport, scrub: s}
}

// RoundTrip implements http.RoundTripper. Requests that fail without a
// response are not recorded.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	reqBody, sent, err := readRequestBody(req)
	if err != nil {
		return nil, err
	}
	resp, err := r.transport.RoundTrip(sent)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	u := req.URL.String()
	r.scrub.learnRequest(u, req.Header, reqBody)
	r.scrub.learnResponse(resp.Header, respBody)
	it := &Interaction{
		Request:  r.scrub.scrubRequest(req.Method, u, req.Header, reqBody),
		Response: r.scrub.scrubResponse(resp.StatusCode, resp.Header, respBody),
	}
	r.mu.Lock()
	r.interactions = append(r.interactions, it)
	r.mu.Unlock()
	return resp, nil
}

// Cassette returns the interactions recorded so far.
func (r *Recorder) Cassette() *Cassette {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &Cassette{Version: Version, Interactions: append([]*Interaction(nil), r.interactions...)}
}

// Save writes the interactions recorded so far to path.
func (r *Recorder) Save(path string) error { return r.Cassette().Save(path) }

// Replayer is an http.RoundTripper that answers requests from a cassette
// and never touches the network. A request is scrubbed as a recorder
// would scrub it and matched against the recorded requests (see [Match]):
// the first unused interaction that matches answers it, or else the last
// used one that matches (a request repeated, as by polling). A request
// that matches none fails with a [*MismatchError].
type Replayer struct {
	c     *Cassette
	file  string
	scrub *Scrubber

	// wants are the recorded requests normalised for matching: those
	// Parse computed, or computed here for a cassette built otherwise.
	wants [][]string

	mu         sync.Mutex
	uses       []int
	mismatches []*MismatchError
}

// NewReplayer returns a replayer of c; file names the cassette in
// messages, and s scrubs requests (nil: as for [NewRecorder]).
func NewReplayer(c *Cassette, file string, s *Scrubber) *Replayer {
	if s == nil {
		s = NewScrubber(nil)
	}
	wants := make([][]string, len(c.Interactions))
	for i, it := range c.Interactions {
		wants[i] = it.wantLines()
	}
	return &Replayer{c: c, file: file, scrub: s, wants: wants, uses: make([]int, len(c.Interactions))}
}

// RoundTrip implements http.RoundTripper.
func (r *Replayer) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _, err := readRequestBody(req)
	if err != nil {
		return nil, err
	}
	u := req.URL.String()
	r.scrub.learnRequest(u, req.Header, body)
	got := r.scrub.scrubRequest(req.Method, u, req.Header, body)

	r.mu.Lock()
	defer r.mu.Unlock()
	// haves are the request as each interaction compares it: only the
	// headers it recorded, less the fields it ignores.
	haves := make([][]string, len(r.c.Interactions))
	reuse := -1
	for i, it := range r.c.Interactions {
		haves[i] = normalize(requestFor(got, it.Request), it.Request.Match)
		if slices.Equal(r.wants[i], haves[i]) {
			if r.uses[i] == 0 {
				return r.answer(i, req), nil
			}
			reuse = i
		}
	}
	if reuse >= 0 {
		return r.answer(reuse, req), nil
	}
	// No match: only now diff the request against every interaction, to
	// show the closest.
	best, bestScore, bestDiff := -1, -1, ""
	for i := range r.c.Interactions {
		want, have := r.wants[i], haves[i]
		lines := linediff.Ops(want, have) // recorded only: -, request only: +
		score := diffScore(want, have, lines)
		if best < 0 || score < bestScore || score == bestScore && r.uses[best] > 0 && r.uses[i] == 0 {
			best, bestScore, bestDiff = i, score, formatDiff(lines)
		}
	}
	e := &MismatchError{File: r.file, Method: got.Method, URL: got.URL, Index: -1}
	if best >= 0 {
		e.Index, e.Line, e.Diff = best, r.c.Interactions[best].Line, bestDiff
	}
	r.mismatches = append(r.mismatches, e)
	return nil, e
}

func (r *Replayer) answer(i int, req *http.Request) *http.Response {
	r.uses[i]++
	rs := r.c.Interactions[i].Response
	data := rs.Body.Data
	if req.Method == http.MethodHead {
		data = nil
	}
	h := rs.Headers.HTTP()
	if len(data) > 0 {
		h.Set("Content-Length", strconv.Itoa(len(data)))
	}
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", rs.Status, http.StatusText(rs.Status)),
		StatusCode: rs.Status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(data)), ContentLength: int64(len(data)),
		Request: req,
	}
}

// Unused returns the interactions no request matched, in cassette order.
func (r *Replayer) Unused() []*Interaction {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Interaction
	for i, n := range r.uses {
		if n == 0 {
			out = append(out, r.c.Interactions[i])
		}
	}
	return out
}

// Mismatches returns the errors of the requests that matched no
// interaction.
func (r *Replayer) Mismatches() []*MismatchError {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*MismatchError(nil), r.mismatches...)
}

// MismatchError reports a request that matches no recorded interaction,
// with a diff against the closest one.
type MismatchError struct {
	File        string // the cassette
	Method, URL string // the request, scrubbed
	// Index is the closest interaction's index (0-based), -1 when the
	// cassette has none; Line its line in File.
	Index, Line int
	// Diff shows the closest recorded request ("-") against the request
	// ("+"), one line per field: method and URL, query parameters,
	// headers, body.
	Diff string
}

// Error describes the mismatch; the text is shown to users.
func (e *MismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cassette %s: no recorded interaction matches %s %s", e.File, e.Method, e.URL)
	if e.Index < 0 {
		b.WriteString(" (the cassette has no interactions)")
		return b.String()
	}
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(", line %d", e.Line)
	}
	fmt.Fprintf(&b, "; closest is interaction %d%s:\n--- recorded\n+++ request\n%s", e.Index+1, where, strings.TrimSuffix(e.Diff, "\n"))
	return b.String()
}

// Temporary reports false: replaying the same request fails the same way.
func (e *MismatchError) Temporary() bool { return false }

// Permanent reports true, so HTTP actions do not retry the request.
func (e *MismatchError) Permanent() bool { return true }
