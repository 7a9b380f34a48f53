package engine_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/actuatehq/actuate/actions"
	_ "github.com/actuatehq/actuate/actions/builtin"
	"github.com/actuatehq/actuate/actions/pyscript"
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

// callsPython reports whether t has a core.script.run_python step.
func callsPython(t *template.Template) bool {
	for _, s := range t.Steps {
		if s.Action == pyscript.Name {
			return true
		}
	}
	return false
}

// TestCorpusDryRun runs every corpus template whose actions are all
// supported with --dry-run semantics: synthesized required inputs,
// placeholder secrets, no network; Python steps really run, sandboxed.
// Every one must complete, but for two known kinds of stop, both pinned:
// a later step post-processes the response data, which a dry run leaves
// as None; or a Python step rejects a synthesized input with an exception
// of its own (which proves it ran). The others are counted by the action
// they lack.
func TestCorpusDryRun(t *testing.T) {
	dir := os.Getenv("ACTUATE_CORPUS")
	if dir == "" {
		t.Skip("ACTUATE_CORPUS is not set: set it to the Tracecat template corpus to run the dry-run conformance test")
	}
	reg, results := template.LoadPaths(dir)
	skipped := map[string]int{}
	var ran, failed, python, pythonDone int
	var needData, rejected []string
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
		isPython := callsPython(tpl)
		if isPython {
			python++
		}
		var scriptErr *pyscript.ScriptError
		switch {
		case err == nil:
			if isPython {
				pythonDone++
			}
		case strings.Contains(err.Error(), "NoneType"):
			// A later step or the returns post-processes the response
			// data, which a dry run leaves as None.
			needData = append(needData, filepath.Base(r.File))
		case errors.As(err, &scriptErr) && len(scriptErr.Frames) > 0:
			rejected = append(rejected, filepath.Base(r.File)+": "+scriptErr.Type)
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
	t.Logf("corpus dry run: %d templates, %d ran, %d completed, %d stopped on the None response data of a dry run, %d stopped by a Python step rejecting a synthesized input, %d failed\nwith Python steps: %d ran, %d completed\nnot run:\n%s\nstopped on None data: %s\nrejected inputs: %s",
		len(results), ran, ran-failed-len(needData)-len(rejected), len(needData), len(rejected), failed, python, pythonDone,
		strings.Join(lines, "\n"), strings.Join(needData, ", "), strings.Join(rejected, ", "))
	if ran == 0 {
		t.Fatal("no corpus template ran")
	}
	// Nine corpus templates (seven rootly, one sentinel_one, one zendesk
	// whose Python step iterates over the data) post-process the response
	// data: another one here means the engine broke something, one fewer
	// that a template changed or a None went unnoticed.
	if want := "create_alert.yml, create_incident.yml, get_alert.yml, get_incident.yml, list_alerts.yml, list_incident_alerts.yml, list_incidents.yml, list_agent_ids.yml, get_ticket_attachments.yml"; strings.Join(needData, ", ") != want {
		t.Errorf("stopped on None data: %s\nwant: %s", strings.Join(needData, ", "), want)
	}
	// Four Python steps validate their inputs and reject the placeholders:
	// two Defender updates and a Terraform lookup want one of several
	// optional inputs set, and a Splunk step wants keys in each item of a
	// list of dicts.
	if want := "update_alert.yml: ValueError, update_incident.yml: ValueError, add_kv_fields.yml: KeyError, get_workspace_details.yml: ValueError"; strings.Join(rejected, ", ") != want {
		t.Errorf("rejected inputs: %s\nwant: %s", strings.Join(rejected, ", "), want)
	}
}
