package golden

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/actuatehq/actuate/engine/internal/atomicfile"

	"github.com/actuatehq/actuate/actions"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/cassette"
	"github.com/actuatehq/actuate/secrets"
	"github.com/actuatehq/actuate/template"
	"golang.org/x/oauth2"
)

// Options configure a run of cases.
type Options struct {
	// Update rewrites the golden files of the cases run, and records the
	// cassettes of those with a live URL, instead of comparing.
	Update bool
	// Run, when set, selects the cases whose ID ("file/case") it matches.
	Run *regexp.Regexp
	// Workers is the number of cases run at once; 0 means GOMAXPROCS.
	Workers int
	// Transport sends the requests of live recordings (--update of a case
	// with a live URL); nil means [engine.DefaultTransport]. Replayed
	// cases never use it.
	Transport http.RoundTripper
	// Actions are the actions the cases' steps may call; nil means
	// actions.Default.
	Actions *actions.Registry
}

// Status is the outcome of a case.
type Status string

// The statuses.
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Updated Status = "updated" // --update wrote a golden or cassette
)

// Outcome is the outcome of one case.
type Outcome struct {
	Name   string `json:"name"` // file/case
	File   string `json:"file"`
	Case   string `json:"case"`
	Status Status `json:"status"`
	// Message says why the case failed, or what --update wrote.
	Message string `json:"message,omitempty"`
	// Diff is a unified diff of the expected against the actual result,
	// error or requests.
	Diff     string        `json:"diff,omitempty"`
	Duration time.Duration `json:"-"`
	Millis   float64       `json:"duration_ms"`
}

// Suite is the case files found under some paths, loaded, with the
// templates of their folders.
type Suite struct {
	Files []*File
	// Errors are the case files that did not load, each a *LoadError or
	// a cassette error with its position.
	Errors []error

	mu   sync.Mutex
	dirs map[string]*dirTemplates
	// others are template files outside the case files' folders, loaded
	// once.
	others map[string]template.FileResult
}

// dirTemplates are the templates of a case file's folder.
type dirTemplates struct {
	once   sync.Once
	reg    *template.Registry
	byFile map[string]template.FileResult
}

// Find returns the case files named by paths: files as given, and folders
// searched recursively for *.test.yaml and *.test.yml, skipping names
// that start with "." or "_". The list is sorted.
func Find(paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if path != p && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && IsCaseFile(name) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	seen := map[string]bool{}
	uniq := out[:0]
	for _, f := range out {
		if c := filepath.Clean(f); !seen[c] {
			seen[c] = true
			uniq = append(uniq, f)
		}
	}
	return uniq, nil
}

// Load finds and loads the case files under paths. The error is for a
// path that cannot be read; malformed case files are in Suite.Errors.
func Load(paths ...string) (*Suite, error) {
	files, err := Find(paths...)
	if err != nil {
		return nil, err
	}
	s := &Suite{dirs: map[string]*dirTemplates{}}
	loaded := make([]*File, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	// The templates of the case files' folders load meanwhile.
	dirs := map[string]bool{}
	for _, f := range files {
		if d := filepath.Dir(f); !dirs[d] {
			dirs[d] = true
			wg.Go(func() { s.templates(f) })
		}
	}
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				loaded[i], errs[i] = LoadFile(files[i])
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for i := range files {
		if errs[i] != nil {
			s.Errors = append(s.Errors, errs[i])
			continue
		}
		s.Files = append(s.Files, loaded[i])
	}
	return s, nil
}

// Cases returns the cases of the suite that run selects (all when nil),
// in file order.
func (s *Suite) Cases(run *regexp.Regexp) []*Case {
	var out []*Case
	for _, f := range s.Files {
		for _, c := range f.Cases {
			if run == nil || run.MatchString(c.ID()) {
				out = append(out, c)
			}
		}
	}
	return out
}

// Run runs the selected cases, opts.Workers at a time, and returns their
// outcomes in file order.
func (s *Suite) Run(ctx context.Context, opts Options) []Outcome {
	cases := s.Cases(opts.Run)
	out := make([]Outcome, len(cases))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(cases)) {
		wg.Go(func() {
			for i := range next {
				out[i] = s.RunCase(ctx, cases[i], opts)
			}
		})
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// templates returns the templates of the folder of the case file path,
// loaded once.
func (s *Suite) templates(path string) *dirTemplates {
	dir := filepath.Dir(path)
	s.mu.Lock()
	if s.dirs == nil {
		s.dirs = map[string]*dirTemplates{}
	}
	d := s.dirs[dir]
	if d == nil {
		d = &dirTemplates{}
		s.dirs[dir] = d
	}
	s.mu.Unlock()
	d.once.Do(func() {
		reg, results := template.LoadPaths(dir)
		d.reg = reg
		d.byFile = make(map[string]template.FileResult, len(results))
		for _, r := range results {
			d.byFile[filepath.Clean(r.File)] = r
		}
	})
	return d
}

// action resolves the template a case runs: the template beside the case
// file, or the file its action names. It returns nil for an action given
// by name, which the engine looks up.
func (s *Suite) action(c *Case) (*template.Template, error) {
	d := s.templates(c.File)
	var path string
	switch {
	case c.Action == "":
		base := caseBase(c.File)
		for _, p := range []string{base + ".yml", base + ".yaml"} {
			if _, ok := d.byFile[filepath.Clean(p)]; ok {
				path = p
				break
			}
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			return nil, fmt.Errorf("no action given, and no template %s.yml or %s.yaml beside the case file", filepath.Base(base), filepath.Base(base))
		}
	case strings.HasSuffix(c.Action, ".yml") || strings.HasSuffix(c.Action, ".yaml") || strings.ContainsAny(c.Action, `/\`):
		path = filepath.Join(filepath.Dir(c.File), filepath.FromSlash(c.Action))
	default:
		return nil, nil
	}
	r, ok := d.byFile[filepath.Clean(path)]
	if !ok {
		r = s.other(path)
	}
	if err := r.Diags.Err(); err != nil {
		return nil, err
	}
	return r.Template, nil
}

// other loads a template file outside the case files' folders, once.
func (s *Suite) other(path string) template.FileResult {
	path = filepath.Clean(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.others[path]
	if !ok {
		t, ds := template.Load(path)
		r = template.FileResult{File: path, Template: t, Diags: ds}
		if s.others == nil {
			s.others = map[string]template.FileResult{}
		}
		s.others[path] = r
	}
	return r
}

// RunCase runs one case and compares what it produced with what it
// expects; with opts.Update it rewrites the golden (and records the
// cassette of a case with a live URL) instead.
func (s *Suite) RunCase(ctx context.Context, c *Case, opts Options) Outcome {
	start := time.Now()
	o := s.runCase(ctx, c, opts)
	o.Name, o.File, o.Case = c.ID(), filepath.ToSlash(c.File), c.Name
	o.Duration = time.Since(start)
	o.Millis = float64(o.Duration.Microseconds()) / 1000
	return o
}

func (s *Suite) runCase(ctx context.Context, c *Case, opts Options) Outcome {
	fail := func(format string, args ...any) Outcome {
		return Outcome{Status: Fail, Message: fmt.Sprintf(format, args...)}
	}
	tpl, err := s.action(c)
	if err != nil {
		return fail("%v", err)
	}
	record := opts.Update && c.Live != "" && c.CassetteFile != ""
	if !record && c.Live != "" && c.CassetteFile != "" && len(c.Cassette.Interactions) == 0 {
		if _, err := os.Stat(c.CassetteFile); err != nil {
			return fail("cassette %s has not been recorded yet: run with --update to record it against %s", c.CassetteFile, c.Live)
		}
	}

	red := engine.NewRedactor()
	scrub := cassette.NewScrubber(red.String)
	// Values the scrubber learns from the traffic (a token a step
	// fetched) are placeholders in the cassette, masked when replayed:
	// the run masks them too from the moment they are learned, in its
	// errors, records and result, so that a recording shows no live
	// token and agrees with its replay.
	scrub.OnAdd(red.AddSecret)
	eopts := engine.Options{
		Templates: s.templates(c.File).reg,
		Actions:   opts.Actions,
		Vars:      c.Vars,
		Redactor:  red,
	}
	var (
		recorder *cassette.Recorder
		replayer *cassette.Replayer
		capture  *cassette.Recorder
	)
	if record {
		live := opts.Transport
		if live == nil {
			live = engine.DefaultTransport()
		}
		u, err := url.Parse(c.Live)
		if err != nil {
			return fail("live: %v", err)
		}
		recorder = cassette.NewRecorder(redirect{u, live}, scrub)
		eopts.Transport = recorder
	} else {
		name := c.CassetteFile
		if name == "" {
			name = c.File
		}
		for _, p := range c.placeholders {
			red.AddSecret(p)
		}
		replayer = cassette.NewReplayer(c.Cassette, name, scrub)
		eopts.Transport = replayer
	}
	if c.Requests != nil {
		capture = cassette.NewRecorder(eopts.Transport, scrub)
		eopts.Transport = capture
	}
	var src engine.SecretSource = c.Secrets
	if len(c.OAuth) > 0 {
		// The store's token requests go through the run's transport, so
		// a refresh is answered from (or recorded into) the cassette and
		// checked by requests:.
		store, cleanup, err := openStore(ctx, c, eopts.Transport, red, scrub)
		if err != nil {
			return fail("%v", err)
		}
		defer cleanup()
		src = engine.Layered{c.Secrets, store}
	}
	eopts.Secrets = engine.ObserveSecrets(src, scrub.Add)

	inputs := c.Inputs.Clone()
	var res *engine.Result
	if tpl != nil {
		res, err = engine.RunTemplate(ctx, tpl, inputs, eopts)
	} else {
		res, err = engine.Run(ctx, c.Action, inputs, eopts)
	}
	errText := ""
	if err != nil {
		errText = s.relPaths(c, err.Error())
	}

	var updated []string
	// A recording is kept only when the run ends as the case expects: a
	// live run that fails otherwise (the service down, an error the case
	// does not expect) leaves the cassette recorded before as it was.
	if recorder != nil && (c.Error == nil && err == nil || c.Error != nil && err != nil && errText == *c.Error) {
		if err := os.MkdirAll(filepath.Dir(c.CassetteFile), 0o755); err != nil {
			return fail("%v", err)
		}
		if err := recorder.Save(c.CassetteFile); err != nil {
			return fail("%v", err)
		}
		updated = append(updated, c.CassetteFile)
	}
	if replayer != nil {
		if ms := replayer.Mismatches(); len(ms) > 0 && err == nil {
			return fail("%s", s.relPaths(c, ms[0].Error()))
		}
		if unused := replayer.Unused(); len(unused) > 0 && (err == nil || c.Error != nil) {
			var b strings.Builder
			fmt.Fprintf(&b, "%d cassette interactions were not used:", len(unused))
			for _, it := range unused {
				fmt.Fprintf(&b, "\n  line %d: %s %s", it.Line, it.Request.Method, it.Request.URL)
			}
			return fail("%s", b.String())
		}
	}

	if capture != nil {
		if o, bad := compareRequests(c, capture.Cassette()); bad {
			return o
		}
	}

	if c.Error != nil {
		if err == nil {
			return fail("the run succeeded, but the case expects the error:\n%s", *c.Error)
		}
		if errText != *c.Error {
			return Outcome{Status: Fail, Message: "the run failed with another error", Diff: Diff("want error", *c.Error+"\n", "got error", errText+"\n")}
		}
		return done(updated)
	}
	if err != nil {
		return fail("the run failed: %s", errText)
	}
	got, err := Normalize(res.Redacted())
	if err != nil {
		return fail("%v", err)
	}
	want, err := c.want, c.wantErr
	switch {
	case opts.Update:
		if err == nil && bytes.Equal(want, got) {
			return done(updated)
		}
		if err := atomicfile.Write(c.Golden, got, 0o644); err != nil {
			return fail("%v", err)
		}
		c.want, c.wantErr = got, nil
		return done(append(updated, c.Golden))
	case errors.Is(err, os.ErrNotExist):
		return fail("golden file %s does not exist; run with --update to write it", c.Golden)
	case err != nil:
		return fail("%v", err)
	}
	want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
	if !bytes.Equal(want, got) {
		return Outcome{Status: Fail, Message: "the result differs from the golden file", Diff: Diff(filepath.ToSlash(c.Golden), string(want), "result", string(got))}
	}
	return done(updated)
}

// openStore opens a token store in a temporary folder holding the case's
// OAuth integrations and their tokens, its HTTP client sending through
// transport; cleanup closes and deletes it. The integrations' client
// secrets and tokens are masked in results and scrubbed from requests as
// <secret:PROVIDER.client_secret>, <secret:PROVIDER.access_token> and
// <secret:PROVIDER.refresh_token>.
func openStore(ctx context.Context, c *Case, transport http.RoundTripper, red *engine.Redactor, scrub *cassette.Scrubber) (*secrets.Store, func(), error) {
	dir, err := os.MkdirTemp("", "actuate-golden-")
	if err != nil {
		return nil, nil, err
	}
	key, err := secrets.NewKey()
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	store, err := secrets.Open(ctx, filepath.Join(dir, "secrets.db"), key,
		secrets.WithHTTPClient(&http.Client{Transport: transport, Timeout: 30 * time.Second}))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cleanup := func() {
		store.Close()
		os.RemoveAll(dir)
	}
	start := time.Now()
	for _, o := range c.OAuth {
		for _, sec := range []struct{ name, value string }{
			{"client_secret", o.ClientSecret}, {"access_token", o.AccessToken}, {"refresh_token", o.RefreshToken},
		} {
			if sec.value != "" {
				red.AddSecret(sec.value)
				scrub.Add(o.ProviderID+"."+sec.name, sec.value)
			}
		}
		_, err := store.ConfigureIntegration(ctx, secrets.IntegrationConfig{
			ProviderID: o.ProviderID, GrantType: o.GrantType,
			ClientID: o.ClientID, ClientSecret: o.ClientSecret,
			AuthorizationEndpoint: o.AuthorizationEndpoint, TokenEndpoint: o.TokenEndpoint,
		})
		if err == nil {
			tok := &oauth2.Token{AccessToken: o.AccessToken, RefreshToken: o.RefreshToken, TokenType: "Bearer"}
			if o.HasExpiry {
				tok.Expiry = start.Add(o.ExpiresIn)
			}
			err = store.SaveIntegrationToken(ctx, o.ProviderID, o.GrantType, "", tok)
		}
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("oauth (line %d): %v", o.Line, err)
		}
	}
	return store, cleanup, nil
}

func done(updated []string) Outcome {
	if len(updated) == 0 {
		return Outcome{Status: Pass}
	}
	for i, u := range updated {
		updated[i] = filepath.ToSlash(u)
	}
	return Outcome{Status: Updated, Message: "wrote " + strings.Join(updated, ", ")}
}

// relPaths makes the paths in an error message relative to the case
// file's folder, so that the message is the same wherever the tests run
// from.
func (s *Suite) relPaths(c *Case, msg string) string {
	dir := filepath.Dir(c.File)
	if dir == "." {
		return msg
	}
	for _, d := range []string{dir, filepath.ToSlash(dir)} {
		msg = strings.ReplaceAll(msg, d+string(filepath.Separator), "")
		msg = strings.ReplaceAll(msg, d+"/", "")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		msg = strings.ReplaceAll(msg, abs+string(filepath.Separator), "")
	}
	return msg
}

// compareRequests compares the requests a run sent with those the case
// expects: method, URL and body always, and the headers the expectation
// names.
func compareRequests(c *Case, sent *cassette.Cassette) (Outcome, bool) {
	names := map[string]bool{}
	for _, r := range c.Requests {
		for _, h := range r.Headers {
			names[h.Name] = true
		}
	}
	var want, got strings.Builder
	for _, r := range c.Requests {
		writeRequest(&want, r.Method, r.URL, r.Headers, r.Body, names)
	}
	for _, it := range sent.Interactions {
		r := it.Request
		body := ""
		if r.Body.Kind != cassette.BinaryBody {
			body = string(r.Body.Data)
		}
		writeRequest(&got, r.Method, r.URL, r.Headers, body, names)
	}
	if want.String() == got.String() {
		return Outcome{}, false
	}
	return Outcome{Status: Fail, Message: "the requests sent differ from those expected", Diff: Diff("want requests", want.String(), "sent requests", got.String())}, true
}

func writeRequest(b *strings.Builder, method, url string, headers cassette.Headers, body string, names map[string]bool) {
	fmt.Fprintf(b, "%s %s\n", method, sortQuery(url))
	var hs []string
	for _, h := range headers {
		if names[h.Name] {
			hs = append(hs, h.Name+": "+h.Value)
		}
	}
	sort.Strings(hs)
	for _, h := range hs {
		b.WriteString("  " + h + "\n")
	}
	if body != "" {
		if t := strings.TrimSpace(body); (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t)) {
			if n, err := NormalizeJSON([]byte(t)); err == nil {
				body = string(n)
			}
		}
		for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			b.WriteString("  | " + l + "\n")
		}
	}
	b.WriteString("\n")
}

// redirect sends every request to the scheme and host of a live URL, for
// recording against a stand-in of the real service.
type redirect struct {
	to   *url.URL
	next http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = r.to.Scheme, r.to.Host
	out.Host = ""
	return r.next.RoundTrip(out)
}

// sortQuery sorts the query parameters of a URL, which the cassette's
// matching does not compare in order either.
func sortQuery(u string) string {
	base, q, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	frag := ""
	if i := strings.IndexByte(q, '#'); i >= 0 {
		q, frag = q[:i], q[i:]
	}
	params := strings.Split(q, "&")
	sort.SliceStable(params, func(i, j int) bool {
		ki, _, _ := strings.Cut(params[i], "=")
		kj, _, _ := strings.Cut(params[j], "=")
		return ki < kj
	})
	return base + "?" + strings.Join(params, "&") + frag
}
