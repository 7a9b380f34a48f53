package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemplate(t *testing.T, dir, file, name, calls string) {
	t.Helper()
	src := "definition:\n  title: T\n  display_group: G\n  namespace: tools.t\n  name: " + name +
		"\n  expects: {}\n  steps:\n    - {ref: s, action: " + calls + ", args: {}}\n  returns: ${{ steps.s.result }}\n"
	path := filepath.Join(dir, file)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadPathsFindsLoops(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTemplate(t, dir, "a.yml", "a", "tools.t.b")
	writeTemplate(t, dir, "b.yml", "b", "tools.t.c")
	writeTemplate(t, dir, "c.yml", "c", "tools.t.b")
	writeTemplate(t, dir, "sub/d.yml", "d", "core.transform.reshape")
	writeTemplate(t, dir, "_skipped/e.yml", "e", "tools.t.e")
	writeTemplate(t, dir, "f.test.yml", "f", "tools.t.f")
	reg, results := LoadPaths(dir)
	var got []string
	for _, r := range results {
		for _, d := range r.Diags {
			got = append(got, strings.TrimPrefix(d.String(), dir+"/"))
		}
	}
	want := "b.yml:8:24: templates call each other in a loop: tools.t.b → tools.t.c → tools.t.b"
	if strings.Join(got, "\n") != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if len(results) != 4 || reg.Len() != 4 {
		t.Errorf("loaded %d files, %d actions; want 4 and 4", len(results), reg.Len())
	}
	if _, ok := reg.Lookup("tools.t.d"); !ok {
		t.Error("tools.t.d not found")
	}
}

func TestLoadPathsMissing(t *testing.T) {
	t.Parallel()
	_, results := LoadPaths("does/not/exist")
	if len(results) != 1 || results[0].Diags.Error() != "does/not/exist: cannot read template: no such file or directory" {
		t.Fatalf("results = %+v", results)
	}
}

func TestStepRetries(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, `definition:
  title: T
  display_group: G
  namespace: tools.t
  name: t
  expects: {}
  steps:
    - {ref: a, action: core.http_request, retries: 2, args: {url: "https://x", method: POST}}
    - {ref: b, action: core.http_request, args: {url: "https://x", method: GET}}
  returns: ${{ steps.a.result }}
`)
	if tpl.Steps[0].Retries == nil || *tpl.Steps[0].Retries != 2 || tpl.Steps[1].Retries != nil {
		t.Errorf("retries = %v, %v", tpl.Steps[0].Retries, tpl.Steps[1].Retries)
	}
	_, ds := Parse("r.yml", []byte(`definition:
  title: T
  display_group: G
  namespace: tools.t
  name: t
  expects: {}
  steps:
    - {ref: a, action: core.http_request, retries: -1, args: {}}
  returns: ${{ steps.a.result }}
`))
	want := "r.yml:8:52: retries must be a whole number from 0 to 10, not the number -1"
	if ds.Error() != want {
		t.Errorf("got %q, want %q", ds.Error(), want)
	}
}

// Each step that starts a loop is reported, not only the first loop found.
func TestLoadPathsFindsEveryLoopingStep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "definition:\n  title: T\n  display_group: G\n  namespace: tools.t\n  name: a\n  expects: {}\n  steps:\n" +
		"    - {ref: s, action: tools.t.b, args: {}}\n    - {ref: u, action: tools.t.c, args: {}}\n  returns: ${{ steps.u.result }}\n"
	if err := os.WriteFile(filepath.Join(dir, "a.yml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	writeTemplate(t, dir, "b.yml", "b", "tools.t.a")
	writeTemplate(t, dir, "c.yml", "c", "tools.t.a")
	_, results := LoadPaths(dir)
	var got []string
	for _, r := range results {
		for _, d := range r.Diags {
			got = append(got, strings.TrimPrefix(d.String(), dir+"/"))
		}
	}
	want := "a.yml:8:24: templates call each other in a loop: tools.t.a → tools.t.b → tools.t.a\n" +
		"a.yml:9:24: templates call each other in a loop: tools.t.a → tools.t.c → tools.t.a"
	if strings.Join(got, "\n") != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}
