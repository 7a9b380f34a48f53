package httpaction

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-retryablehttp"
)

// BenchmarkRequest compares core.http_request's Run (building the
// request, the retry and timeout machinery, decoding the JSON body into
// values, the result map) with a bare retryablehttp GET that reads the
// body, against the same loopback server and transport.
func BenchmarkRequest(b *testing.B) {
	body := []byte(`{"id": 42, "name": "widget", "tags": ["a", "b"], "active": true}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	tr := testTransport.Clone()
	tr.MaxIdleConnsPerHost = 64

	b.Run("raw retryablehttp", func(b *testing.B) {
		c := retryablehttp.NewClient()
		c.Logger = nil
		c.HTTPClient = &http.Client{Transport: tr}
		c.RetryMax = 3
		b.ReportAllocs()
		for b.Loop() {
			req, err := retryablehttp.NewRequestWithContext(context.Background(), "GET", srv.URL+"/item", nil)
			if err != nil {
				b.Fatal(err)
			}
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadAll(resp.Body); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	})
	b.Run("core.http_request no timeout", func(b *testing.B) {
		env, _ := newEnv()
		env.Transport = tr
		a := args(b, req, "url", srv.URL+"/item", "method", "GET", "timeout", 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := req.Run(context.Background(), a, env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("core.http_request", func(b *testing.B) {
		env, _ := newEnv()
		env.Transport = tr
		a := args(b, req, "url", srv.URL+"/item", "method", "GET")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := req.Run(context.Background(), a, env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cannedTransport answers every request with the same response, without
// a network, to isolate the client-side cost.
type cannedTransport struct{ body []byte }

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {"64"}, "Date": {"Sun, 29 Nov 2026 00:00:00 GMT"}},
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)),
		Request:       r,
	}, nil
}

// BenchmarkOverhead is BenchmarkRequest without the network: what
// core.http_request costs on top of retryablehttp itself.
func BenchmarkOverhead(b *testing.B) {
	tr := cannedTransport{body: []byte(`{"id": 42, "name": "widget", "tags": ["a", "b"], "active": true}`)}
	b.Run("raw retryablehttp", func(b *testing.B) {
		c := retryablehttp.NewClient()
		c.Logger = nil
		c.HTTPClient = &http.Client{Transport: tr}
		b.ReportAllocs()
		for b.Loop() {
			req, _ := retryablehttp.NewRequestWithContext(context.Background(), "GET", "http://example.test/item", nil)
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.ReadAll(resp.Body)
			resp.Body.Close()
		}
	})
	b.Run("core.http_request", func(b *testing.B) {
		env, _ := newEnv()
		env.Transport = tr
		a := args(b, req, "url", "http://example.test/item", "method", "GET")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := req.Run(context.Background(), a, env); err != nil {
				b.Fatal(err)
			}
		}
	})
}
