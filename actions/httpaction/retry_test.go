package httpaction

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

// script serves the statuses of plan in turn (the last one again once
// they run out); a status of 0 resets the connection. It counts the
// requests.
type script struct {
	plan   []int
	header http.Header
	hits   atomic.Int32
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.hits.Add(1)) - 1
	status := s.plan[min(n, len(s.plan)-1)]
	if status == 0 {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		conn.(*net.TCPConn).SetLinger(0) // RST instead of FIN
		conn.Close()
		return
	}
	io.Copy(io.Discard, r.Body)
	if status != 200 {
		for k, v := range s.header {
			w.Header()[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, `{"attempt": `+string(rune('1'+n))+`}`)
}

var waitRe = regexp.MustCompile(`wait=[0-9.]+[µm]?s`)

func TestRequestRetries(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	retries := func(n int) *int { return &n }
	tests := []struct {
		name     string
		method   string
		plan     []int
		header   http.Header
		retries  *int
		hits     int32
		wantErr  string   // SRV is the server's URL
		wantLogs []string // SRV is the server's URL; wait=? matches any wait
	}{
		{
			name: "429 with Retry-After seconds", method: "GET", plan: []int{429, 200},
			header: http.Header{"Retry-After": {"3"}}, hits: 2,
			wantLogs: []string{"WARN retrying HTTP request method=GET url=SRV/p attempt=1 retries_left=3 wait=30ms reason=status 429"},
		},
		{
			name: "503 with Retry-After date", method: "PUT", plan: []int{503, 200},
			header: http.Header{"Retry-After": {t0.Add(2 * time.Second).Format(http.TimeFormat)}}, hits: 2,
			wantLogs: []string{"WARN retrying HTTP request method=PUT url=SRV/p attempt=1 retries_left=3 wait=20ms reason=status 503"},
		},
		{
			name: "Retry-After capped at a minute", method: "GET", plan: []int{429, 200},
			header: http.Header{"Retry-After": {"3600"}}, hits: 2,
			wantLogs: []string{"WARN retrying HTTP request method=GET url=SRV/p attempt=1 retries_left=3 wait=600ms reason=status 429"},
		},
		{
			name: "502 and 504 then success", method: "DELETE", plan: []int{502, 504, 200}, hits: 3,
			wantLogs: []string{
				"WARN retrying HTTP request method=DELETE url=SRV/p attempt=1 retries_left=3 wait=? reason=status 502",
				"WARN retrying HTTP request method=DELETE url=SRV/p attempt=2 retries_left=2 wait=? reason=status 504",
			},
		},
		{
			name: "connection reset", method: "GET", plan: []int{0, 200}, hits: 2,
			wantLogs: []string{"WARN retrying HTTP request method=GET url=SRV/p attempt=1 retries_left=3 wait=? reason=read tcp ADDR: read: connection reset by peer"},
		},
		{
			name: "retries run out: the last response's error", method: "HEAD", plan: []int{503}, hits: 4,
			wantErr: "HTTP request failed with status 503. Details:\n\n```\n\n```",
			wantLogs: []string{
				"WARN retrying HTTP request method=HEAD url=SRV/p attempt=1 retries_left=3 wait=? reason=status 503",
				"WARN retrying HTTP request method=HEAD url=SRV/p attempt=2 retries_left=2 wait=? reason=status 503",
				"WARN retrying HTTP request method=HEAD url=SRV/p attempt=3 retries_left=1 wait=? reason=status 503",
			},
		},
		{
			name: "POST not retried by default", method: "POST", plan: []int{503, 200}, hits: 1,
			wantErr: "HTTP request failed with status 503. Details:\n\n```\nattempt: 1\n\n```",
		},
		{
			name: "PATCH not retried on a reset by default", method: "PATCH", plan: []int{0, 200}, hits: 1,
			wantErr: "PATCH SRV/p: read tcp ",
		},
		{
			name: "POST retried with retries set", method: "POST", plan: []int{503, 0, 200}, retries: retries(2), hits: 3,
			wantLogs: []string{
				"WARN retrying HTTP request method=POST url=SRV/p attempt=1 retries_left=2 wait=? reason=status 503",
				"WARN retrying HTTP request method=POST url=SRV/p attempt=2 retries_left=1 wait=? reason=read tcp ADDR: read: connection reset by peer",
			},
		},
		{
			name: "retries: 0 turns retrying off", method: "GET", plan: []int{503, 200}, retries: retries(0), hits: 1,
			wantErr: "HTTP request failed with status 503. Details:\n\n```\nattempt: 1\n\n```",
		},
		{
			name: "retries: 1 overrides the default", method: "OPTIONS", plan: []int{504}, retries: retries(1), hits: 2,
			wantErr:  "HTTP request failed with status 504. Details:\n\n```\nattempt: 2\n\n```",
			wantLogs: []string{"WARN retrying HTTP request method=OPTIONS url=SRV/p attempt=1 retries_left=1 wait=? reason=status 504"},
		},
		{
			name: "500 is not retried", method: "GET", plan: []int{500, 200}, hits: 1,
			wantErr: "500 Internal server error for 'SRV/p?token=secret'.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &script{plan: tc.plan, header: tc.header}
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			env, sink := newEnv()
			env.Now = func() time.Time { return t0 }
			env.Retries = tc.retries
			got, err := run(t, req, env, "url", srv.URL+"/p?token=secret", "method", tc.method)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "SRV", srv.URL)
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("error:\n got %v\nwant %s", err, want)
				}
			} else if err != nil {
				t.Errorf("error: %v", err)
			} else if sc, _ := got.(*value.Map).Get("status_code"); sc != 200 {
				t.Errorf("status_code %v", sc)
			}
			if n := s.hits.Load(); n != tc.hits {
				t.Errorf("%d requests, want %d", n, tc.hits)
			}
			logs := sink.lines()
			if len(logs) != len(tc.wantLogs) {
				t.Fatalf("logs:\n%s\nwant:\n%s", strings.Join(logs, "\n"), strings.Join(tc.wantLogs, "\n"))
			}
			for i, want := range tc.wantLogs {
				want = strings.ReplaceAll(want, "SRV", srv.URL)
				line := logs[i]
				if strings.Contains(want, "wait=?") {
					line = waitRe.ReplaceAllString(line, "wait=?")
				}
				line = regexp.MustCompile(`read tcp [0-9.:]+->[0-9.]+:[0-9]+`).ReplaceAllString(line, "read tcp ADDR")
				if line != want {
					t.Errorf("log %d:\n got %s\nwant %s", i, logs[i], want)
				}
			}
		})
	}
}

func TestRequestConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env, sink := newEnv()
	_, err = run(t, req, env, "url", "http://user:pw@"+addr+"/x?key=secret", "method", "GET")
	want := "GET http://" + addr + "/x: giving up after 4 attempts: dial tcp " + addr + ": connect: connection refused"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
	if n := len(sink.lines()); n != 3 {
		t.Errorf("%d retries logged", n)
	}
	for _, l := range sink.lines() {
		if strings.Contains(l, "secret") || strings.Contains(l, "pw") {
			t.Errorf("log reveals credentials: %s", l)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for attempt, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		for range 20 {
			got := exponential(time.Second, 8*time.Second, attempt)
			if got < want/2 || got > want {
				t.Errorf("exponential(attempt %d) = %s, want in [%s, %s]", attempt, got, want/2, want)
			}
		}
	}
	if got := exponential(time.Second, 8*time.Second, 100); got < 4*time.Second || got > 8*time.Second {
		t.Errorf("exponential(attempt 100) = %s", got)
	}
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	for _, tc := range []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"0", 0, true},
		{"5", 50 * time.Millisecond, true},
		{"99999999999", maxRetryAfter, true},
		{"Fri, 02 Jan 2026 03:04:15 GMT", 100 * time.Millisecond, true},
		{"Fri, 02 Jan 2026 03:00:00 GMT", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		resp := &http.Response{Header: http.Header{"Retry-After": {tc.header}}}
		got, ok := retryAfter(resp, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := retryAfter(nil, now); ok {
		t.Error("retryAfter(nil)")
	}
}

// permanentError is a transport error that says retrying cannot fix it.
type permanentError struct{}

func (permanentError) Error() string   { return "no recorded response for this request" }
func (permanentError) Permanent() bool { return true }

type failingTransport struct{ calls atomic.Int32 }

func (f *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return nil, permanentError{}
}

// TestPermanentTransportErrorNotRetried: a GET whose transport error has
// Permanent() true fails at once, without retries.
func TestPermanentTransportErrorNotRetried(t *testing.T) {
	t.Parallel()
	env, sink := newEnv()
	ft := &failingTransport{}
	env.Transport = ft
	_, err := run(t, req, env, "url", "http://127.0.0.1:1/x", "method", "GET")
	if want := "GET http://127.0.0.1:1/x: no recorded response for this request"; err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	if n := ft.calls.Load(); n != 1 {
		t.Errorf("%d attempts, want 1 (error: %v)", n, err)
	}
	if len(sink.lines()) != 0 {
		t.Errorf("retries logged: %v", sink.lines())
	}
}
