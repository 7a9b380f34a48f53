package engine_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

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

func benchServer() *httptest.Server {
	body := []byte(`{"id": "00u1", "profile": {"login": "ada@example.com", "firstName": "Ada"}, "status": "ACTIVE"}`)
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
