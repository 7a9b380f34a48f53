package secrets

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/history"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"

	_ "github.com/actuatehq/actuate/actions/builtin" // core.transform.reshape
)

// loadTemplate writes src to a file in dir and loads it.
func loadTemplate(t testing.TB, dir, src string) *template.Template {
	path := filepath.Join(dir, "t.yml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, ds := template.Load(path)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return tpl
}

const twoStepTemplate = `definition:
  title: Two
  display_group: Test
  namespace: tools.test
  name: two
  expects:
    who: {type: str}
  steps:
    - ref: hello
      action: core.transform.reshape
      args: {value: "hello ${{ inputs.who }}"}
    - ref: again
      action: core.transform.reshape
      args: {value: {greeting: "${{ steps.hello.result }}"}}
  returns: ${{ steps.again.result }}
`

func TestRunHistoryRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	tpl := loadTemplate(t, t.TempDir(), twoStepTemplate)
	res, err := engine.RunTemplate(ctx, tpl, value.MapOf("who", "ada"), engine.Options{Recorder: s})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.GetRun(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Action != "tools.test.two" || r.Source != tpl.File || r.Status != history.Succeeded || r.PID != os.Getpid() ||
		string(r.Inputs) != `{"who":"ada"}` || string(r.Result) != `{"greeting":"hello ada"}` || r.Error != "" ||
		r.EndedAt.Before(r.StartedAt) || r.StartedAt.IsZero() {
		t.Errorf("run = %+v", r)
	}
	if len(r.Steps) != 2 || r.Steps[0].Ref != "hello" || r.Steps[1].Ref != "again" || r.Steps[1].Position != 2 ||
		r.Steps[0].Status != history.Succeeded || r.Steps[0].Action != "core.transform.reshape" || r.Steps[0].EndedAt.IsZero() {
		t.Errorf("steps = %+v", r.Steps)
	}
	// A prefix of the id finds the run.
	if p, err := s.GetRun(ctx, res.RunID[:20]); err != nil || p.ID != res.RunID {
		t.Errorf("GetRun(prefix) = %v, %v", p, err)
	}
	if _, err := s.GetRun(ctx, "nope"); !errors.Is(err, ErrNotFound) || err.Error() != "no run nope" {
		t.Errorf("GetRun(nope) = %v", err)
	}
	if _, err := s.GetRun(ctx, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetRun(\"\") = %v, want ErrNotFound", err)
	}

	// A failed run: the error is kept, the result is not.
	_, err = engine.RunTemplate(ctx, tpl, value.MapOf("who", "bob"), engine.Options{Recorder: s, Actions: failing()})
	if err == nil {
		t.Fatal("no error")
	}
	list, err := s.ListRuns(ctx, RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Status != history.Failed || list[1].Status != history.Succeeded ||
		list[0].Result != nil || !strings.Contains(list[0].Error, "no action named") {
		t.Fatalf("list = %+v", list)
	}
	if got, _ := s.ListRuns(ctx, RunFilter{Status: history.Succeeded}); len(got) != 1 || got[0].ID != res.RunID {
		t.Errorf("status filter: %+v", got)
	}
	if got, _ := s.ListRuns(ctx, RunFilter{Action: "tools.other"}); len(got) != 0 {
		t.Errorf("action filter: %+v", got)
	}
	if got, _ := s.ListRuns(ctx, RunFilter{Limit: 1}); len(got) != 1 || got[0].ID != list[0].ID {
		t.Errorf("limit: %+v", got)
	}
	if _, err := s.ListRuns(ctx, RunFilter{Status: "done"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad status: %v", err)
	}
}

// failing is a registry without core.transform.reshape.
func failing() *actions.Registry { return actions.NewRegistry() }

func TestPruneRuns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	now := time.Now()
	add := func(id string, age time.Duration, status history.Status) {
		t.Helper()
		start := now.Add(-age)
		if err := s.RunStarted(ctx, &history.Run{ID: id, Action: "a", StartedAt: start}); err != nil {
			t.Fatal(err)
		}
		if err := s.StepStarted(ctx, &history.Step{RunID: id, Position: 1, Ref: "x", Action: "b", Status: history.Running, StartedAt: start}); err != nil {
			t.Fatal(err)
		}
		if status != history.Running {
			if err := s.RunFinished(ctx, &history.Outcome{RunID: id, Status: status, EndedAt: start.Add(time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("old", 40*24*time.Hour, history.Succeeded)
	add("old_failed", 31*24*time.Hour, history.Failed)
	add("old_running", 40*24*time.Hour, history.Running) // this process: alive
	add("new", time.Hour, history.Succeeded)
	n, err := s.PruneRuns(ctx, 30*24*time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("PruneRuns = %d, %v; want 2", n, err)
	}
	var steps int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM run_steps WHERE run_id LIKE 'old%'").Scan(&steps); err != nil || steps != 1 {
		t.Errorf("steps of pruned runs left: %d, %v (want only old_running's)", steps, err)
	}
	list, _ := s.ListRuns(ctx, RunFilter{})
	if len(list) != 2 || list[0].ID != "new" || list[1].ID != "old_running" || list[1].Status != history.Running {
		t.Errorf("left: %+v", list)
	}
	// The step left running by the finished run took the run's status.
	r, _ := s.GetRun(ctx, "new")
	if r.Steps[0].Status != history.Succeeded {
		t.Errorf("step = %+v", r.Steps[0])
	}
}

// TestRunHistoryHoldsNoSecret records a run that uses a secret in every
// place a run records (inputs, a step's error, the run's error, the
// result) and checks that no row of the file holds any form of it.
func TestRunHistoryHoldsNoSecret(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	const secret = `s3cr3t/+"v"`
	mustSet(t, s, "api", "", map[string]string{"KEY": secret})
	dir := t.TempDir()
	ok := loadTemplate(t, dir, `definition:
  title: Uses
  display_group: Test
  namespace: tools.test
  name: uses
  secrets: [{name: api, keys: [KEY]}]
  expects:
    note: {type: str}
  steps:
    - ref: a
      action: core.transform.reshape
      args: {value: {auth: "Bearer ${{ SECRETS.api.KEY }}", b64: "${{ FN.to_base64(SECRETS.api.KEY) }}", note: "${{ inputs.note }}"}}
  returns: ${{ steps.a.result }}
`)
	if _, err := engine.RunTemplate(ctx, ok, value.MapOf("note", "key="+secret), engine.Options{Recorder: s, Secrets: s}); err != nil {
		t.Fatal(err)
	}
	// A careless API that echoes the request in its error.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "bad key in %s", r.URL)
	}))
	defer srv.Close()
	fails := loadTemplate(t, t.TempDir(), strings.Replace(`definition:
  title: Fails
  display_group: Test
  namespace: tools.test
  name: fails
  secrets: [{name: api, keys: [KEY]}]
  expects: {}
  steps:
    - ref: a
      action: core.transform.reshape
      args: {value: "${{ SECRETS.api.KEY }}"}
    - ref: b
      action: core.http_request
      args: {url: "URL/${{ steps.a.result }}", method: GET, params: {k: "${{ SECRETS.api.KEY }}"}}
  returns: ${{ steps.b.result }}
`, "URL", srv.URL, 1))
	if _, err := engine.RunTemplate(ctx, fails, nil, engine.Options{Recorder: s, Secrets: s}); err == nil {
		t.Fatal("the run that fails did not")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id || action || source || status || inputs || coalesce(result, '') || error FROM runs
UNION ALL SELECT run_id || template || ref || action || status || coalesce(http_status, '') || error FROM run_steps`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all strings.Builder
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		all.WriteString(text + "\n")
	}
	text := all.String()
	if !strings.Contains(text, "Bearer ***") || !strings.Contains(text, "key=***") || !strings.Contains(text, "bad key in /***?k=***") {
		t.Fatalf("the run was not recorded as expected:\n%s", text)
	}
	for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), url.QueryEscape(secret),
		strings.ReplaceAll(secret, `"`, `\"`), "s3cr3t"} {
		if strings.Contains(text, form) {
			t.Errorf("the history holds %q:\n%s", form, text)
		}
	}
}

// runCrashEnv, set in a child process of TestRunInterruptedByKill, holds the
// store path the child records runs in.
const runCrashEnv = "ACTUATE_RUNS_CRASH_CHILD"

// runCrashChild runs a few recorded runs, then one whose second step never
// ends, printing "waiting" once it is in that step.
func runCrashChild(path, key string) {
	fail := func(err error) {
		fmt.Println("error", err)
		os.Exit(1)
	}
	k, err := ParseKey(key, "the test key")
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	s, err := Open(ctx, path, k)
	if err != nil {
		fail(err)
	}
	dir, err := os.MkdirTemp("", "runs-crash")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	tpl := loadTemplate(&testing.T{}, dir, twoStepTemplate)
	for i := range 20 {
		if _, err := engine.RunTemplate(ctx, tpl, value.MapOf("who", fmt.Sprint(i)), engine.Options{Recorder: s}); err != nil {
			fail(err)
		}
	}
	reg := actions.NewRegistry()
	reg.MustRegister(&actions.Func{
		ActionSpec: actions.Spec{Name: "core.transform.reshape", Inputs: []*template.Input{actions.Input("value", "any", "")}},
		Fn: func(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
			if env.Step == "again" {
				fmt.Println("waiting")
				select {}
			}
			v, _ := args.Get("value")
			return v, nil
		},
	})
	_, err = engine.RunTemplate(ctx, tpl, value.MapOf("who", "last"), engine.Options{Recorder: s, Actions: reg})
	fail(fmt.Errorf("the last run returned: %v", err))
}

// TestRunInterruptedByKill kills (SIGKILL) a process in the middle of a
// recorded run, then reopens the file: it is intact, the finished runs
// read back, and the run cut off shows as interrupted, with the step it
// was in.
func TestRunInterruptedByKill(t *testing.T) {
	if path := os.Getenv(runCrashEnv); path != "" {
		runCrashChild(path, os.Getenv(runCrashEnv+"_KEY"))
		return
	}
	if testing.Short() {
		t.Skip("kills a child process")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	key := testKey(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunInterruptedByKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), runCrashEnv+"="+path, runCrashEnv+"_KEY="+key.Base64())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if line := lines.Text(); line == "waiting" {
			break
		} else if strings.HasPrefix(line, "error") {
			t.Fatalf("child: %s", line)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // reaped: the pid no longer exists
	pid := cmd.Process.Pid

	ctx := t.Context()
	s := openStore(t, path, key)
	var result string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Fatalf("integrity_check = %q, %v", result, err)
	}
	list, err := s.ListRuns(ctx, RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 21 {
		t.Fatalf("%d runs, want 21", len(list))
	}
	last := list[0]
	if last.Status != history.Interrupted || last.PID != pid || !last.EndedAt.IsZero() || string(last.Inputs) != `{"who":"last"}` {
		t.Errorf("the run cut off: %+v", last)
	}
	for _, r := range list[1:] {
		if r.Status != history.Succeeded {
			t.Errorf("finished run %s: %s", r.ID, r.Status)
		}
	}
	r, err := s.GetRun(ctx, last.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 2 || r.Steps[0].Status != history.Succeeded || r.Steps[1].Status != history.Interrupted || r.Steps[1].Ref != "again" {
		t.Errorf("steps of the run cut off: %+v", r.Steps)
	}
	// The status was written: a raw read agrees.
	var status string
	if err := s.db.QueryRowContext(ctx, "SELECT status FROM runs WHERE id = ?", last.ID).Scan(&status); err != nil || status != "interrupted" {
		t.Errorf("stored status = %q, %v", status, err)
	}
}

// GetRun finds a run by the start of its id whatever characters the id
// holds: letters of several bytes, and LIKE's wildcards taken literally.
func TestGetRunByPrefix(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	for _, id := range []string{"été-1", "a%b", "a_c", "axc", "日本-2"} {
		if err := s.RunStarted(ctx, &history.Run{ID: id, Action: "a", StartedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for prefix, want := range map[string]string{"é": "été-1", "été": "été-1", "日": "日本-2", "a%": "a%b", "a_": "a_c", "ax": "axc"} {
		if r, err := s.GetRun(ctx, prefix); err != nil || r.ID != want {
			t.Errorf("GetRun(%q) = %v, %v; want %s", prefix, r, err, want)
		}
	}
	if _, err := s.GetRun(ctx, "a"); !errors.Is(err, ErrInvalid) || err.Error() != "run id a is ambiguous: it starts a%b and a_c; give more of it" {
		t.Errorf("GetRun(a) = %v", err)
	}
	for _, prefix := range []string{"e", "%", "_", "b"} {
		if _, err := s.GetRun(ctx, prefix); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetRun(%q) = %v, want ErrNotFound", prefix, err)
		}
	}
}

// A run's process id given again to a newer process (after a reboot,
// say) does not keep the run "running": the process started after the
// run did. A run that the process of that id started stays running.
func TestInterruptedWhenPIDGivenAgain(t *testing.T) {
	if _, ok := processStart(os.Getpid()); !ok {
		t.Skip("this system does not tell when a process started")
	}
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	now := time.Now()
	for id, started := range map[string]time.Time{
		"reused": now.Add(-time.Hour),  // before the process: another one started it
		"ours":   now.Add(time.Second), // after the process started
	} {
		if err := s.RunStarted(ctx, &history.Run{ID: id, Action: "a", StartedAt: started}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, "UPDATE runs SET pid = ? WHERE id = ?", child.Process.Pid, id); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]history.Status{"reused": history.Interrupted, "ours": history.Running} {
		r, err := s.GetRun(ctx, id)
		if err != nil || r.Status != want {
			t.Errorf("run %s: %v, %v; want %s", id, r.Status, err, want)
		}
	}
}
