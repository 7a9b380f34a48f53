package template

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Registry holds templates by action name. Build it with [NewRegistry] and
// [Registry.Add], or load folders with [LoadPaths]. A Registry is safe for
// concurrent lookups once it is no longer being added to.
type Registry struct {
	byID map[string]*Template
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byID: map[string]*Template{}}
}

// Add registers t under its action name. A second template with the same
// name is an error naming both files.
func (r *Registry) Add(t *Template) error {
	if prev, dup := r.byID[t.ID()]; dup {
		return fmt.Errorf("action %s is defined twice: in %s and in %s; action names (namespace.name) must be unique", t.ID(), prev.File, t.File)
	}
	r.byID[t.ID()] = t
	return nil
}

// Lookup returns the template whose action name is id.
func (r *Registry) Lookup(id string) (*Template, bool) {
	t, ok := r.byID[id]
	return t, ok
}

// Len returns the number of templates.
func (r *Registry) Len() int { return len(r.byID) }

// Templates returns every template, sorted by action name.
func (r *Registry) Templates() []*Template {
	out := make([]*Template, 0, len(r.byID))
	for _, t := range r.byID {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out
}

// FileResult is the outcome of loading one file.
type FileResult struct {
	File     string
	Template *Template // nil when the file is not a template at all
	Diags    Diagnostics
}

// OK reports whether the file loaded without errors (and, when strict,
// without warnings).
func (f FileResult) OK(strict bool) bool {
	if strict {
		return len(f.Diags) == 0
	}
	return !f.Diags.HasErrors()
}

// LoadPaths loads every template file named by paths: files as given, and
// folders recursively. In folders it reads *.yml and *.yaml files and skips
// names starting with "." or "_" and golden-test case files (*.test.yml,
// *.test.yaml). Files load in parallel; results come back sorted by path.
// Templates that load without errors go into the registry; a second file
// defining an action already defined is given an error naming both files.
func LoadPaths(paths ...string) (*Registry, []FileResult) {
	var files []string
	var results []FileResult
	for _, p := range paths {
		found, err := templateFiles(p)
		if err != nil {
			results = append(results, FileResult{File: p, Diags: Diagnostics{{File: p, Message: readError(err)}}})
			continue
		}
		files = append(files, found...)
	}
	files = dedupe(files)
	loaded := make([]FileResult, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(files)); w++ {
		wg.Go(func() {
			for i := range next {
				t, ds := Load(files[i])
				loaded[i] = FileResult{File: files[i], Template: t, Diags: ds}
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	results = append(results, loaded...)
	sort.SliceStable(results, func(i, j int) bool { return results[i].File < results[j].File })

	reg := NewRegistry()
	for i := range results {
		r := &results[i]
		if r.Template == nil || r.Diags.HasErrors() {
			continue
		}
		if err := reg.Add(r.Template); err != nil {
			t := r.Template
			d := Diagnostic{File: r.File, Pos: t.NamePos, Message: err.Error(), Source: t.SourceLine(t.NamePos.Line)}
			r.Diags = append(r.Diags, d)
		}
	}
	for _, c := range reg.Cycles() {
		for i := range results {
			if results[i].Template == c.From {
				step := c.Step
				d := Diagnostic{File: results[i].File, Pos: step.ActionPos, Message: c.Error(), Source: c.From.SourceLine(step.ActionPos.Line)}
				results[i].Diags = append(results[i].Diags, d)
			}
		}
	}
	return reg, results
}

// Cycle is a chain of templates that call each other in a loop.
type Cycle struct {
	// Chain lists the action names, the first repeated at the end.
	Chain []string
	// From is the first template of the chain and Step its step that
	// calls the next one.
	From *Template
	Step *Step
}

// Error reads "templates call each other in a loop: a → b → a".
func (c Cycle) Error() string {
	return "templates call each other in a loop: " + strings.Join(c.Chain, " → ")
}

// Cycles returns the loops of templates calling templates: for each step
// that starts one, the first loop found, from its alphabetically first
// template.
func (r *Registry) Cycles() []Cycle {
	var out []Cycle
	for _, t := range r.Templates() {
		// Search for paths from t back to t through templates whose
		// names sort after t, so each loop is found once.
		var visited map[string]bool
		var walk func(cur *Template, chain []string) []string
		walk = func(cur *Template, chain []string) []string {
			if cur == t {
				return append(append([]string(nil), chain...), t.ID())
			}
			if cur.ID() < t.ID() || visited[cur.ID()] {
				return nil
			}
			visited[cur.ID()] = true
			chain = append(chain, cur.ID())
			for _, s := range cur.Steps {
				if next, ok := r.byID[s.Action]; ok {
					if loop := walk(next, chain); loop != nil {
						return loop
					}
				}
			}
			return nil
		}
		for _, step := range t.Steps {
			next, ok := r.byID[step.Action]
			if !ok {
				continue
			}
			visited = map[string]bool{}
			if loop := walk(next, []string{t.ID()}); loop != nil {
				out = append(out, Cycle{Chain: loop, From: t, Step: step})
			}
		}
	}
	return out
}

// templateFiles lists the template files under path.
func templateFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != path && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && isTemplateFile(name) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

func isTemplateFile(name string) bool {
	ext := filepath.Ext(name)
	if ext != ".yml" && ext != ".yaml" {
		return false
	}
	return !strings.HasSuffix(strings.TrimSuffix(name, ext), ".test")
}

func dedupe(files []string) []string {
	seen := make(map[string]bool, len(files))
	out := files[:0]
	for _, f := range files {
		c := filepath.Clean(f)
		if !seen[c] {
			seen[c] = true
			out = append(out, f)
		}
	}
	return out
}
