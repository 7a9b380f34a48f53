package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/temporal"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/secrets"
	"github.com/actuatehq/actuate/template"
)

// itToken is the secret of the integration test; it must appear in no
// workflow history, in any form.
const itToken = "it-tok-9c41d2e7b5"

// itTemplates are the templates the integration test runs.
const itTemplates = "../../engine/temporal/testdata/templates"

// TestTemporal runs templates through two "actuate worker" processes on a
// real Temporal server: the command line end to end (run --temporal, with
// the output and exit codes of a local run, --detach, runs show, runs
// cancel), the latency of one run against a local one, the throughput of
// 200 one-step runs with one and with two workers, and 200 two-step runs
// during which one worker is killed: every run completes once with its
// result, and no secret is in any history. It needs a server:
// ACTUATE_TEMPORAL_ADDRESS=127.0.0.1:7233 (.ci/run starts one).
func TestTemporal(t *testing.T) {
	addr := os.Getenv("ACTUATE_TEMPORAL_ADDRESS")
	if addr == "" {
		t.Skip("no Temporal server: set ACTUATE_TEMPORAL_ADDRESS=HOST:PORT of one (temporal server start-dev --headless; .ci/run does) to run the Temporal integration test")
	}
	bin, err := exec.LookPath("actuate")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	api := newTicketAPI(t)
	queue := "actuate-it-" + engine.NewRunID(time.Now())
	keyText := newKeyText(t)
	home := t.TempDir()
	environ := append(os.Environ(), "ACTUATE_HOME="+home, "ACTUATE_ENCRYPTION_KEY="+keyText, "TEMPORAL_ADDRESS="+addr)
	actuate := func(args ...string) (stdout, stderr string, code int) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = environ
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return o.String(), e.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return o.String(), e.String(), 0
	}
	if _, e, code := actuate("secrets", "set", "tickets", "TICKETS_TOKEN="+itToken); code != 0 {
		t.Fatalf("secrets set: %s", e)
	}
	if _, e, code := actuate("vars", "set", "tickets", "base_url="+api.URL); code != 0 {
		t.Fatalf("vars set: %s", e)
	}
	startWorker := func(name string) *exec.Cmd {
		cmd := exec.Command(bin, "worker", "--task-queue", queue, "--registry", itTemplates, "--quiet")
		cmd.Env = environ
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
		ready := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "worker: polling") {
					ready <- sc.Text()
				}
				t.Logf("%s: %s", name, sc.Text())
			}
		}()
		select {
		case <-ready:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not start", name)
		}
		return cmd
	}
	workerA := startWorker("worker A")

	codec := codecFor(t, keyText)
	c, err := temporal.Dial(ctx, temporal.Options{Address: addr, Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg, _ := template.LoadPaths(itTemplates)
	var ids []string // every run submitted, for the history check
	var idsMu sync.Mutex
	submit := func(action string, inputs *value.Map) string {
		tpl, _ := reg.Lookup(action)
		in, err := temporal.NewRunInput(action, tpl, reg, inputs, nil)
		if err != nil {
			t.Error(err)
			return ""
		}
		id := engine.NewRunID(time.Now())
		if err := temporal.Start(ctx, c, queue, id, in); err != nil {
			t.Error(err)
			return ""
		}
		idsMu.Lock()
		ids = append(ids, id)
		idsMu.Unlock()
		return id
	}

	t.Run("command line", func(t *testing.T) {
		file := filepath.Join(itTemplates, "get_ticket.yml")
		local, _, code := actuate("run", file, "-i", "id=7")
		if code != 0 {
			t.Fatalf("local run: exit %d", code)
		}
		out, errText, code := actuate("run", file, "-i", "id=7", "--temporal", addr, "--task-queue", queue, "--quiet")
		want := "{\n  \"id\": 7,\n  \"title\": \"Ticket 7\",\n  \"seen_token\": \"***\"\n}\n"
		if code != 0 || out != want || out != local || errText != "" {
			t.Errorf("run --temporal: exit %d, stdout %q, stderr %q; want exit 0 and %q, as the local run printed", code, out, errText, want)
		}
		// Without --quiet, the steps show on stderr as a local run shows
		// them, read from the run's history.
		out, errText, code = actuate("run", file, "-i", "id=7", "--temporal", addr, "--task-queue", queue)
		progress := regexp.MustCompile(`(?s)^run \w{26} sent to Temporal at .* \(namespace default, task queue actuate-it-\w+\)\nok   fetch \(core.http_request\) \d+ms HTTP 200\nok   summary \(core.transform.reshape\) \d+ms\n$`)
		if code != 0 || out != want || !progress.MatchString(errText) {
			t.Errorf("run --temporal with progress: exit %d, stdout %q, stderr %q", code, out, errText)
		}
		// A template only the workers hold (no --registry here): a
		// worker finds it, and its steps run and show as those of a
		// template sent from here.
		out, errText, code = actuate("run", "tools.tickets.get_ticket", "-i", "id=7", "--temporal", addr, "--task-queue", queue)
		if code != 0 || out != want || !progress.MatchString(errText) {
			t.Errorf("run --temporal of a template the workers hold: exit %d, stdout %q, stderr %q", code, out, errText)
		}
		_, errText, code = actuate("run", "tools.tickets.nope", "--temporal", addr, "--task-queue", queue, "--quiet")
		if wantErr := "actuate: no action named \"tools.tickets.nope\": it is not a registered action, and no template the run carries or the workers hold defines it (add its folder with --registry, here or on the workers, or give the template's file path)\n"; code != 2 || errText != wantErr {
			t.Errorf("an action no one has: exit %d, stderr %q; want exit 2 and %q", code, errText, wantErr)
		}
		// A Python step runs on the worker as it runs here.
		pyFile := filepath.Join(itTemplates, "ticket_summary.yml")
		localPy, _, code := actuate("run", pyFile, "-i", "id=8", "--quiet")
		if code != 0 {
			t.Fatalf("local run of the Python template: exit %d", code)
		}
		out, errText, code = actuate("run", pyFile, "-i", "id=8", "--temporal", addr, "--task-queue", queue, "--quiet")
		wantPy := "{\n  \"id\": 8,\n  \"words\": 2,\n  \"shout\": \"TICKET 8\"\n}\n"
		if code != 0 || out != wantPy || out != localPy || errText != "" {
			t.Errorf("run --temporal of a Python step: exit %d, stdout %q, stderr %q; want exit 0 and %q, as the local run printed %q", code, out, errText, wantPy, localPy)
		}
		_, errText, code = actuate("run", file, "-i", "id=seven", "--temporal", addr, "--task-queue", queue)
		if wantErr := "actuate: invalid inputs for tools.tickets.get_ticket:\n  id: expected int, got 'seven' (str)\n"; code != 2 || errText != wantErr {
			t.Errorf("bad input: exit %d, stderr %q; want exit 2 and %q", code, errText, wantErr)
		}
		_, errText, code = actuate("run", file, "-i", "id=404", "--temporal", addr, "--task-queue", queue, "--quiet")
		port := api.URL[strings.LastIndexByte(api.URL, ':')+1:]
		wantErr := "actuate: " + file + ":17:7: step \"fetch\" (core.http_request) of tools.tickets.get_ticket failed: 404 Not found for '" + api.URL +
			"/tickets/404'.\n\nPlease check that the URL is correct and the resource exists:\n\nHost: 127.0.0.1\nPort: " + port + "\nPath: /tickets/404\n"
		if code != 1 || errText != wantErr {
			t.Errorf("failed step: exit %d, stderr %q; want exit 1 and %q", code, errText, wantErr)
		}
		_, errText, code = actuate("run", file, "-i", "id=7", "--temporal", addr, "--secret", "tickets.TICKETS_TOKEN=x")
		if wantErr := "actuate: run: --secret and --secrets-file cannot be used with --temporal: secrets never travel through Temporal; store them where the workers run with \"actuate secrets set NAME KEY=-\"\n"; code != 2 || errText != wantErr {
			t.Errorf("--secret: exit %d, stderr %q", code, errText)
		}
		_, errText, code = actuate("run", file, "-i", "id=7", "--temporal", "127.0.0.1:1")
		if !strings.HasPrefix(errText, "actuate: run: cannot reach Temporal at 127.0.0.1:1: ") ||
			!strings.HasSuffix(errText, "; check the address (--temporal or TEMPORAL_ADDRESS), or start a local server with \"temporal server start-dev\"\n") || code != 1 {
			t.Errorf("no server: exit %d, stderr %q", code, errText)
		}

		// --detach, runs show, runs cancel.
		detach := func(args ...string) string {
			out, _, code := actuate(append(append([]string{"run"}, args...), "--temporal", addr, "--task-queue", queue, "--detach")...)
			id := strings.TrimSpace(out)
			if code != 0 || len(id) != 26 {
				t.Fatalf("--detach: exit %d, stdout %q", code, out)
			}
			idsMu.Lock()
			ids = append(ids, id)
			idsMu.Unlock()
			return id
		}
		id := detach("tools.tickets.slow", "--registry", itTemplates)
		waitFor(t, "the slow request", func() bool { return api.count("GET /slow") == 1 })
		out, _, _ = actuate("runs", "show", id, "--temporal", addr, "--json")
		var shown struct{ ID, Action, Status string }
		if err := json.Unmarshal([]byte(out), &shown); err != nil || shown.ID != id || shown.Action != "tools.tickets.slow" || shown.Status != "running" {
			t.Errorf("runs show of a running run: %v %q", err, out)
		}
		out, errText, code = actuate("runs", "cancel", id)
		if code != 0 || out != "run "+id+": cancellation requested\n" {
			t.Errorf("runs cancel: exit %d, stdout %q, stderr %q", code, out, errText)
		}
		waitFor(t, "the cancellation", func() bool {
			out, _, _ = actuate("runs", "show", id, "--temporal", addr, "--json")
			return json.Unmarshal([]byte(out), &shown) == nil && shown.Status == "cancelled"
		})
		var withSteps struct {
			Steps []struct {
				Position            int
				Ref, Action, Status string
			}
		}
		if err := json.Unmarshal([]byte(out), &withSteps); err != nil || len(withSteps.Steps) != 1 ||
			fmt.Sprint(withSteps.Steps[0]) != "{1 wait core.http_request cancelled}" {
			t.Errorf("runs show --temporal: the steps of the cancelled run: %v %+v", err, withSteps.Steps)
		}
		// A detached run that has ended since shows so in runs list, which
		// asks Temporal about the runs recorded as running.
		if _, err := temporal.Wait(ctx, c, detach("tools.tickets.get_ticket", "-i", "id=3")); err != nil {
			t.Fatal(err)
		}
		// The runs sent from here are in the run history beside the local
		// one; show asks Temporal about the detached run, now cancelled.
		out, _, _ = actuate("runs", "show", id, "--json")
		var recorded struct{ ID, Status, Temporal string }
		if err := json.Unmarshal([]byte(out), &recorded); err != nil || recorded.ID != id || recorded.Status != "cancelled" || recorded.Temporal != addr+" namespace default" {
			t.Errorf("runs show of the detached run, from the history: %v %q", err, out)
		}
		out, _, _ = actuate("runs", "list", "--json")
		var listed []struct{ Action, Status, Temporal string }
		if err := json.Unmarshal([]byte(out), &listed); err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, r := range listed {
			rows = append(rows, r.Action+" "+r.Status+" "+r.Temporal)
		}
		wantRows := []string{
			"tools.tickets.get_ticket succeeded " + addr + " namespace default", // detached
			"tools.tickets.slow cancelled " + addr + " namespace default",
			"tools.tickets.get_ticket failed " + addr + " namespace default",
			"tools.tickets.ticket_summary succeeded " + addr + " namespace default",
			"tools.tickets.ticket_summary succeeded ",
			"tools.tickets.nope failed " + addr + " namespace default",
			"tools.tickets.get_ticket succeeded " + addr + " namespace default", // held by the workers
			"tools.tickets.get_ticket succeeded " + addr + " namespace default",
			"tools.tickets.get_ticket succeeded " + addr + " namespace default",
			"tools.tickets.get_ticket succeeded ",
		}
		if !slices.Equal(rows, wantRows) {
			t.Errorf("runs list:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(wantRows, "\n"))
		}
		select {
		case err := <-api.slowDone:
			if err != context.Canceled {
				t.Errorf("the slow request ended with %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("cancelling the run did not cancel its request")
		}

		// Ctrl-C while run --temporal waits cancels the run, as for a
		// local run.
		cmd := exec.CommandContext(ctx, bin, "run", "tools.tickets.slow", "--registry", itTemplates, "--temporal", addr, "--task-queue", queue, "--quiet")
		cmd.Env = environ
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the second slow request", func() bool { return api.count("GET /slow") == 2 })
		_ = cmd.Process.Signal(os.Interrupt)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || e.String() != "actuate: run cancelled\n" || o.String() != "" {
			t.Errorf("Ctrl-C: %v, stdout %q, stderr %q; want exit 130 and \"actuate: run cancelled\"", err, o.String(), e.String())
		}
		select {
		case err := <-api.slowDone:
			if err != context.Canceled {
				t.Errorf("the second slow request ended with %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Ctrl-C did not cancel the run's request")
		}
	})

	// Latency: one run at a time, through Temporal and here.
	const rounds = 20
	var viaTemporal, here []time.Duration
	ping, _ := reg.Lookup("tools.tickets.ping")
	opts := engine.Options{Templates: reg, Secrets: engine.StaticSecrets{"tickets": {"TICKETS_TOKEN": itToken}},
		Vars: value.MapOf("tickets", value.MapOf("base_url", api.URL))}
	for i := range rounds {
		start := time.Now()
		res, err := engine.RunTemplate(ctx, ping, value.MapOf("id", i), opts)
		here = append(here, time.Since(start))
		if err != nil || res.Value != fmt.Sprintf("Ticket %d", i) {
			t.Fatalf("local run: %v, %v", res, err)
		}
		start = time.Now()
		out, err := temporal.Wait(ctx, c, submit("tools.tickets.ping", value.MapOf("id", i)))
		viaTemporal = append(viaTemporal, time.Since(start))
		if err != nil || string(out) != fmt.Sprintf(`"Ticket %d"`, i) {
			t.Fatalf("run via Temporal: %s, %v", out, err)
		}
	}
	t.Logf("figures: latency of one one-step run, median of %d: local %s, via Temporal %s (added %s)",
		rounds, median(here), median(viaTemporal), median(viaTemporal)-median(here))

	// Throughput of 200 one-step runs, one worker then two.
	throughput := func(workers int) {
		const n = 200
		start := time.Now()
		var wg sync.WaitGroup
		var failed atomic.Int32
		sem := make(chan struct{}, 50)
		for i := range n {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				out, err := temporal.Wait(ctx, c, submit("tools.tickets.ping", value.MapOf("id", 1000+i)))
				if err != nil || string(out) != fmt.Sprintf(`"Ticket %d"`, 1000+i) {
					failed.Add(1)
					t.Errorf("run %d: %s, %v", i, out, err)
				}
			})
		}
		wg.Wait()
		d := time.Since(start)
		t.Logf("figures: %d one-step runs with %d worker(s): %s, %.1f runs/s", n, workers, d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	throughput(1)
	startWorker("worker B")
	throughput(2)

	// 200 two-step runs; worker A is killed while they run.
	api.setDelay(20 * time.Millisecond)
	const n = 200
	var done atomic.Int32
	results := make([]string, n)
	errs := make([]error, n)
	runIDs := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 40)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			runIDs[i] = submit("tools.tickets.get_ticket", value.MapOf("id", 2000+i))
			out, err := temporal.Wait(ctx, c, runIDs[i])
			results[i], errs[i] = string(out), err
			done.Add(1)
		})
	}
	waitFor(t, "50 runs", func() bool { return done.Load() >= 50 })
	if err := workerA.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := done.Load()
	wg.Wait()
	t.Logf("figures: %d two-step runs, worker A killed after %d had completed: all ended in %s", n, killedAt, time.Since(start).Round(time.Millisecond))
	repeated := 0
	for i := range n {
		want := fmt.Sprintf(`{"id":%d,"title":"Ticket %d","seen_token":"***"}`, 2000+i, 2000+i)
		if errs[i] != nil || results[i] != want {
			t.Errorf("run %d (%s): %s, %v; want %s", i, runIDs[i], results[i], errs[i], want)
		}
		switch k := api.count(fmt.Sprintf("GET /tickets/%d", 2000+i)); {
		case k == 0:
			t.Errorf("run %d never sent its GET", i)
		case k > 1:
			repeated++
		}
	}
	t.Logf("figures: %d runs had their GET sent again by the other worker after the kill (idempotent, so retried)", repeated)
	if killedAt >= n {
		t.Error("worker A was killed after every run had ended: the kill tested nothing")
	}

	// Every run completed exactly once: one execution per id, completed,
	// and its history holds no secret.
	idsMu.Lock()
	all := slices.Clone(ids)
	idsMu.Unlock()
	for _, id := range all {
		checkHistory(t, ctx, c, codec, id)
	}
	t.Logf("checked the histories of %d runs: no secret in any", len(all))
}

// checkHistory checks that the run id ran once and that its history holds
// the secret in no form, in the raw events or in decrypted payloads, and
// no result in plaintext.
func checkHistory(t *testing.T, ctx context.Context, c client.Client, codec *temporal.Codec, id string) {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	forms := []string{itToken, base64.StdEncoding.EncodeToString([]byte(itToken)), base64.StdEncoding.EncodeToString([]byte("Bearer " + itToken))}
	var h historypb.History
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		h.Events = append(h.Events, ev)
	}
	raw, err := proto.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(forms, "Ticket ") {
		if bytes.Contains(raw, []byte(f)) {
			t.Errorf("the history of run %s holds %q in plaintext", id, f)
		}
	}
	starts, ends := 0, 0
	var payloads []*commonpb.Payload
	walkPayloads(h.ProtoReflect().Interface(), func(p *commonpb.Payload) { payloads = append(payloads, p) })
	for _, ev := range h.Events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			starts++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
			ends++
		}
	}
	if starts != 1 || ends != 1 {
		t.Errorf("run %s started %d times and ended %d times, want once each", id, starts, ends)
	}
	dec, err := codec.Decode(payloads)
	if err != nil {
		t.Fatalf("decrypting the payloads of %s: %v", id, err)
	}
	for _, p := range dec {
		for _, f := range forms {
			if bytes.Contains(p.Data, []byte(f)) {
				t.Errorf("a payload of run %s holds the secret once decrypted: %s", id, p.Data)
			}
		}
	}
}

// walkPayloads calls f with every Payload inside m.
func walkPayloads(m proto.Message, f func(*commonpb.Payload)) {
	if p, ok := m.(*commonpb.Payload); ok {
		f(p)
		return
	}
	r := m.ProtoReflect()
	r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := range l.Len() {
				walkPayloads(l.Get(i).Message().Interface(), f)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				walkPayloads(mv.Message().Interface(), f)
				return true
			})
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
			walkPayloads(v.Message().Interface(), f)
		}
		return true
	})
}

// ticketAPI is the API of the integration test: GET /tickets/{id} with
// the token, GET /slow until cancelled.
type ticketAPI struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
	delay    time.Duration
	slowDone chan error
}

func newTicketAPI(t *testing.T) *ticketAPI {
	api := &ticketAPI{requests: map[string]int{}, slowDone: make(chan error, 1)}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.requests[r.Method+" "+r.URL.Path]++
		delay := api.delay
		api.mu.Unlock()
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			api.slowDone <- r.Context().Err()
			return
		}
		id, ok := strings.CutPrefix(r.URL.Path, "/tickets/")
		if !ok || r.Header.Get("Authorization") != "Bearer "+itToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if id == "404" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": %s, "title": "Ticket %s", "token": %q}`, id, id, itToken)
	}))
	t.Cleanup(api.Close)
	return api
}

func (api *ticketAPI) count(key string) int {
	api.mu.Lock()
	defer api.mu.Unlock()
	return api.requests[key]
}

func (api *ticketAPI) setDelay(d time.Duration) {
	api.mu.Lock()
	api.delay = d
	api.mu.Unlock()
}

func newKeyText(t *testing.T) string {
	var b [32]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

func codecFor(t *testing.T, keyText string) *temporal.Codec {
	key, err := secrets.ParseKey(keyText, "test")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := key.Derive(temporal.CodecPurpose)
	if err != nil {
		t.Fatal(err)
	}
	c, err := temporal.NewCodec(sub)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
