package httpaction

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
)

func TestMain(m *testing.M) {
	// Shrink every wait: backoff to milliseconds, one second of
	// Retry-After to 10 ms (so the one-minute cap is 600 ms).
	retryWaitMin = time.Millisecond
	retryWaitMax = 4 * time.Millisecond
	retryAfterUnit = 10 * time.Millisecond
	maxRetryAfter = 60 * retryAfterUnit
	pollWaitUnit = time.Millisecond
	os.Exit(m.Run())
}

// testTransport is the shared transport of the tests, as the engine's.
var testTransport = http.DefaultTransport.(*http.Transport).Clone()

// secrets is a fake actions.Secrets: "name.KEY" -> value.
type secrets map[string]string

func (s secrets) Get(name, key string) (string, bool) {
	v, ok := s[name+"."+key]
	return v, ok
}

// logSink collects log records.
type logSink struct {
	mu      sync.Mutex
	records []string
}

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	l.mu.Lock()
	l.records = append(l.records, b.String())
	l.mu.Unlock()
	return nil
}
func (l *logSink) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logSink) WithGroup(string) slog.Handler      { return l }

func (l *logSink) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.records...)
}

func newEnv() (*actions.Env, *logSink) {
	sink := &logSink{}
	return &actions.Env{
		Step:      "test",
		Secrets:   secrets{},
		Transport: testTransport,
		Logger:    slog.New(sink),
		Now:       time.Now,
		RunState:  &sync.Map{},
	}, sink
}

// args builds validated args for an action from alternating keys and
// values.
func args(t testing.TB, a actions.Action, pairs ...any) *value.Map {
	t.Helper()
	v, err := a.Spec().Validate(value.MapOf(pairs...))
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	return v
}

// run calls a with args built from pairs and a fresh env.
func run(t testing.TB, a actions.Action, env *actions.Env, pairs ...any) (any, error) {
	t.Helper()
	if env == nil {
		env, _ = newEnv()
	}
	ctx := context.Background()
	if tt, ok := t.(*testing.T); ok {
		ctx = tt.Context()
	}
	return a.Run(ctx, args(t, a, pairs...), env)
}

// jsonText renders a value as compact JSON for exact comparisons.
func jsonText(t testing.TB, v any) string {
	t.Helper()
	b, err := value.MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// echo is a handler that answers with a JSON description of the request:
// method, URI, selected headers and body.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	hdr := map[string]string{}
	for _, k := range []string{"Accept", "Authorization", "Content-Type", "X-Keep", "X-Drop", "X-Custom"} {
		if v := r.Header.Get(k); v != "" {
			hdr[k] = v
		}
	}
	out, _ := json.Marshal(map[string]any{"method": r.Method, "uri": r.RequestURI, "headers": hdr, "body": string(body)})
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

// noDate removes the Date header the server would add, for exact header
// comparisons.
func noDate(w http.ResponseWriter) { w.Header()["Date"] = nil }
