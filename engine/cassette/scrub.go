package cassette

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/actuatehq/actuate/engine/internal/secretform"
)

// Secret is a secret value to scrub and the name its placeholder shows,
// such as "github_oauth.GITHUB_USER_TOKEN"; an empty Name is numbered.
type Secret struct{ Name, Value string }

// Placeholder returns the text that stands for the secret called name in a
// cassette: <secret:NAME>.
func Placeholder(name string) string { return placeholderOpen + name + ">" }

const placeholderOpen = "<secret:"

// minSecretLen is the shortest value scrubbed, as the engine's redactor.
const minSecretLen = 2

// A Scrubber replaces secrets with stable placeholders: every form of a
// secret (as is, base64 in its four alphabets, URL query and path
// escaped, JSON escaped) becomes <secret:NAME>, the same placeholder every
// time, so a request scrubbed while recording and the same request
// scrubbed while replaying are equal, whether the replaying run has the
// real secret or the placeholder itself. Text between placeholders then
// goes through the redact function (the run's Redactor.String), which
// masks values derived from secrets. A Scrubber is safe for concurrent
// use.
type Scrubber struct {
	redact func(string) string

	mu    sync.Mutex
	names map[string]string // value → placeholder
	// words are the values shorter than minLearnedLen learned by the
	// name of their field (value → placeholder): replaced only where
	// they stand alone, as in "token": "t1", not inside other words.
	words   map[string]string
	unnamed int
	// learned is called with each value added, outside mu; see
	// [Scrubber.OnAdd].
	learned func(value string)
	// replacer replaces every form of every value with its placeholder;
	// nil after a value is added, until the next String.
	replacer *secretform.Replacer
}

// NewScrubber returns a scrubber of the given secrets; redact, which may
// be nil, masks values derived from them.
func NewScrubber(redact func(string) string, secrets ...Secret) *Scrubber {
	s := &Scrubber{redact: redact, names: map[string]string{}, words: map[string]string{}}
	for _, sec := range secrets {
		s.Add(sec.Name, sec.Value)
	}
	return s
}

// Add adds a secret. A value already known keeps its placeholder; several
// values may share a name (a token and its refreshed successor). Values
// shorter than two characters, and values holding a placeholder, are
// ignored.
func (s *Scrubber) Add(name, value string) {
	if len(value) < minSecretLen || strings.Contains(value, placeholderOpen) {
		return
	}
	s.mu.Lock()
	if _, ok := s.names[value]; ok {
		s.mu.Unlock()
		return
	}
	ph, isWord := s.words[value] // learned first: it keeps its placeholder
	if isWord {
		delete(s.words, value)
	} else {
		if name == "" {
			s.unnamed++
			name = strconv.Itoa(s.unnamed)
		}
		ph = Placeholder(name)
	}
	s.names[value] = ph
	s.replacer = nil
	learned := s.learned
	s.mu.Unlock()
	if learned != nil {
		learned(value)
	}
}

// minLearnedLen is the shortest value learned by its field's name (see
// learn) that is scrubbed wherever it appears. Real credentials are
// longer; a shorter value (a test server's "at") is scrubbed only where
// it stands alone, so that it does not break up "application/json".
const minLearnedLen = 8

// learn adds a value found in a field named like a secret: as Add does,
// or, when it is shorter than minLearnedLen, as a word.
func (s *Scrubber) learn(name, value string) {
	if len(value) >= minLearnedLen {
		s.Add(name, value)
		return
	}
	if len(value) < minSecretLen || strings.Contains(value, placeholderOpen) {
		return
	}
	s.mu.Lock()
	_, named := s.names[value]
	_, known := s.words[value]
	if !named && !known {
		s.words[value] = Placeholder(name)
	}
	learned := s.learned
	s.mu.Unlock()
	// The run masks it all the same, in text as it masks any secret: a
	// short token must not reach what the run prints or a golden file.
	if !named && !known && learned != nil {
		learned(value)
	}
}

// OnAdd makes s call fn with every value it scrubs: at once with those it
// holds, then with each value as it is added, given or learned from a
// request or a response (a token response's access_token), before the
// response that held it reaches the run. A run passes its redactor's
// AddSecret, so that everything the run shows masks a learned token from
// the moment it is learned. fn is called without s's lock held, once per
// value; OnAdd replaces an earlier fn.
func (s *Scrubber) OnAdd(fn func(value string)) {
	s.mu.Lock()
	s.learned = fn
	held := make([]string, 0, len(s.names)+len(s.words))
	for v := range s.names {
		held = append(held, v)
	}
	for v := range s.words {
		held = append(held, v)
	}
	s.mu.Unlock()
	if fn != nil {
		for _, v := range held {
			fn(v)
		}
	}
}

// String returns text with every secret form replaced by its placeholder
// and, between placeholders, derived values masked by the redact function.
func (s *Scrubber) String(text string) string {
	if s == nil {
		return text
	}
	s.mu.Lock()
	if s.replacer == nil && len(s.names) > 0 {
		s.replacer = s.newReplacer()
	}
	rep := s.replacer
	var words map[string]string
	if len(s.words) > 0 {
		words = maps.Clone(s.words)
	}
	s.mu.Unlock()
	text = unescapePlaceholders(text)
	if rep != nil {
		text = rep.Replace(text)
	}
	for v, ph := range words {
		// Not inside placeholders, those just put in included: a word
		// such as "secret" or "code" would break them up.
		text = redactBetween(text, func(seg string) string { return replaceWord(seg, v, ph) })
	}
	if s.redact == nil {
		return text
	}
	return redactBetween(text, s.redact)
}

// replaceWord replaces the occurrences of word in text that no letter,
// digit, underscore or other character of a token stands next to.
func replaceWord(text, word, with string) string {
	var b strings.Builder
	rest := text
	for {
		i := strings.Index(rest, word)
		if i < 0 {
			break
		}
		end := i + len(word)
		before := len(text) - len(rest) + i
		if (before == 0 || !tokenByte(text[before-1])) && (end == len(rest) || !tokenByte(rest[end])) {
			b.WriteString(rest[:i])
			b.WriteString(with)
		} else {
			b.WriteString(rest[:end])
		}
		rest = rest[end:]
	}
	if b.Len() == 0 {
		return text
	}
	b.WriteString(rest)
	return b.String()
}

// tokenByte reports whether c may be part of a word or token, rather than
// set it apart as quotes, spaces, "=", "&", "/" and ":" do.
func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == '~' || c >= 0x80
}

// placeholderRe finds placeholders, which the redact function must not
// touch: a replaying run may hold a placeholder as a secret.
var placeholderRe = regexp.MustCompile(`<secret:[^<>\s]+>`)

// escapedPlaceholderRe finds placeholders URL or JSON escaped, as a
// replaying run sends a placeholder it holds as a secret (a token from a
// replayed token response).
var escapedPlaceholderRe = regexp.MustCompile(`(?i)%3Csecret%3A([A-Za-z0-9_.\-]+)%3E|\\u003csecret:([^<>\s\\]+)\\u003e`)

func unescapePlaceholders(text string) string {
	if !strings.Contains(text, "%3C") && !strings.Contains(text, "%3c") && !strings.Contains(text, `\u003c`) {
		return text
	}
	return escapedPlaceholderRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := escapedPlaceholderRe.FindStringSubmatch(m)
		return Placeholder(sub[1] + sub[2])
	})
}

// Placeholders returns the placeholders in c, each once, in order of
// first appearance. A replaying run masks them as secrets, since they
// stand for secrets.
func (c *Cassette) Placeholders() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		for _, p := range placeholderRe.FindAllString(s, -1) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	for _, it := range c.Interactions {
		for _, r := range []struct {
			url  string
			h    Headers
			body Body
		}{{it.Request.URL, it.Request.Headers, it.Request.Body}, {"", it.Response.Headers, it.Response.Body}} {
			add(r.url)
			for _, f := range r.h {
				add(f.Value)
			}
			add(string(r.body.Data))
		}
	}
	return out
}

// newReplacer returns the replacer of each form of each value with its
// placeholder; a form shared by two values gets the smaller placeholder.
// s.mu is held.
func (s *Scrubber) newReplacer() *secretform.Replacer {
	form := map[string]string{}
	for v, ph := range s.names {
		for _, f := range secretform.Forms(v) {
			if len(f) >= minSecretLen {
				if old, ok := form[f]; !ok || ph < old {
					form[f] = ph
				}
			}
		}
	}
	return secretform.NewReplacer(form)
}

func redactBetween(text string, redact func(string) string) string {
	if !strings.Contains(text, "<secret:") {
		return redact(text)
	}
	locs := placeholderRe.FindAllStringIndex(text, -1)
	if locs == nil {
		return redact(text)
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		b.WriteString(redact(text[last:l[0]]))
		b.WriteString(text[l[0]:l[1]])
		last = l[1]
	}
	b.WriteString(redact(text[last:]))
	return b.String()
}

// Names of fields, query parameters and headers whose values are secrets
// even when the run did not load them (an OAuth token response, a client
// secret sent by the token store).
var (
	secretField  = regexp.MustCompile(`(?i)^(access_token|refresh_token|id_token|client_secret|client_assertion|assertion|code_verifier|password|api_?key|secret|token)$`)
	secretQuery  = regexp.MustCompile(`(?i)^(access_token|refresh_token|id_token|client_secret|code|code_verifier|password|api_?key|key|secret|token|sig|signature)$`)
	secretHeader = regexp.MustCompile(`(?i)(token|api-?key|secret|password|^authorization$|^proxy-authorization$)`)
)

// learnJSON adds the string values of secret-named fields anywhere in a
// JSON document.
func (s *Scrubber) learnJSON(data []byte) {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, it := range x {
				if str, ok := it.(string); ok && secretField.MatchString(k) {
					s.learn(strings.ToLower(k), str)
				} else {
					walk(it)
				}
			}
		case []any:
			for _, it := range x {
				walk(it)
			}
		}
	}
	walk(v)
}

// learnForm adds the values of secret-named fields of a URL-encoded form
// or query.
func (s *Scrubber) learnForm(q url.Values, names *regexp.Regexp) {
	for k, vs := range q {
		if names.MatchString(k) {
			for _, v := range vs {
				s.learn(strings.ToLower(k), v)
			}
		}
	}
}

// learnURL adds the secrets in a URL's query and user info.
func (s *Scrubber) learnURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if p, ok := u.User.Password(); ok {
		s.learn("url_password", p)
	}
	s.learnForm(u.Query(), secretQuery)
}

// learnHeader adds the credential of an Authorization header, or the
// value of a header named like a secret, unless scrubbing already
// changes it.
func (s *Scrubber) learnHeader(name, value string) {
	if !secretHeader.MatchString(name) || s.String(value) != value {
		return
	}
	lname := strings.ToLower(name)
	if lname != "authorization" && lname != "proxy-authorization" {
		s.learn(lname, value)
		return
	}
	scheme, cred, ok := strings.Cut(value, " ")
	if !ok {
		s.learn(lname, value)
		return
	}
	cred = strings.TrimSpace(cred)
	if strings.EqualFold(scheme, "Basic") {
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if _, pass, ok := strings.Cut(string(raw), ":"); ok && s.String(string(raw)) == string(raw) {
				s.learn(lname, pass)
			}
			return
		}
	}
	s.learn(lname, cred)
}

// header scrubs a header value. Basic credentials holding a secret (or a
// placeholder) are replaced whole by the placeholder of the first secret
// they hold, wherever they appear (a response echoing them too).
func (s *Scrubber) header(name, value string) string {
	if lname := strings.ToLower(name); lname == "authorization" || lname == "proxy-authorization" {
		if scheme, cred, ok := strings.Cut(value, " "); ok && strings.EqualFold(scheme, "Basic") {
			cred = strings.TrimSpace(cred)
			if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
				if ph := placeholderRe.FindString(s.String(string(raw))); ph != "" {
					s.Add(strings.TrimSuffix(strings.TrimPrefix(ph, placeholderOpen), ">"), cred)
				}
			}
		}
	}
	return s.String(value)
}
