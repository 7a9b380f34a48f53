package engine_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

const benchTemplate = `definition:
  title: Get user
  display_group: Bench
  namespace: tools.bench
  name: get_user
  secrets:
    - name: api
      keys: [TOKEN]
  expects:
    base_url: {type: str}
    user_id: {type: str}
  steps:
    - ref: get
      action: core.http_request
      args:
        url: ${{ inputs.base_url }}/users/${{ FN.url_encode(inputs.user_id) }}
        method: GET
        headers:
          Authorization: Bearer ${{ SECRETS.api.TOKEN }}
  returns: ${{ steps.get.result.data }}
`

var newConns atomic.Int64

// benchBody is the JSON body the benchmark servers answer with.
const benchBody = `{"id": "00u1", "profile": {"login": "ada@example.com", "firstName": "Ada"}, "status": "ACTIVE"}`

func benchServer() *httptest.Server {
	body := []byte(benchBody)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	return srv
}

// benchOptions are the options benchTemplate runs with.
func benchOptions() engine.Options {
	return engine.Options{Secrets: engine.StaticSecrets{"api": {"TOKEN": "t0k3n"}}, Transport: engine.DefaultTransport()}
}

// loadBenchTemplate loads a template from its text.
func loadBenchTemplate(b *testing.B, src string) *template.Template {
	path := filepath.Join(b.TempDir(), "bench.yml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	t, ds := template.Load(path)
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	return t
}

// loopback is what the loopback benchmarks compare: benchTemplate run by
// the engine and the raw request, against the same server.
type loopback struct {
	t      *template.Template
	opts   engine.Options
	inputs *value.Map
	c      *retryablehttp.Client
	url    string
}

// newLoopback starts the server, which the benchmark's cleanup stops.
func newLoopback(b *testing.B) *loopback {
	srv := benchServer()
	b.Cleanup(srv.Close)
	return &loopback{
		t: loadBenchTemplate(b, benchTemplate), opts: benchOptions(),
		inputs: value.MapOf("base_url", srv.URL, "user_id", "00u1"),
		c:      rawClient(), url: srv.URL + "/users/00u1",
	}
}

func (l *loopback) raw() error { return rawGet(l.c, l.url) }

func (l *loopback) run() error {
	_, err := engine.RunTemplate(context.Background(), l.t, l.inputs, l.opts)
	return err
}

// rawClient is the baseline: go-retryablehttp tuned as PERFORMANCE.md
// says (no logger, no retries, the same pooled transport), reading the
// body as the action does.
func rawClient() *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.Logger = nil
	c.RetryMax = 0
	c.HTTPClient = &http.Client{Transport: engine.DefaultTransport()}
	return c
}

func rawGet(c *retryablehttp.Client, url string) error {
	req, err := retryablehttp.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer t0k3n")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// BenchmarkStep runs a one-step core.http_request template through the
// engine against a raw retryablehttp request to the same loopback server,
// one at a time and with 64 concurrent callers (target: engine overhead at
// most 10 % sequentially, at least 90 % of the raw throughput concurrently).
func BenchmarkStep(b *testing.B) {
	l := newLoopback(b)
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := l.raw(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		b.ReportAllocs()
		before := newConns.Load()
		for b.Loop() {
			if err := l.run(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(newConns.Load()-before), "conns")
	})
	for _, side := range []struct {
		name string
		fn   func() error
	}{{"raw-64", l.raw}, {"engine-64", l.run}} {
		b.Run(side.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(32) // 32 × GOMAXPROCS(2) = 64 callers
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := side.fn(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkStepInMemory is BenchmarkStep over memConn instead of loopback
// TCP: with no system call on the path, the difference between engine and
// raw is the CPU the engine adds to a request, measured with less noise
// (run it with -cpu 1 for the CPU alone). "floor" is BenchmarkStepRatio's
// floor: the engine's bookkeeping around the raw request.
func BenchmarkStepInMemory(b *testing.B) {
	t, opts := loadBenchTemplate(b, benchTemplate), benchOptions()
	tr := memTransport()
	opts.Transport = tr
	c := rawClient()
	c.HTTPClient.Transport = tr
	inputs := value.MapOf("base_url", "http://mem.test", "user_id", "00u1")
	ctx := context.Background()
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rawGet(c, "http://mem.test/users/00u1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := engine.RunTemplate(ctx, t, inputs, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	ft, fopts := floorTemplate(b, c)
	fopts.Transport = tr
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := engine.RunTemplate(ctx, ft, inputs, fopts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// memResponse is the response memConn answers each request with: the
// body benchServer sends.
var memResponse = []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Sun, 29 Nov 2026 00:00:00 GMT\r\nContent-Length: " + strconv.Itoa(len(benchBody)) + "\r\n\r\n" + benchBody)

// memConn is an HTTP/1.1 connection held in memory: each request written
// to it (a GET, ended by a blank line) queues memResponse for reading.
type memConn struct {
	mu     sync.Mutex
	cond   *sync.Cond
	req    []byte
	resp   []byte
	closed bool
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.req = append(c.req, p...)
	for {
		i := bytes.Index(c.req, []byte("\r\n\r\n"))
		if i < 0 {
			break
		}
		c.req = c.req[i+4:]
		c.resp = append(c.resp, memResponse...)
		c.cond.Signal()
	}
	c.mu.Unlock()
	return len(p), nil
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.resp) == 0 && !c.closed {
		c.cond.Wait()
	}
	if c.closed {
		return 0, net.ErrClosed
	}
	n := copy(p, c.resp)
	c.resp = c.resp[n:]
	return n, nil
}

func (c *memConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	return nil
}
func (c *memConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *memConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

// memTransport is the engine's default transport dialing memConns.
func memTransport() *http.Transport {
	t := engine.DefaultTransport().Clone()
	t.Proxy = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c := &memConn{}
		c.cond = sync.NewCond(&c.mu)
		return c, nil
	}
	return t
}

// BenchmarkStepRatio is BenchmarkStep with the sides interleaved: each
// round times a batch of raw requests, then a batch of engine runs of the
// template, then a batch of engine runs of a template whose step is a Go
// action making the raw request itself (64 at a time in the -64
// variant), so that a change in the machine's speed during the run
// weighs on every side alike. It reports each side's time per request
// and its ratio to raw: "ratio" for the template (the targets are at
// most 1.10 sequentially and at most 1.11, 90 % of the raw throughput,
// concurrently) and "floor-ratio" for the Go action, which is what the
// engine's own bookkeeping costs (inputs, plan, secrets, step record,
// returns) with no work of core.http_request beyond the raw request.
// "cpu-overhead" and "floor-cpu-overhead" are the CPU time the process
// spends more per request on each side than on raw, over the raw
// request's time: the engine's own work, and the scheduler's (threads
// that fall asleep while it works, and are woken again) and the cache
// misses it brings about.
func BenchmarkStepRatio(b *testing.B) {
	l := newLoopback(b)
	floor := *l
	floor.t, floor.opts = floorTemplate(b, l.c)
	sides := []struct {
		name string
		fn   func() error
	}{{"raw", l.raw}, {"engine", l.run}, {"floor", floor.run}}
	for _, callers := range []int{1, 64} {
		name := "sequential"
		if callers > 1 {
			name = "concurrent-64"
		}
		b.Run(name, func(b *testing.B) {
			// Requests per side and round: enough for each side to
			// reach its steady state (caches warm, pools filled), and
			// for starting and draining the callers to weigh little.
			batch := 1024
			if callers > 1 {
				batch = 64 * callers
			}
			sums := make([]time.Duration, len(sides))
			cpus := make([]time.Duration, len(sides))
			rounds := 0
			for b.Loop() {
				for i, side := range sides {
					cpu := processCPU()
					d, err := timeBatch(side.fn, batch, callers)
					if err != nil {
						b.Fatalf("%s: %v", side.name, err)
					}
					sums[i] += d
					cpus[i] += processCPU() - cpu
				}
				rounds++
			}
			n := float64(rounds * batch)
			for i, side := range sides {
				b.ReportMetric(float64(sums[i].Nanoseconds())/n, side.name+"-ns/req")
			}
			b.ReportMetric(float64(sums[1])/float64(sums[0]), "ratio")
			b.ReportMetric(float64(sums[2])/float64(sums[0]), "floor-ratio")
			if cpus[0] > 0 {
				// The CPU the engine adds to a request (the process's,
				// the server's included, which is the same on both
				// sides), as a share of the raw request's time:
				// PERFORMANCE.md's measure of a step's cost.
				b.ReportMetric(float64(cpus[1]-cpus[0])/float64(sums[0]), "cpu-overhead")
				b.ReportMetric(float64(cpus[2]-cpus[0])/float64(sums[0]), "floor-cpu-overhead")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// floorTemplate returns a template like benchTemplate (the same inputs,
// secret and interpolations) whose step is a Go action making the raw
// request with c, and the options to run it.
func floorTemplate(b *testing.B, c *retryablehttp.Client) (*template.Template, engine.Options) {
	reg := actions.NewRegistry()
	reg.MustRegister(&actions.Func{
		ActionSpec: actions.Spec{
			Name:   "tools.bench.raw_get",
			Inputs: []*template.Input{actions.Input("url", "str", ""), actions.Input("authorization", "str", "")},
		},
		Fn: func(_ context.Context, args *value.Map, _ *actions.Env) (any, error) {
			u, _ := args.Get("url")
			return nil, rawGet(c, u.(string))
		},
	})
	src := strings.NewReplacer(
		"action: core.http_request", "action: tools.bench.raw_get",
		"        method: GET\n", "",
		"        headers:\n          Authorization:", "        authorization:",
		"steps.get.result.data", "steps.get.result",
	).Replace(benchTemplate)
	opts := benchOptions()
	opts.Actions = reg
	return loadBenchTemplate(b, src), opts
}

// timeBatch calls fn n times from the given number of goroutines and
// returns how long it took. The goroutines are started once per number
// of callers and kept, as BenchmarkStep's are: a goroutine started for
// each batch would grow its stack again every time, which costs a deep
// call chain (the engine's) more than a shallow one.
func timeBatch(fn func() error, n, callers int) (time.Duration, error) {
	start := time.Now()
	if callers == 1 {
		for range n {
			if err := fn(); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	w := benchWorkers(callers)
	var next atomic.Int64
	var wg sync.WaitGroup
	var first atomic.Pointer[error]
	wg.Add(callers)
	for range callers {
		w <- func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := fn(); err != nil {
					first.CompareAndSwap(nil, &err)
					return
				}
			}
		}
	}
	wg.Wait()
	d := time.Since(start)
	if err := first.Load(); err != nil {
		return 0, *err
	}
	return d, nil
}

var (
	workersMu sync.Mutex
	workers   = map[int]chan func(){}
)

// benchWorkers returns the queue of a set of n goroutines that run the
// functions sent to it, starting them on first use. They live as long as
// the test binary.
func benchWorkers(n int) chan<- func() {
	workersMu.Lock()
	defer workersMu.Unlock()
	if w, ok := workers[n]; ok {
		return w
	}
	w := make(chan func())
	for range n {
		go func() {
			for f := range w {
				f()
			}
		}()
	}
	workers[n] = w
	return w
}
