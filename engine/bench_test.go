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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"

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

func benchSetup(b *testing.B) (*template.Template, engine.Options, *httptest.Server) {
	dir := b.TempDir()
	path := filepath.Join(dir, "get_user.yml")
	if err := os.WriteFile(path, []byte(benchTemplate), 0o644); err != nil {
		b.Fatal(err)
	}
	t, ds := template.Load(path)
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	srv := benchServer()
	opts := engine.Options{Secrets: engine.StaticSecrets{"api": {"TOKEN": "t0k3n"}}, Transport: engine.DefaultTransport()}
	return t, opts, srv
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
	t, opts, srv := benchSetup(b)
	defer srv.Close()
	inputs := value.MapOf("base_url", srv.URL, "user_id", "00u1")
	c := rawClient()
	url := srv.URL + "/users/00u1"
	ctx := context.Background()
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rawGet(c, url); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		b.ReportAllocs()
		before := newConns.Load()
		for b.Loop() {
			if _, err := engine.RunTemplate(ctx, t, inputs, opts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(newConns.Load()-before), "conns")
	})
	b.Run("raw-64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(32) // 32 × GOMAXPROCS(2) = 64 callers
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := rawGet(c, url); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("engine-64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(32)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := engine.RunTemplate(ctx, t, inputs, opts); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkStepInMemory is BenchmarkStep over memConn instead of loopback
// TCP: with no system call on the path, the difference between engine and
// raw is the CPU the engine adds to a request, measured with less noise.
func BenchmarkStepInMemory(b *testing.B) {
	t, opts, srv := benchSetup(b)
	srv.Close() // not used
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
