package httpaction

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/actuatehq/actuate/expr/fn"
	"github.com/actuatehq/actuate/expr/value"
)

// result is the response as a step result: {status_code, headers, data}.
func (r *response) result(base64Data bool) (*value.Map, error) {
	data, err := r.data(base64Data)
	if err != nil {
		return nil, err
	}
	return value.NewMapWithKeys(resultKeys, r.status, headerMap(r.header), data), nil
}

// resultKeys are the keys of an HTTP action's result.
var resultKeys = []string{"status_code", "headers", "data"}

// data decodes the body as httpx_to_response does: None for a 204,
// base64 when asked, parsed JSON when the Content-Type starts with
// application/json, text otherwise.
func (r *response) data(base64Data bool) (any, error) {
	if r.status == http.StatusNoContent {
		return nil, nil
	}
	if base64Data {
		return base64.StdEncoding.EncodeToString(r.body), nil
	}
	if r.method == http.MethodHead {
		return "", nil // no body, whatever the Content-Type says
	}
	ct := r.header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") {
		v, err := value.ParseJSONText(r.jsonText())
		if err != nil {
			return nil, fmt.Errorf("the response from %s has Content-Type %s but its body is not valid JSON: %w",
				redactedURL(r.url), ct, err)
		}
		return v, nil
	}
	return decodeText(r.body, ct), nil
}

// text is the body as a string sharing its memory, so that the strings
// parsed from it are not copied one by one: the body is never modified
// once read.
func (r *response) text() string {
	return unsafe.String(unsafe.SliceData(r.body), len(r.body))
}

// jsonText is the body as text for JSON parsing: without a leading UTF-8
// byte order mark, which Python's json.loads of the bytes skips.
func (r *response) jsonText() string {
	return strings.TrimPrefix(r.text(), "\ufeff")
}

// jsonOrText is the body parsed as JSON whatever the Content-Type, or its
// text when it is not JSON; http_poll's condition receives it.
func (r *response) jsonOrText() any {
	if v, err := value.ParseJSONText(r.jsonText()); err == nil {
		return v
	}
	return decodeText(r.body, r.header.Get("Content-Type"))
}

// decodeText decodes a body with the charset of its Content-Type, UTF-8
// by default; bytes that do not decode become U+FFFD.
func decodeText(body []byte, contentType string) string {
	if hasCharset(contentType) {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			cs := strings.ToLower(params["charset"])
			switch {
			case cs == "" || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii":
			case latin1Names[pythonCodecName.Replace(cs)]:
				if out, err := charmap.ISO8859_1.NewDecoder().Bytes(body); err == nil {
					return string(out)
				}
			default:
				if enc, err := htmlindex.Get(cs); err == nil {
					if out, err := enc.NewDecoder().Bytes(body); err == nil {
						return string(out)
					}
				}
			}
		}
	}
	if utf8.Valid(body) {
		return string(body)
	}
	var b strings.Builder
	for len(body) > 0 {
		r, n := utf8.DecodeRune(body)
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.Write(body[:n])
		}
		body = body[n:]
	}
	return b.String()
}

// pythonCodecName spells a charset as Python's codec lookup compares it.
var pythonCodecName = strings.NewReplacer("_", "-", " ", "-")

// latin1Names are the names of ISO-8859-1, spelled as Python's codecs
// accept them ("_" as "-"): httpx decodes it with Python's codec, where
// the WHATWG table of htmlindex has windows-1252 (0x80 is U+0080, not €).
var latin1Names = map[string]bool{
	"iso-8859-1": true, "iso8859-1": true, "latin-1": true, "latin1": true, "l1": true,
	"8859": true, "cp819": true, "ibm819": true, "iso-ir-100": true, "csisolatin1": true,
}

// hasCharset reports whether a Content-Type may have a charset
// parameter; parameter names are case-insensitive (Charset=, CHARSET=).
func hasCharset(contentType string) bool {
	const name = "charset"
	for i := 0; i+len(name) <= len(contentType); i++ {
		if strings.EqualFold(contentType[i:i+len(name)], name) {
			return true
		}
	}
	return false
}

// lowerNames spares the allocation of lowercasing the usual header names.
var lowerNames = map[string]string{}

func init() {
	for _, n := range []string{
		"Accept-Ranges", "Age", "Cache-Control", "Connection", "Content-Disposition", "Content-Encoding",
		"Content-Language", "Content-Length", "Content-Location", "Content-Range", "Content-Security-Policy",
		"Content-Type", "Date", "Etag", "Expires", "Keep-Alive", "Last-Modified", "Link", "Location", "Pragma",
		"Retry-After", "Server", "Set-Cookie", "Strict-Transport-Security", "Transfer-Encoding", "Vary", "Via",
		"Www-Authenticate", "X-Content-Type-Options", "X-Frame-Options", "X-Request-Id", "X-Ratelimit-Limit",
		"X-Ratelimit-Remaining", "X-Ratelimit-Reset", "Access-Control-Allow-Origin",
	} {
		lowerNames[n] = strings.ToLower(n)
	}
}

// headerMap returns the response headers with lowercased names, sorted,
// repeated values joined with ", " (also those of names differing only in
// case, in the byte order of the names).
func headerMap(h http.Header) *value.Map {
	type entry struct{ lower, name string }
	var buf [16]entry
	names := buf[:0]
	for k := range h {
		lk, ok := lowerNames[k]
		if !ok {
			lk = strings.ToLower(k)
		}
		names = append(names, entry{lk, k})
	}
	slices.SortFunc(names, func(a, b entry) int {
		if c := strings.Compare(a.lower, b.lower); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	m := value.NewMap(len(names))
	for _, e := range names {
		lk, vs := e.lower, h[e.name]
		if len(vs) == 0 {
			continue
		}
		v := vs[0]
		if len(vs) > 1 {
			v = strings.Join(vs, ", ")
		}
		if n := m.Len(); n > 0 && m.Keys()[n-1] == lk { // names differing only in case, sorted together
			m.Set(lk, m.Values()[n-1].(string)+", "+v)
			continue
		}
		m.Append(lk, v)
	}
	return m
}

// StatusError is the error of a response whose status is 400 or more and
// not in ignore_status_codes. Its message is Tracecat's, with the
// response details.
type StatusError struct {
	Method     string
	StatusCode int
	// URL is the URL of the response (after redirects), password
	// redacted.
	URL string
	// Header and Body are the response's.
	Header http.Header
	Body   []byte
	msg    string
}

// HTTPStatus returns the response's status code, so the engine can show
// it for a failed step without knowing this package.
func (e *StatusError) HTTPStatus() int { return e.StatusCode }

// HTTPFailure marks the error as an [actions.HTTPFailure].
func (e *StatusError) HTTPFailure() {}

// Error describes the failure; the text is shown to users.
func (e *StatusError) Error() string { return e.msg }

func newStatusError(method string, resp *response) *StatusError {
	u := redactedURL(resp.url)
	e := &StatusError{Method: method, StatusCode: resp.status, URL: u, Header: resp.header, Body: resp.body}
	switch resp.status {
	case 400:
		e.msg = "400 Bad request for '" + u + "'.\n\n" + details(resp) +
			"\n\nThis error occurs when the server cannot understand the request.\nPlease check that:" +
			"\n- The request URL is properly formatted" +
			"\n- Query parameters are valid" +
			"\n- Headers are correctly specified" +
			"\n- Request body matches the API requirements"
	case 404:
		port := "-"
		if p := resp.url.Port(); p != "" && p != defaultPort(resp.url.Scheme) {
			port = p
		}
		e.msg = "404 Not found for '" + u + "'.\n\nPlease check that the URL is correct and the resource exists:\n" +
			"\nHost: " + resp.url.Hostname() +
			"\nPort: " + port +
			"\nPath: " + resp.url.Path
	case 422:
		e.msg = "422 Unprocessable entity for '" + u + "'.\n\n" + details(resp) +
			"\n\nThis error occurs when the server cannot process the request payload.\nPlease check that:" +
			"\n- The request body matches the expected format (e.g. valid JSON)" +
			"\n- All required fields are included" +
			"\n- Field values match the expected types and constraints"
	case 500:
		e.msg = "500 Internal server error for '" + u + "'.\n\n" + details(resp) +
			"\n\nThis error occurs when the server encounters an unexpected error while processing the request.\nPlease check that:" +
			"\n- Check if the server is running and accessible" +
			"\n- Review server logs for error details" +
			"\n- Contact the server administrator if the issue persists" +
			"\n- Try the request again after a few minutes"
	default:
		e.msg = "HTTP request failed with status " + strconv.Itoa(resp.status) + ". Details:\n\n```\n" + details(resp) + "\n```"
	}
	return e
}

func defaultPort(scheme string) string {
	switch scheme {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

func redactedURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Redacted()
}

// details renders a response body for an error message: parsed as JSON
// whatever the Content-Type, an object dumped as YAML with sorted keys,
// other JSON values in their Python str() form; a body that is not JSON
// as text.
func details(resp *response) string {
	v, err := value.ParseJSONText(resp.jsonText())
	if err != nil {
		return decodeText(resp.body, resp.header.Get("Content-Type"))
	}
	m, ok := v.(*value.Map)
	if !ok {
		return value.Str(v)
	}
	text, err := fn.DumpYAML(m)
	if err != nil {
		return value.Str(v)
	}
	return text
}
