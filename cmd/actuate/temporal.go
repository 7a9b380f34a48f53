package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/history"
	"github.com/actuatehq/actuate/engine/temporal"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/secrets"
	"github.com/actuatehq/actuate/template"
)

// temporalFlags are the flags that send work to Temporal.
type temporalFlags struct {
	address     string
	namespace   string
	taskQueue   string
	detach      bool
	stepTimeout time.Duration
}

// addTemporalFlags adds --temporal, --namespace and --task-queue to fs;
// with run, also --detach and --step-timeout.
func addTemporalFlags(fs *flag.FlagSet, forRun bool) *temporalFlags {
	f := &temporalFlags{}
	usage := "the Temporal frontend `HOST:PORT` (default $TEMPORAL_ADDRESS, else " + temporal.DefaultAddress + ")"
	if forRun {
		usage = "send the run to Temporal workers at `HOST:PORT` instead of running it here"
	}
	fs.StringVar(&f.address, "temporal", "", usage)
	fs.StringVar(&f.namespace, "namespace", "", "the Temporal `namespace` (default $TEMPORAL_NAMESPACE, else default)")
	fs.StringVar(&f.taskQueue, "task-queue", temporal.DefaultTaskQueue, "the Temporal task `queue` of the workers")
	if forRun {
		fs.BoolVar(&f.detach, "detach", false, "with --temporal: print the run's workflow id and return without waiting")
		fs.DurationVar(&f.stepTimeout, "step-timeout", temporal.DefaultStepTimeout, "with --temporal: the longest one step may take (an activity timeout)")
	}
	return f
}

// resolve fills the address and namespace from the environment, as the
// Temporal CLI does, when the flags are not given.
func (f *temporalFlags) resolve(e *env) {
	if f.address == "" {
		f.address = e.getenv("TEMPORAL_ADDRESS")
	}
	if f.address == "" {
		f.address = temporal.DefaultAddress
	}
	if f.namespace == "" {
		f.namespace = e.getenv("TEMPORAL_NAMESPACE")
	}
	if f.namespace == "" {
		f.namespace = "default"
	}
}

// payloadCodec returns the codec keyed from the store's key: the key of
// ACTUATE_ENCRYPTION_KEY or the key file of the actuate home folder.
func payloadCodec(e *env) (*temporal.Codec, error) {
	home, err := secrets.Home(e.getenv)
	if err != nil {
		return nil, err
	}
	key, err := secrets.LoadKey(home, e.getenv)
	if err != nil {
		return nil, err
	}
	sub, err := key.Derive(temporal.CodecPurpose)
	if err != nil {
		return nil, err
	}
	return temporal.NewCodec(sub)
}

// dialTemporal connects to Temporal with the store key's codec.
func dialTemporal(ctx context.Context, e *env, f *temporalFlags, logger *slog.Logger) (client.Client, *temporal.Codec, error) {
	codec, err := payloadCodec(e)
	if err != nil {
		return nil, nil, fmt.Errorf("the payload codec needs the store's key: %w", err)
	}
	c, err := temporal.Dial(ctx, temporal.Options{Address: f.address, Namespace: f.namespace, Codec: codec, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	return c, codec, nil
}

// runTemporal sends a run to Temporal workers and, unless detached, waits
// for its result and prints it as a local run does.
func runTemporal(ctx context.Context, e *env, f *runFlags, tf *temporalFlags, target string, tpl *template.Template, reg *template.Registry, inputs *value.Map) int {
	switch {
	case tf.address == "":
		e.errorf("run: --detach sends the run to Temporal: give --temporal HOST:PORT too")
		return exitUsage
	case len(f.secrets) > 0 || f.secretsFile != "":
		e.errorf("run: --secret and --secrets-file cannot be used with --temporal: secrets never travel through Temporal; store them where the workers run with \"actuate secrets set NAME KEY=-\"")
		return exitUsage
	case f.showSecrets:
		e.errorf("run: --show-secrets cannot be used with --temporal: secrets never leave the workers, and results come back masked")
		return exitUsage
	case f.dryRun || f.record != "" || f.replay != "":
		e.errorf("run: --dry-run, --record and --replay run here; they cannot be used with --temporal")
		return exitUsage
	case f.env != "":
		e.errorf("run: --env cannot be used with --temporal: the workers read the environment they were started with (actuate worker --env ENV)")
		return exitUsage
	case f.pythonSet:
		e.errorf("run: --python-sandbox, --python-cpu and --python-memory cannot be used with --temporal: Python steps run on the workers, with the settings they were started with (actuate worker --python-...)")
		return exitUsage
	case tf.stepTimeout <= 0:
		e.errorf("run: --step-timeout must be a positive duration, such as 30s or 10m")
		return exitUsage
	}
	vars, err := collectVars(f)
	if err != nil {
		e.errorf("run: %v", err)
		return exitUsage
	}
	if tpl != nil {
		// Bad inputs are the caller's to fix, before anything is sent.
		if _, err := tpl.ValidateInputs(inputs); err != nil {
			e.errorf("%v", err)
			return exitUsage
		}
	}
	in, err := temporal.NewRunInput(target, tpl, reg, inputs, vars)
	if err != nil {
		e.errorf("run: %v", err)
		return exitUsage
	}
	in.StepTimeout = tf.stepTimeout
	tf.resolve(e)
	c, codec, err := dialTemporal(ctx, e, tf, nil)
	if err != nil {
		e.errorf("run: %v", err)
		return exitFailed
	}
	defer c.Close()
	id := engine.NewRunID(time.Now())
	if err := temporal.Start(ctx, c, tf.taskQueue, id, in); err != nil {
		e.errorf("run: %v", err)
		return exitFailed
	}
	var store *secrets.Store
	if !f.noHistory {
		store = recordSent(ctx, e, tf, id, in, tpl)
	}
	if store != nil {
		defer store.Close()
	}
	if tf.detach {
		fmt.Fprintln(e.stdout, id)
		return exitOK
	}
	if !f.quiet {
		fmt.Fprintf(e.stderr, "run %s sent to Temporal at %s (namespace %s, task queue %s)\n", id, tf.address, tf.namespace, tf.taskQueue)
	}
	stopProgress := watchProgress(ctx, e, f, c, codec, id)
	out, err := temporal.Wait(ctx, c, id)
	if err != nil && ctx.Err() != nil {
		// Interrupted here: the run is cancelled, as a local one would be.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if cerr := temporal.Cancel(cctx, c, id); cerr != nil {
			e.errorf("run: %v", cerr)
		}
		_, err = temporal.Wait(cctx, c, id)
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			err = context.Canceled
		}
	}
	stopProgress()
	if store != nil {
		recordOutcome(ctx, e, store, id, out, err)
	}
	if err != nil {
		return reportTemporalError(e, err)
	}
	writeResultJSON(e, out)
	return exitOK
}

// watchProgress shows the steps of the run id on stderr as a local run
// shows them, read from its history as the workers run them. The returned
// func waits briefly for the lines of the last steps, then stops.
func watchProgress(ctx context.Context, e *env, f *runFlags, c client.Client, codec *temporal.Codec, id string) (stop func()) {
	if f.quiet {
		return func() {}
	}
	progress := newProgress(e.stderr, false, f.logFormat)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = temporal.Watch(wctx, c, codec, id, func(s history.Step) {
			ev := engine.Event{Action: s.Template, Depth: s.Depth, Step: s.Ref, StepAction: s.Action, StatusCode: s.HTTPStatus}
			switch s.Status {
			case history.Running:
				ev.Kind = engine.StepStarted
			case history.Succeeded:
				ev.Kind, ev.Duration = engine.StepSucceeded, s.EndedAt.Sub(s.StartedAt)
			default:
				ev.Kind, ev.Duration, ev.Err = engine.StepFailed, s.EndedAt.Sub(s.StartedAt), s.Error
			}
			progress.event(ev)
		})
	}()
	return func() {
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
		cancel()
		<-done
		progress.finish()
	}
}

// temporalWhere says where runs go: "HOST:PORT namespace NS".
func temporalWhere(f *temporalFlags) string {
	return f.address + " namespace " + f.namespace
}

// recordSent records a run sent to Temporal in the store's run history,
// when the store exists; it returns the store, to record the outcome, or
// nil. A history that cannot be written is a warning.
func recordSent(ctx context.Context, e *env, tf *temporalFlags, id string, in temporal.RunInput, tpl *template.Template) *secrets.Store {
	st, err := openStore(ctx, e, "", false)
	if err != nil || st == nil {
		return nil
	}
	run := &history.Run{ID: id, Action: in.Action, Inputs: in.Inputs, StartedAt: time.Now(), Temporal: temporalWhere(tf)}
	if tpl != nil {
		if abs, err := filepath.Abs(tpl.File); err == nil {
			run.Source = abs
		}
	}
	if err := st.RunStarted(ctx, run); err != nil {
		e.errorf("warning: run history: %v", err)
		st.Close()
		return nil
	}
	return st
}

// recordOutcome records how a run sent to Temporal ended.
func recordOutcome(ctx context.Context, e *env, st *secrets.Store, id string, result []byte, runErr error) {
	out := &history.Outcome{RunID: id, Status: history.Succeeded, EndedAt: time.Now(), Result: result}
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled):
		out.Status, out.Error, out.Result = history.Cancelled, "run cancelled", nil
	default:
		out.Status, out.Error, out.Result = history.Failed, runErr.Error(), nil
	}
	if err := st.RunFinished(context.WithoutCancel(ctx), out); err != nil {
		e.errorf("warning: run history: %v", err)
	}
}

// recordedWhere returns the Temporal flags of where a run was sent, as
// temporalWhere recorded it.
func recordedWhere(where string) *temporalFlags {
	addr, ns, _ := strings.Cut(where, " namespace ")
	return &temporalFlags{address: addr, namespace: ns}
}

// refreshTemporalRun asks Temporal how a run recorded as running is
// doing, records its outcome when it has ended and returns the record to
// show; when Temporal cannot say, it warns and returns the record as is.
func refreshTemporalRun(ctx context.Context, e *env, st *secrets.Store, r *secrets.RunRecord) *secrets.RunRecord {
	tf := recordedWhere(r.Temporal)
	c, codec, err := dialTemporal(ctx, e, tf, nil)
	if err != nil {
		e.errorf("warning: showing the run as last recorded: %v", err)
		return r
	}
	defer c.Close()
	if err := refreshWith(ctx, st, c, codec, tf, r); err != nil {
		e.errorf("warning: showing the run as last recorded: %v", err)
	}
	return r
}

// Bounds of refreshTemporalRuns: the runs it asks about, and the time it
// may take for each place they were sent to.
const (
	maxRefreshed   = 100
	refreshTimeout = 5 * time.Second
)

// refreshTemporalRuns asks Temporal how the runs recorded as running on
// it (the newest maxRefreshed) are doing, and records the outcome of
// those that have ended, so that a listing shows them as they are; runs
// whose Temporal cannot say are left as recorded, with a warning.
func refreshTemporalRuns(ctx context.Context, e *env, st *secrets.Store) {
	running, err := st.ListRuns(ctx, secrets.RunFilter{Status: history.Running, Limit: maxRefreshed})
	if err != nil {
		return // the listing that follows reports it
	}
	byWhere := map[string][]*secrets.RunRecord{}
	for i := range running {
		if r := &running[i]; r.Temporal != "" {
			byWhere[r.Temporal] = append(byWhere[r.Temporal], r)
		}
	}
	for _, where := range slices.Sorted(maps.Keys(byWhere)) {
		func() {
			rctx, cancel := context.WithTimeout(ctx, refreshTimeout)
			defer cancel()
			tf := recordedWhere(where)
			c, codec, err := dialTemporal(rctx, e, tf, nil)
			if err != nil {
				e.errorf("warning: the runs sent to Temporal at %s show as last recorded: %v", where, err)
				return
			}
			defer c.Close()
			for _, r := range byWhere[where] {
				if err := refreshWith(rctx, st, c, codec, tf, r); err != nil {
					e.errorf("warning: run %s shows as last recorded: %v", r.ID, err)
				}
			}
		}()
	}
}

// refreshWith updates r, recorded as running on Temporal, from what c
// says of it, and records its outcome when it has ended.
func refreshWith(ctx context.Context, st *secrets.Store, c client.Client, codec *temporal.Codec, tf *temporalFlags, r *secrets.RunRecord) error {
	now, err := temporalRecord(ctx, c, codec, tf, r.ID)
	if err != nil {
		return err
	}
	if now.Status == history.Running {
		return nil
	}
	out := &history.Outcome{RunID: r.ID, Status: now.Status, EndedAt: now.EndedAt, Result: now.Result, Error: now.Error}
	if err := st.RunFinished(ctx, out); err != nil {
		return fmt.Errorf("run history: %w", err)
	}
	r.Status, r.EndedAt, r.Result, r.Error = now.Status, now.EndedAt, now.Result, now.Error
	return nil
}

// recordedRun returns the run id (or the one run whose id starts so) of
// the run history, nil when the history has no such run or no store.
func recordedRun(ctx context.Context, e *env, id string) (*secrets.RunRecord, error) {
	st, err := openStore(ctx, e, "", false)
	if err != nil || st == nil {
		return nil, err
	}
	defer st.Close()
	r, err := st.GetRun(ctx, id)
	if _, ok := errors.AsType[*secrets.NotFoundError](err); ok {
		return nil, nil
	}
	return r, err
}

// reportTemporalError prints the error of a run on Temporal and returns
// the exit code a local run failing the same way returns.
func reportTemporalError(e *env, err error) int {
	var re *temporal.RunError
	switch {
	case errors.Is(err, context.Canceled):
		e.errorf("run cancelled")
		return 130
	case errors.As(err, &re) && re.Type == temporal.ErrMissingSecrets:
		e.errorf("%v\nstore them in the workers' store with \"actuate secrets set NAME KEY=-\" (run where the workers run, with their ACTUATE_HOME)", err)
		return exitUsage
	case errors.As(err, &re) && re.Usage():
		e.errorf("%v", err)
		return exitUsage
	}
	e.errorf("%v", err)
	return exitFailed
}

// writeResultJSON prints a result, JSON text, indented as run prints it.
func writeResultJSON(e *env, text []byte) {
	var pretty bytes.Buffer
	if json.Indent(&pretty, text, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(text)
	}
	pretty.WriteByte('\n')
	_, _ = e.stdout.Write(pretty.Bytes())
}

// temporalRecord fetches a run from Temporal as a run record: its action
// and inputs from the workflow's input, its status, result or error.
func temporalRecord(ctx context.Context, c client.Client, codec *temporal.Codec, f *temporalFlags, id string) (*secrets.RunRecord, error) {
	st, err := temporal.Describe(ctx, c, id)
	if err != nil {
		return nil, err
	}
	r := &secrets.RunRecord{ID: id, Status: st.Status, StartedAt: st.StartedAt, EndedAt: st.EndedAt, Result: st.Result,
		Temporal: temporalWhere(f)}
	if st.Err != nil {
		r.Error = st.Err.Error()
	}
	if in, steps, err := temporal.Inspect(ctx, c, codec, id); err == nil {
		r.Action, r.Inputs, r.Steps = in.Action, in.Inputs, steps
		for _, s := range in.Templates {
			if t, _ := template.Parse(s.File, []byte(s.Text)); t != nil && t.ID() == in.Action {
				r.Source = s.File
			}
		}
	}
	if r.Status == history.Succeeded && r.Result == nil {
		r.Result = json.RawMessage("null")
	}
	return r, nil
}

// showTemporalRun prints a run as Temporal knows it, as runs show prints
// a local one.
func showTemporalRun(ctx context.Context, e *env, tf *temporalFlags, id string, asJSON bool) int {
	tf.resolve(e)
	c, codec, err := dialTemporal(ctx, e, tf, nil)
	if err != nil {
		e.errorf("runs show: %v", err)
		return exitFailed
	}
	defer c.Close()
	r, err := temporalRecord(ctx, c, codec, tf, id)
	if err != nil {
		e.errorf("runs show: %v", err)
		return exitFailed
	}
	return printRun(e, r, asJSON)
}

// cancelTemporalRun asks Temporal to cancel a run.
func cancelTemporalRun(ctx context.Context, e *env, tf *temporalFlags, id string) int {
	if tf.address == "" || tf.namespace == "" {
		// A run in the history was sent to a Temporal of its own.
		r, err := recordedRun(ctx, e, id)
		switch {
		case err != nil:
			return storeCode(e, "runs cancel", err)
		case r == nil: // not recorded here: Temporal may know it
		case r.Temporal == "" && r.Status == history.Running:
			e.errorf("runs cancel: run %s runs here, not on Temporal: stop it with Ctrl-C where it runs", r.ID)
			return exitFailed
		case r.Status != history.Running:
			e.errorf("runs cancel: run %s has ended already (%s)", r.ID, r.Status)
			return exitFailed
		default:
			id = r.ID
			where := recordedWhere(r.Temporal)
			tf.address = cmp.Or(tf.address, where.address)
			tf.namespace = cmp.Or(tf.namespace, where.namespace)
		}
	}
	tf.resolve(e)
	c, _, err := dialTemporal(ctx, e, tf, nil)
	if err != nil {
		e.errorf("runs cancel: %v", err)
		return exitFailed
	}
	defer c.Close()
	if err := temporal.Cancel(ctx, c, id); err != nil {
		e.errorf("runs cancel: %v", err)
		return exitFailed
	}
	fmt.Fprintf(e.stdout, "run %s: cancellation requested\n", id)
	return exitOK
}
