package template

import (
	"os"
	"path/filepath"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// corpusDir returns the folder of Tracecat's templates named by
// ACTUATE_CORPUS (.ci/run sets it), or skips the test.
func corpusRoot(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("ACTUATE_CORPUS")
	if dir == "" {
		tb.Skip("ACTUATE_CORPUS is not set: set it to the Tracecat template corpus (../shared/corpus/tracecat/templates) to run the conformance checks")
	}
	if _, err := os.Stat(dir); err != nil {
		tb.Fatalf("ACTUATE_CORPUS: %v", err)
	}
	return dir
}

// TestCorpusLoads loads every template of the Tracecat corpus: none may
// have an error.
func TestCorpusLoads(t *testing.T) {
	dir := corpusRoot(t)
	reg, results := LoadPaths(dir)
	if len(results) == 0 {
		t.Fatalf("no templates under %s", dir)
	}
	for _, r := range results {
		for _, d := range r.Diags {
			if d.Severity == Error {
				t.Errorf("%s", d)
			}
		}
	}
	if reg.Len() != len(results) {
		t.Errorf("registry holds %d actions for %d files", reg.Len(), len(results))
	}
	t.Logf("%d corpus templates loaded", len(results))
}

func corpusFiles(tb testing.TB) []string {
	dir := corpusRoot(tb)
	files, err := templateFiles(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

func readAll(tb testing.TB, files []string) [][]byte {
	srcs := make([][]byte, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		srcs[i] = b
	}
	return srcs
}

// BenchmarkCorpus compares loading and checking every corpus template with
// the baseline of only decoding the same bytes into map[string]any with
// yaml.v3, both on one goroutine. The target is Load/Decode <= 2.
func BenchmarkCorpus(b *testing.B) {
	files := corpusFiles(b)
	srcs := readAll(b, files)
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, src := range srcs {
				var m map[string]any
				if err := yaml.Unmarshal(src, &m); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("Load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, src := range srcs {
				if _, ds := Parse(files[i], src); ds.HasErrors() {
					b.Fatal(ds)
				}
			}
		}
	})
	b.Run("LoadPathsParallel", func(b *testing.B) {
		b.ReportAllocs()
		dir := filepath.Clean(corpusRoot(b))
		for b.Loop() {
			LoadPaths(dir)
		}
	})
}
