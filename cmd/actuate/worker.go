package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/temporal"
	"github.com/actuatehq/actuate/expr/value"
)

func init() {
	commands = append(commands, &command{
		name:    "worker",
		summary: "run template runs sent through Temporal (actuate run --temporal)",
		usage: `  actuate worker [--temporal HOST:PORT] [--namespace NS] [--task-queue Q]
                 [--registry DIR]... [--concurrency N] [--env ENV] [--quiet]
                 [--python-sandbox on|off] [--python-cpu TIME] [--python-memory SIZE]`,
		help: `Runs a Temporal worker: it polls the task queue (--task-queue, default
"actuate") for runs sent with "actuate run --temporal" and runs them, each
template as a workflow and each step as an activity. Start as many workers,
on as many machines, as the load needs; they share the task queue. A worker
that dies mid-run loses nothing: another carries on from the last step
that completed. A step whose attempt was lost with its worker is run again
only when that is safe: idempotent HTTP methods (GET, HEAD, OPTIONS, PUT,
DELETE) and transforms; POST, PATCH, Python steps and nested templates only
when the step sets retries: N.

  temporal server start-dev --headless
  actuate worker --registry templates &
  actuate run tools.okta.get_user --registry templates --temporal 127.0.0.1:7233 -i user_id=00u1

The worker reads secrets, OAuth integrations (refreshing tokens before each
step) and variables from its own store (ACTUATE_HOME), of environment ENV
(--env, default "default"); secrets never travel through Temporal. Runs
carry their templates; --registry folders (and ACTUATE_REGISTRY) supply
templates a run names but does not carry: a worker sends such a template
to the run, which carries it from then on, so its steps run one activity
each, on any worker. Everything that travels (inputs,
results, errors) is encrypted with a key derived from the store's key:
clients and workers must share it (ACTUATE_ENCRYPTION_KEY or the same key
file). See "actuate codec-server" to read the payloads in the Temporal UI.

--temporal defaults to $TEMPORAL_ADDRESS, else 127.0.0.1:7233; --namespace
to $TEMPORAL_NAMESPACE, else "default". --concurrency bounds the steps run
at once (default: the SDK's, 1000). Unless --quiet, each finished step
gets a line on standard error. Each failed step, including one that
fails before it runs (a secret missing from the worker's store, a step
not run again after its worker was lost, variables that do not read),
gets a "FAIL run ID: why" line, even with --quiet. SIGINT or
SIGTERM stops the worker; its steps in flight are handed to other
workers.

Exit status: 0 stopped by a signal, 1 Temporal cannot be reached (it may
be down for a while: restart the worker), 2 bad usage or settings.

` + pythonHelp + ` They are the worker's settings, for every run it takes.
`,
		run: runWorker,
	})
}

func runWorker(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("worker")
	fs := newFlags(c)
	tf := addTemporalFlags(fs, false)
	var registry listFlag
	var envName string
	var concurrency int
	var quiet bool
	fs.Var(&registry, "registry", "a `folder` of templates (repeatable)")
	fs.IntVar(&concurrency, "concurrency", 0, "run at most `N` steps at once (0: the SDK's default)")
	fs.StringVar(&envName, "env", "", "the `environment` of the stored secrets and variables (default \"default\")")
	fs.BoolVar(&quiet, "quiet", false, "print no line per step")
	var python pythonFlags
	python.register(fs, e)
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(rest) > 0 {
		e.errorf("worker: unexpected arguments %s; run \"actuate worker --help\" for usage", strings.Join(rest, " "))
		return exitUsage
	}
	if concurrency < 0 {
		e.errorf("worker: --concurrency must be 0 or more")
		return exitUsage
	}
	tf.resolve(e)
	pyActions, err := python.registry()
	if err != nil {
		e.errorf("worker: %v", err)
		return exitUsage
	}
	templates := loadRegistry(e, registryPaths(e, registry))
	acts := &temporal.Activities{Templates: templates, Actions: pyActions}
	secretSrc, _, store, err := storeSources(ctx, e, envName, engine.StaticSecrets{}, value.NewMap(0))
	if err != nil {
		e.errorf("worker: %v", err)
		return exitUsage
	}
	if store != nil {
		defer store.Close()
		acts.Secrets = secretSrc
		acts.Vars = func(ctx context.Context) (*value.Map, error) { return store.Vars(ctx, envName) }
	} else {
		e.errorf("note: no store in the actuate home folder: runs get no secrets and no variables (\"actuate secrets set\" creates it)")
	}
	logger := slog.New(&humanHandler{w: e.stderr, level: slog.LevelWarn})
	acts.Logger = logger
	wl := &workerLog{w: e.stderr, quiet: quiet}
	acts.Events = wl.event
	client, _, err := dialTemporal(ctx, e, tf, slog.New(sdkHandler{logger.Handler(), wl}))
	if err != nil {
		e.errorf("worker: %v", err)
		// A server that cannot be reached may be down for a while: a
		// failure, which a supervisor restarts; no key is a usage error.
		if errors.As(err, new(*temporal.UnreachableError)) {
			return exitFailed
		}
		return exitUsage
	}
	defer client.Close()
	w := temporal.NewWorker(client, tf.taskQueue, acts, concurrency)
	if err := w.Start(); err != nil {
		e.errorf("worker: %v", err)
		return exitFailed
	}
	fmt.Fprintf(e.stderr, "worker: polling task queue %s of Temporal at %s (namespace %s); %d templates loaded\n",
		tf.taskQueue, tf.address, tf.namespace, templates.Len())
	<-ctx.Done()
	w.Stop()
	fmt.Fprintln(e.stderr, "worker: stopped")
	return exitOK
}

// workerLog writes what a worker says of its runs on its standard error:
// a line per finished step (unless quiet), and a line per failed activity
// saying why, which covers the failures before a step ran too (a secret
// missing from the worker's store, arguments that do not evaluate). Every
// text it writes is masked by the engine: events are masked, and so are
// the errors of the activities.
type workerLog struct {
	w     io.Writer
	quiet bool
}

// event is the worker's [engine.Options.Events]: a line per finished step.
// Why a step failed is said by its activity's line.
func (l *workerLog) event(ev engine.Event) {
	switch ev.Kind {
	case engine.StepSucceeded, engine.StepFailed:
	default:
		return
	}
	if l.quiet {
		return
	}
	mark := "ok  "
	if ev.Kind == engine.StepFailed {
		mark = "FAIL"
	}
	line := fmt.Sprintf("%s %s %s (%s) %s", mark, ev.Action, ev.Step, ev.StepAction, ev.Duration.Round(time.Millisecond))
	if ev.StatusCode != 0 {
		line += fmt.Sprintf(" HTTP %d", ev.StatusCode)
	}
	l.writeLine(line)
}

// activityFailed reports the failure of an activity of the run id, even
// when quiet.
func (l *workerLog) activityFailed(id string, err error) {
	var app *sdktemporal.ApplicationError
	msg := err.Error()
	switch {
	case errors.As(err, &app):
		msg = app.Message()
	case errors.Is(err, context.Canceled) || sdktemporal.IsCanceledError(err):
		// The run was cancelled, or the worker is stopping: no failure.
		return
	}
	line := "FAIL run " + id + ": " + msg
	if id == "" {
		line = "FAIL run: " + msg
	}
	l.writeLine(line)
}

// writeLine writes line in one write, its lines after the first (a
// multi-line error's) indented.
func (l *workerLog) writeLine(line string) {
	var b strings.Builder
	for i, s := range strings.Split(line, "\n") {
		if i > 0 {
			b.WriteByte('\n')
			if s != "" {
				b.WriteString("  ")
			}
		}
		b.WriteString(s)
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(l.w, b.String())
}

// sdkActivityError starts the message of the record the Temporal SDK logs
// when an activity returns an error: "Activity error." (go.temporal.io/sdk
// internal/internal_task_handlers.go, with the attributes WorkflowID and
// Error), which TestWorkerFailureLines sees the SDK log.
const sdkActivityError = "Activity error"

// sdkHandler handles the SDK's log records: an activity's failure becomes
// the worker's line for it rather than the SDK's record (with Temporal's
// ids); other records pass.
type sdkHandler struct {
	slog.Handler
	log *workerLog
}

func (h sdkHandler) Handle(ctx context.Context, r slog.Record) error {
	if !strings.HasPrefix(r.Message, sdkActivityError) {
		return h.Handler.Handle(ctx, r)
	}
	var id string
	var err error
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "WorkflowID":
			id = a.Value.String()
		case "Error":
			err, _ = a.Value.Any().(error)
		}
		return true
	})
	if err == nil {
		// Not the record it was: better the SDK's than nothing.
		return h.Handler.Handle(ctx, r)
	}
	h.log.activityFailed(id, err)
	return nil
}

func (h sdkHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return sdkHandler{h.Handler.WithAttrs(attrs), h.log}
}

func (h sdkHandler) WithGroup(name string) slog.Handler {
	return sdkHandler{h.Handler.WithGroup(name), h.log}
}
