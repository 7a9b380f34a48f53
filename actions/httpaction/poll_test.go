package httpaction

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
)

var (
	poll     = pollAction{}
	paginate = paginateAction{}
)

func TestPollRegistered(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"core.http_poll", "core.http_paginate"} {
		if _, ok := actions.Default.Lookup(name); !ok {
			t.Errorf("%s is not registered", name)
		}
	}
	got := jsonText(t, args(t, poll, "url", "http://x", "method", "GET"))
	want := `{"url":"http://x","method":"GET","headers":null,"params":null,"payload":null,"form_data":null,"auth":null,` +
		`"timeout":10.0,"follow_redirects":false,"max_redirects":20,"verify_ssl":true,"poll_retry_codes":null,` +
		`"poll_interval":null,"poll_max_attempts":10,"poll_condition":null}`
	if got != want {
		t.Errorf("poll defaults:\n got %s\nwant %s", got, want)
	}
	if _, err := poll.Spec().Validate(value.MapOf("url", "http://x", "method", "GET", "files", value.NewMap(0))); err == nil {
		t.Error("poll accepts files")
	}
	if _, err := paginate.Spec().Validate(value.MapOf("url", "http://x", "method", "GET")); err == nil {
		t.Error("paginate without stop_condition and next_request accepted")
	}
}

// pollServer answers with the statuses and bodies of plan in turn, the
// last one again once they run out.
type pollServer struct {
	plan []pollStep
	hits atomic.Int32
}

type pollStep struct {
	status      int
	contentType string
	body        string
	header      http.Header
}

func (p *pollServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(p.hits.Add(1)) - 1
	s := p.plan[min(n, len(p.plan)-1)]
	noDate(w)
	for k, v := range s.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", s.contentType)
	w.WriteHeader(s.status)
	io.WriteString(w, s.body)
}

func TestPoll(t *testing.T) {
	t.Parallel()
	pending := pollStep{200, "application/json", `{"state": "pending"}`, nil}
	done := pollStep{200, "application/json", `{"state": "succeeded", "n": 1}`, nil}
	notFound := pollStep{404, "text/plain", "not yet", nil}
	tests := []struct {
		name     string
		plan     []pollStep
		args     []any
		hits     int32
		want     string // JSON of the result
		wantErr  string // SRV is the server URL
		wantLogs []string
	}{
		{
			name: "retry codes as an int", plan: []pollStep{notFound, notFound, done},
			args: []any{"poll_retry_codes", 404}, hits: 3,
			want: `{"status_code":200,"headers":{"content-length":"30","content-type":"application/json"},"data":{"state":"succeeded","n":1}}`,
			wantLogs: []string{
				"DEBUG polling again method=GET url=SRV/job attempt=1 status_code=404 wait=2ms",
				"DEBUG polling again method=GET url=SRV/job attempt=2 status_code=404 wait=4ms",
			},
		},
		{
			name: "retry codes as a list, fixed interval", plan: []pollStep{notFound, {202, "text/plain", "", nil}, done},
			args: []any{"poll_retry_codes", []any{404, 202}, "poll_interval", 5}, hits: 3,
			want: `{"status_code":200,"headers":{"content-length":"30","content-type":"application/json"},"data":{"state":"succeeded","n":1}}`,
			wantLogs: []string{
				"DEBUG polling again method=GET url=SRV/job attempt=1 status_code=404 wait=5ms",
				"DEBUG polling again method=GET url=SRV/job attempt=2 status_code=202 wait=5ms",
			},
		},
		{
			name: "never raises on a status", plan: []pollStep{notFound, {500, "text/plain", "boom", nil}},
			args: []any{"poll_retry_codes", 404, "poll_interval", 0}, hits: 2,
			want:     `{"status_code":500,"headers":{"content-length":"4","content-type":"text/plain"},"data":"boom"}`,
			wantLogs: []string{"DEBUG polling again method=GET url=SRV/job attempt=1 status_code=404 wait=0s"},
		},
		{
			// The poll asks again itself: a 503 is not retried by the
			// HTTP layer first, which would wait its own backoff.
			name: "retry code 503, one request per attempt", plan: []pollStep{{503, "text/plain", "busy", nil}, {503, "text/plain", "busy", nil}, done},
			args: []any{"poll_retry_codes", 503, "poll_interval", 0}, hits: 3,
			want: `{"status_code":200,"headers":{"content-length":"30","content-type":"application/json"},"data":{"state":"succeeded","n":1}}`,
			wantLogs: []string{
				"DEBUG polling again method=GET url=SRV/job attempt=1 status_code=503 wait=0s",
				"DEBUG polling again method=GET url=SRV/job attempt=2 status_code=503 wait=0s",
			},
		},
		{
			name: "condition on data", plan: []pollStep{pending, pending, done},
			args: []any{"poll_condition", "lambda x: x.get('data', {}).get('state') == 'succeeded'", "poll_interval", 0}, hits: 3,
			want: `{"status_code":200,"headers":{"content-length":"30","content-type":"application/json"},"data":{"state":"succeeded","n":1}}`,
			wantLogs: []string{
				"DEBUG polling again method=GET url=SRV/job attempt=1 status_code=200 wait=0s",
				"DEBUG polling again method=GET url=SRV/job attempt=2 status_code=200 wait=0s",
			},
		},
		{
			name: "condition takes precedence; JSON parsed whatever the content type",
			plan: []pollStep{
				{404, "text/plain", `{"ready": false}`, nil},
				{404, "text/plain", `{"ready": true}`, http.Header{"X-Ready": {"yes"}}},
			},
			args: []any{
				"poll_retry_codes", 404, "poll_interval", 0,
				"poll_condition", "lambda x: x['data']['ready'] and x['status_code'] == 404 and x['headers']['x-ready'] == 'yes'",
			},
			hits:     2,
			want:     `{"status_code":404,"headers":{"content-length":"15","content-type":"text/plain","x-ready":"yes"},"data":"{\"ready\": true}"}`,
			wantLogs: []string{"DEBUG polling again method=GET url=SRV/job attempt=1 status_code=404 wait=0s"},
		},
		{
			name: "attempts run out", plan: []pollStep{notFound},
			args: []any{"poll_retry_codes", 404, "poll_max_attempts", 3, "poll_interval", 0}, hits: 3,
			wantErr: "RetryError: polling GET SRV/job gave up after 3 attempts; the last response had status 404",
			wantLogs: []string{
				"DEBUG polling again method=GET url=SRV/job attempt=1 status_code=404 wait=0s",
				"DEBUG polling again method=GET url=SRV/job attempt=2 status_code=404 wait=0s",
			},
		},
		{
			name: "condition error", plan: []pollStep{pending},
			args: []any{"poll_condition", "lambda x: x['data']['missing']"}, hits: 1,
			wantErr: "poll_condition: KeyError: 'missing'",
		},
		{
			name: "neither condition nor codes", plan: []pollStep{done},
			args:    []any{"poll_retry_codes", []any{}},
			wantErr: "At least one of poll_condition or poll_retry_codes must be specified",
		},
		{
			name: "bad lambda", plan: []pollStep{done},
			args:    []any{"poll_condition", "x: x"},
			wantErr: "poll_condition: ",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &pollServer{plan: tc.plan}
			srv := httptest.NewServer(s)
			t.Cleanup(srv.Close)
			env, sink := newEnv()
			got, err := run(t, poll, env, append([]any{"url", srv.URL + "/job?k=v", "method", "GET"}, tc.args...)...)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "SRV", srv.URL)
				if err == nil || !strings.HasPrefix(err.Error(), want) || (!strings.HasSuffix(want, ": ") && err.Error() != want) {
					t.Errorf("error:\n got %v\nwant %s", err, want)
				}
			} else if err != nil {
				t.Errorf("error: %v", err)
			} else if s := jsonText(t, got); s != tc.want {
				t.Errorf("result:\n got %s\nwant %s", s, tc.want)
			}
			if n := s.hits.Load(); n != tc.hits {
				t.Errorf("%d requests, want %d", n, tc.hits)
			}
			logs := sink.lines()
			if strings.Join(logs, "\n") != strings.ReplaceAll(strings.Join(tc.wantLogs, "\n"), "SRV", srv.URL) {
				t.Errorf("logs:\n%s\nwant:\n%s", strings.Join(logs, "\n"), strings.Join(tc.wantLogs, "\n"))
			}
			var re *RetryError
			if errors.As(err, &re) && (re.Attempts != 3 || re.StatusCode != 404 || re.Method != "GET") {
				t.Errorf("RetryError %+v", re)
			}
		})
	}
}

func TestPollForever(t *testing.T) {
	t.Parallel()
	plan := make([]pollStep, 12)
	for i := range plan {
		plan[i] = pollStep{404, "text/plain", "", nil}
	}
	s := &pollServer{plan: append(plan, pollStep{200, "text/plain", "ok", nil})}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	got, err := run(t, poll, nil, "url", srv.URL, "method", "GET", "poll_retry_codes", 404, "poll_max_attempts", 0, "poll_interval", 0)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := got.(*value.Map).Get("data"); data != "ok" || s.hits.Load() != 13 {
		t.Errorf("data %v after %d requests", data, s.hits.Load())
	}
}

func TestPollCancel(t *testing.T) {
	t.Parallel()
	s := &pollServer{plan: []pollStep{{404, "text/plain", "", nil}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	env, _ := newEnv()
	start := time.Now()
	_, err := poll.Run(ctx, args(t, poll, "url", srv.URL, "method", "GET", "poll_retry_codes", 404, "poll_interval", 100000), env)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cancellation took %s", d)
	}
}

func TestPollWait(t *testing.T) {
	t.Parallel()
	var got []string
	for attempt := 1; attempt <= 7; attempt++ {
		got = append(got, (pollWait(-1, attempt) / pollWaitUnit).String())
	}
	if s := strings.Join(got, " "); s != "2ns 4ns 8ns 16ns 32ns 60ns 60ns" {
		t.Errorf("exponential waits (in units): %s", s)
	}
	if d := pollWait(1.5, 3); d != 3*pollWaitUnit/2 {
		t.Errorf("fixed wait %s", d)
	}
}

func TestPollDryRun(t *testing.T) {
	t.Parallel()
	s := &pollServer{plan: []pollStep{{404, "text/plain", "", nil}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	env, _ := newEnv()
	var described []actions.Request
	env.DryRun = func(r actions.Request) { described = append(described, r) }
	got, err := run(t, poll, env, "url", srv.URL, "method", "GET", "poll_retry_codes", 404)
	if err != nil || jsonText(t, got) != `{"status_code":200,"headers":{},"data":null}` || len(described) != 1 || s.hits.Load() != 0 {
		t.Errorf("dry run: %v %v %v %d", got, err, described, s.hits.Load())
	}
}

// pages serves /items?page=N with three items per page and five pages.
func pages(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page == 0 {
		page = 1
	}
	if r.Header.Get("X-Fail") != "" && page == 2 {
		http.Error(w, "no", http.StatusForbidden)
		return
	}
	var items []string
	for i := range 3 {
		items = append(items, strconv.Itoa((page-1)*3+i+1))
	}
	next := "null"
	if page < 5 {
		next = strconv.Itoa(page + 1)
	}
	noDate(w)
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/list" {
		fmt.Fprintf(w, "[%s]", strings.Join(items, ","))
		return
	}
	fmt.Fprintf(w, `{"items": [%s], "next": %s, "method": %q}`, strings.Join(items, ","), next, r.Method)
}

func TestPaginate(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		pages(w, r)
	}))
	t.Cleanup(srv.Close)
	const (
		stopAtEnd = "lambda r: r['data']['next'] is None"
		nextPage  = "lambda r: {'params': {'page': r['data']['next']}}"
	)
	tests := []struct {
		name    string
		path    string
		args    []any
		want    string
		wantErr string
	}{
		{
			name: "items across pages",
			args: []any{"stop_condition", stopAtEnd, "next_request", nextPage, "items_jsonpath", "$.items[*]"},
			want: `[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]`,
		},
		{
			name: "item limit",
			args: []any{"stop_condition", stopAtEnd, "next_request", nextPage, "items_jsonpath", "$.items[*]", "limit", 5},
			want: `[1,2,3,4,5]`,
		},
		{
			name: "stop condition",
			args: []any{"stop_condition", "lambda r: r['data']['next'] == 3", "next_request", nextPage, "items_jsonpath", "$.items"},
			want: `[1,2,3,4,5,6]`,
		},
		{
			name: "single value path",
			args: []any{"stop_condition", stopAtEnd, "next_request", nextPage, "items_jsonpath", "$.next"},
			want: `[2,3,4,5]`,
		},
		{
			name: "list pages are used as they are", path: "/list",
			args: []any{"stop_condition", "lambda r: True", "next_request", nextPage, "items_jsonpath", "$.whatever"},
			want: `[1,2,3]`,
		},
		{
			name: "pages without items_jsonpath, limit counts pages",
			args: []any{"stop_condition", stopAtEnd, "next_request", "lambda r: {'params': {'page': r['data']['next']}, 'method': 'POST'}", "limit", 2},
			want: `[{"status_code":200,"headers":{"content-length":"46","content-type":"application/json"},"data":{"items":[1,2,3],"next":2,"method":"GET"}},` +
				`{"status_code":200,"headers":{"content-length":"47","content-type":"application/json"},"data":{"items":[4,5,6],"next":3,"method":"POST"}}]`,
		},
		{
			name: "next_request changes the url",
			args: []any{"stop_condition", stopAtEnd, "items_jsonpath", "$.items[*]", "limit", 4,
				"next_request", "lambda r: {'url': '" + srv.URL + "/items?page=' + str(r['data']['next'])}"},
			want: `[1,2,3,4]`,
		},
		{
			name: "limit 0", args: []any{"stop_condition", stopAtEnd, "next_request", nextPage, "limit", 0},
			want: `[]`,
		},
		{
			name:    "a page fails",
			args:    []any{"stop_condition", stopAtEnd, "next_request", nextPage, "headers", value.MapOf("X-Fail", "1")},
			wantErr: "HTTP request failed with status 403. Details:\n\n```\nno\n\n```",
		},
		{
			name:    "next_request returns a list",
			args:    []any{"stop_condition", stopAtEnd, "next_request", "lambda r: [1]"},
			wantErr: "next_request must return a dict, not list",
		},
		{
			name:    "next_request returns a bad method",
			args:    []any{"stop_condition", stopAtEnd, "next_request", "lambda r: {'method': 'get'}"},
			wantErr: `next_request returned an invalid method: expected one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", got 'get' (str)`,
		},
		{
			name:    "stop_condition fails",
			args:    []any{"stop_condition", "lambda r: r['nope']", "next_request", nextPage},
			wantErr: "stop_condition: KeyError: 'nope'",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := "/items"
			if tc.path != "" {
				path = tc.path
			}
			got, err := run(t, paginate, nil, append([]any{"url", srv.URL + path, "method", "GET"}, tc.args...)...)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error:\n got %v\nwant %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := jsonText(t, got); s != tc.want {
				t.Errorf("\n got %s\nwant %s", s, tc.want)
			}
		})
	}
}

func TestPaginateDryRun(t *testing.T) {
	t.Parallel()
	env, _ := newEnv()
	var described []actions.Request
	env.DryRun = func(r actions.Request) { described = append(described, r) }
	got, err := run(t, paginate, env, "url", "http://127.0.0.1:9/items", "method", "GET",
		"stop_condition", "lambda r: True", "next_request", "lambda r: {}")
	if err != nil || jsonText(t, got) != `[{"status_code":200,"headers":{},"data":null}]` || len(described) != 1 {
		t.Errorf("dry run: %v %v %v", got, err, described)
	}
}
