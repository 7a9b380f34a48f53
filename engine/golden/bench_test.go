package golden_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/golden"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

const benchCases = 500

// benchTemplate is a one-step template: a GET with a secret header and a
// query built from inputs, returning part of the response.
const benchTemplate = `type: action
definition:
  title: Bench %[1]d
  description: One step.
  display_group: Bench
  namespace: tools.bench
  name: get_%[1]d
  secrets:
    - name: api
      keys: [API_KEY]
  expects:
    id:
      type: int
    label:
      type: str
      default: x
  steps:
    - ref: get
      action: core.http_request
      args:
        url: https://api.example.com/items/${{ inputs.id }}
        method: GET
        headers:
          Authorization: Bearer ${{ SECRETS.api.API_KEY }}
        params:
          label: ${{ inputs.label }}
  returns:
    id: ${{ steps.get.result.data.id }}
    name: ${{ steps.get.result.data.name }}
    tags: ${{ steps.get.result.data.tags }}
    created: ${{ steps.get.result.data.created_at }}
`

const benchCase = `- name: get
  inputs: {id: %[1]d, label: bench}
  secrets: {api: {API_KEY: key-%[1]d}}
  cassette:
    - request:
        method: GET
        url: https://api.example.com/items/%[1]d?label=bench
        headers:
          Authorization: Bearer <secret:api.API_KEY>
      response:
        status: 200
        headers:
          Content-Type: application/json
        body: %[2]s
`

func benchBody(i int) string {
	return fmt.Sprintf(`{"id": %d, "name": "item %d", "tags": ["a", "b", "c"], "created_at": "2024-05-01T10:00:00Z", "owner": {"id": "5b8c4e1a-3f2d-4c6b-9a7e-1d2c3b4a5f60"}}`, i, i)
}

// responder answers every request in memory with the item's body, as the
// baseline's transport.
type responder struct{}

func (responder) RoundTrip(req *http.Request) (*http.Response, error) {
	var id int
	fmt.Sscanf(req.URL.Path, "/items/%d", &id)
	body := benchBody(id)
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)), Request: req}, nil
}

// BenchmarkHarness times running 500 generated one-step cases with the
// harness (finding and loading case files, cassettes and templates,
// replaying, normalising, comparing goldens) against running the same 500
// templates directly through the engine with an in-memory responder
// (loading the templates included), both GOMAXPROCS at a time. It
// reports cases per second of each and their ratio (harness time /
// engine time).
func BenchmarkHarness(b *testing.B) {
	dir := b.TempDir()
	files := map[string]string{}
	for i := range benchCases {
		files[fmt.Sprintf("get_%03d.yml", i)] = fmt.Sprintf(benchTemplate, i)
		files[fmt.Sprintf("get_%03d.test.yaml", i)] = fmt.Sprintf(benchCase, i, benchBody(i))
	}
	write(b, dir, files)
	ctx := context.Background()
	s, err := golden.Load(dir)
	if err != nil || len(s.Errors) > 0 {
		b.Fatal(err, s.Errors)
	}
	for _, o := range s.Run(ctx, golden.Options{Update: true}) {
		if o.Status == golden.Fail {
			b.Fatalf("%s: %s", o.Name, o.Message)
		}
	}

	// The harness as "actuate test" runs it: find and load the case
	// files, cassettes and templates, then run.
	full := func() {
		s, err := golden.Load(dir)
		if err != nil || len(s.Errors) > 0 {
			b.Fatal(err, s.Errors)
		}
		check(b, s.Run(ctx, golden.Options{}))
	}
	// The harness's runs alone (replay, matching, normalising, golden
	// comparison), on cases and templates loaded beforehand.
	loaded, _ := golden.Load(dir)
	check(b, loaded.Run(ctx, golden.Options{}))
	runs := func() { check(b, loaded.Run(ctx, golden.Options{})) }

	// The same runs straight through the engine.
	_, results := template.LoadPaths(dir)
	direct := func(results []template.FileResult) {
		next := make(chan int)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for i := range next {
					t := results[i].Template
					id := i
					fmt.Sscanf(filepath.Base(results[i].File), "get_%d.yml", &id)
					opts := engine.Options{
						Secrets:   engine.StaticSecrets{"api": {"API_KEY": fmt.Sprintf("key-%d", id)}},
						Transport: responder{},
					}
					res, err := engine.RunTemplate(ctx, t, value.MapOf("id", id, "label", "bench"), opts)
					if err != nil {
						b.Error(err)
						continue
					}
					if _, err := value.MarshalJSON(res.Redacted()); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for i := range results {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	directFull := func() {
		_, results := template.LoadPaths(dir)
		direct(results)
	}

	var tRuns, tDirect, tFull, tDirectFull time.Duration
	timeIt := func(d *time.Duration, f func()) {
		start := time.Now()
		f()
		*d += time.Since(start)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		timeIt(&tDirect, func() { direct(results) })
		timeIt(&tRuns, runs)
		timeIt(&tDirectFull, directFull)
		timeIt(&tFull, full)
	}
	b.StopTimer()
	n := float64(b.N) * benchCases
	b.ReportMetric(n/tFull.Seconds(), "cases/s")
	b.ReportMetric(n/tRuns.Seconds(), "run-cases/s")
	b.ReportMetric(n/tDirect.Seconds(), "engine-cases/s")
	b.ReportMetric(tRuns.Seconds()/tDirect.Seconds(), "ratio")
	b.ReportMetric(tFull.Seconds()/tDirectFull.Seconds(), "ratio-with-loading")
}

func check(b *testing.B, out []golden.Outcome) {
	if len(out) != benchCases {
		b.Fatalf("%d cases ran", len(out))
	}
	for _, o := range out {
		if o.Status != golden.Pass {
			b.Fatalf("%s: %s\n%s", o.Name, o.Message, o.Diff)
		}
	}
}
