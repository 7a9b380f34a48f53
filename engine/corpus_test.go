package engine_test

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/actuatehq/actuate/actions"
	_ "github.com/actuatehq/actuate/actions/builtin"
	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/template"
)

// unsupported returns the first action t calls (directly or through nested
// templates) that is neither a template nor registered.
func unsupported(t *template.Template, reg *template.Registry) string {
	for _, s := range t.Steps {
		if child, ok := reg.Lookup(s.Action); ok {
			if u := unsupported(child, reg); u != "" {
				return u
			}
			continue
		}
		if _, ok := actions.Default.Lookup(s.Action); !ok {
			return s.Action
		}
	}
	return ""
}

// TestCorpusDryRun runs every corpus template whose actions are all
// supported with --dry-run semantics: synthesized required inputs,
// placeholder secrets, no network. Every one must complete; the others are
// counted by the action they lack.
func TestCorpusDryRun(t *testing.T) {
	dir := os.Getenv("ACTUATE_CORPUS")
	if dir == "" {
		t.Skip("ACTUATE_CORPUS is not set: set it to the Tracecat template corpus to run the dry-run conformance test")
	}
	reg, results := template.LoadPaths(dir)
	skipped := map[string]int{}
	var ran, failed int
	var needData []string
	var failures []string
	for _, r := range results {
		tpl := r.Template
		if tpl == nil || r.Diags.HasErrors() {
			t.Errorf("%s does not load", r.File)
			continue
		}
		if u := unsupported(tpl, reg); u != "" {
			skipped[u]++
			continue
		}
		_, err := engine.Run(t.Context(), tpl.ID(), engine.SynthesizeInputs(tpl), engine.Options{Templates: reg, DryRun: true})
		ran++
		switch {
		case err == nil:
		case strings.Contains(err.Error(), "NoneType"):
			// A later step or the returns post-processes the response
			// data, which a dry run leaves as None.
			needData = append(needData, r.File)
		default:
			failed++
			failures = append(failures, fmt.Sprintf("%s: %v", r.File, err))
		}
	}
	for _, f := range failures {
		t.Error(f)
	}
	var lines []string
	for action, n := range skipped {
		lines = append(lines, fmt.Sprintf("%4d need %s", n, action))
	}
	sort.Strings(lines)
	t.Logf("corpus dry run: %d templates, %d ran, %d completed, %d stopped on the None response data of a dry run, %d failed; not run:\n%s\nstopped on None data: %s",
		len(results), ran, ran-failed-len(needData), len(needData), failed, strings.Join(lines, "\n"), strings.Join(needData, ", "))
	if ran == 0 {
		t.Fatal("no corpus template ran")
	}
	// Eight corpus templates (seven rootly, one sentinel_one) post-process
	// the response data; more than that means the engine broke something.
	if len(needData) > 8 {
		t.Errorf("%d templates stopped on None data; 8 are expected", len(needData))
	}
}
