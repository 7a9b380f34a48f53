package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

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
templates a run names but does not carry (such a run's steps run in one
activity, within one step timeout). Everything that travels (inputs,
results, errors) is encrypted with a key derived from the store's key:
clients and workers must share it (ACTUATE_ENCRYPTION_KEY or the same key
file). See "actuate codec-server" to read the payloads in the Temporal UI.

--temporal defaults to $TEMPORAL_ADDRESS, else 127.0.0.1:7233; --namespace
to $TEMPORAL_NAMESPACE, else "default". --concurrency bounds the steps run
at once (default: the SDK's, 1000). One line per step goes to standard
error unless --quiet. SIGINT or SIGTERM stops the worker; its steps in
flight are handed to other workers.

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
	if !quiet {
		acts.Events = workerProgress(e)
	}
	client, _, err := dialTemporal(ctx, e, tf, slog.New(quietSteps{logger.Handler()}))
	if err != nil {
		e.errorf("worker: %v", err)
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

// workerProgress prints one line per finished step, secrets masked.
func workerProgress(e *env) func(engine.Event) {
	return func(ev engine.Event) {
		switch ev.Kind {
		case engine.StepSucceeded, engine.StepFailed:
			mark := "ok  "
			if ev.Kind == engine.StepFailed {
				mark = "FAIL"
			}
			line := fmt.Sprintf("%s %s %s (%s) %s", mark, ev.Action, ev.Step, ev.StepAction, ev.Duration.Round(1e6))
			if ev.StatusCode != 0 {
				line += fmt.Sprintf(" HTTP %d", ev.StatusCode)
			}
			fmt.Fprintln(e.stderr, line)
		}
	}
}

// quietSteps drops the SDK's record of each failed activity: the worker
// prints the step's failure itself (a FAIL line), and the SDK's repeats
// it with Temporal's ids.
type quietSteps struct{ slog.Handler }

func (q quietSteps) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "Activity error") {
		return nil
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietSteps) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietSteps{q.Handler.WithAttrs(attrs)}
}

func (q quietSteps) WithGroup(name string) slog.Handler {
	return quietSteps{q.Handler.WithGroup(name)}
}
