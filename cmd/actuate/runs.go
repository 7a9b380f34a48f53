package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/actuatehq/actuate/engine/history"
	"github.com/actuatehq/actuate/secrets"
)

func init() {
	commands = append(commands, &command{
		name:    "runs",
		summary: "list and show recorded runs, prune old ones, cancel Temporal ones",
		usage: `  actuate runs list [--json] [--limit N] [--action NAME] [--status STATUS]
  actuate runs show ID [--json] [--temporal HOST:PORT [--namespace NS]]
  actuate runs prune --older-than DURATION
  actuate runs cancel ID [--temporal HOST:PORT] [--namespace NS]`,
		help: `Shows the history of runs. When the store exists (it is created by
"actuate secrets set" or "actuate vars set"; "actuate run" never creates
it), every "actuate run" is recorded in it, unless given --no-history or
--dry-run: the action, its inputs, each step with its status, duration,
HTTP status and error, and the result or error. Secrets are masked (***)
before anything is written.

  actuate runs list --status failed --limit 5
  actuate runs show 01JZ8QF4
  actuate runs prune --older-than 30d

list prints the newest runs first (20 unless --limit says otherwise; 0
for all), optionally only those of one action or in one status: running,
succeeded, failed, cancelled or interrupted. A run whose process ended
without finishing it (a crash, kill -9) shows as interrupted.

show prints one run: its header, its steps, its inputs and result as
JSON. ID may be the start of a run id, if only one run has it.

prune deletes the runs that started longer ago than DURATION (Go
durations such as 12h, or days: 30d), except runs still running.

Runs sent to Temporal workers ("actuate run --temporal") are recorded
too, with their workflow id as their id, and show beside local ones; list
and show ask Temporal how the runs recorded as running are doing (list:
the newest 100 of them) and record how those that ended did. show
--temporal HOST:PORT shows any run of Temporal by its workflow id,
recorded here or not: its action, inputs, status, and result or error
once it has ended.

cancel cancels a run sent to Temporal workers: its step in flight is
cancelled and the run ends as cancelled. A run of the history is
cancelled on the Temporal it was sent to; for another, --temporal
defaults to $TEMPORAL_ADDRESS, else 127.0.0.1:7233, and --namespace to
$TEMPORAL_NAMESPACE, else "default". A local run is cancelled with Ctrl-C.

Exit status: 0 success, 1 no such run or the store failed, 2 bad usage or
a store that cannot be opened.
`,
		run: runRuns,
	})
}

type runsFlags struct {
	json      bool
	limit     int
	action    string
	status    string
	olderThan string
}

func runRuns(ctx context.Context, e *env, args []string) int {
	c := lookupCommand("runs")
	fs := newFlags(c)
	var f runsFlags
	fs.BoolVar(&f.json, "json", false, "list, show: print JSON")
	fs.IntVar(&f.limit, "limit", 20, "list: show at most `N` runs, the newest; 0 for all")
	fs.StringVar(&f.action, "action", "", "list: only the runs of the action `NAME`")
	fs.StringVar(&f.status, "status", "", "list: only the runs in `STATUS` (running, succeeded, failed, cancelled, interrupted)")
	fs.StringVar(&f.olderThan, "older-than", "", "prune: delete the runs that started more than `DURATION` ago (e.g. 30d, 12h)")
	tf := addTemporalFlags(fs, false)
	rest, code := parseFlags(c, e, fs, args)
	if code >= 0 {
		return code
	}
	if len(rest) == 0 {
		e.errorf("runs: say list, show, prune or cancel; run \"actuate runs --help\" for usage")
		return exitUsage
	}
	sub, rest := rest[0], rest[1:]
	var err error
	switch sub {
	case "list":
		err = checkFlags(c, fs, sub, "json", "limit", "action", "status")
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("runs list: unexpected arguments %s", strings.Join(rest, " "))
		}
		if err == nil && f.status != "" && !history.Status(f.status).Valid() {
			err = fmt.Errorf("runs list: --status %s: use running, succeeded, failed, cancelled or interrupted", f.status)
		}
		if err == nil && f.limit < 0 {
			err = fmt.Errorf("runs list: --limit must be 0 or more")
		}
	case "show", "cancel":
		allowed := []string{"json", "temporal", "namespace"}
		if sub == "cancel" {
			allowed = []string{"temporal", "namespace"}
		}
		err = checkFlags(c, fs, sub, allowed...)
		if err == nil && len(rest) != 1 {
			err = fmt.Errorf("runs %s: give one run id", sub)
		}
		if err == nil && sub == "show" && tf.namespace != "" && tf.address == "" {
			err = errors.New("runs show: --namespace goes with --temporal HOST:PORT, which shows the run as Temporal knows it; without it, the run history is shown")
		}
	case "prune":
		err = checkFlags(c, fs, sub, "older-than")
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("runs prune: unexpected arguments %s", strings.Join(rest, " "))
		}
		if err == nil && f.olderThan == "" {
			err = errors.New("runs prune: say which runs with --older-than DURATION, e.g. --older-than 30d")
		}
	default:
		e.errorf("runs: unknown subcommand %q; use list, show, prune or cancel", sub)
		return exitUsage
	}
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	switch sub {
	case "cancel":
		return cancelTemporalRun(ctx, e, tf, rest[0])
	case "prune":
		age, err := parseAge(f.olderThan)
		if err != nil {
			e.errorf("runs prune: --older-than %s: %v", f.olderThan, err)
			return exitUsage
		}
		return pruneRuns(ctx, e, age, f.olderThan)
	case "show":
		if tf.address != "" {
			return showTemporalRun(ctx, e, tf, rest[0], f.json)
		}
		return showRun(ctx, e, rest[0], f.json)
	}
	return listRuns(ctx, e, &f)
}

// parseAge parses a Go duration, or a number of days with d ("30d",
// "1d12h").
func parseAge(s string) (time.Duration, error) {
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, errors.New("use a duration such as 30d, 12h or 1d12h")
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	var d time.Duration
	if s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 {
			return 0, errors.New("use a duration such as 30d, 12h or 1d12h")
		}
	}
	return days + d, nil
}

func pruneRuns(ctx context.Context, e *env, age time.Duration, text string) int {
	st, err := openStore(ctx, e, "", false)
	if err != nil {
		return storeCode(e, "runs prune", err)
	}
	n := 0
	if st != nil {
		defer st.Close()
		if n, err = st.PruneRuns(ctx, age); err != nil {
			return storeCode(e, "runs prune", err)
		}
	}
	fmt.Fprintf(e.stdout, "deleted %d %s older than %s\n", n, plural(n, "run", "runs"), text)
	return exitOK
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// runJSON is a run as runs list --json and runs show --json print it.
type runJSON struct {
	ID         string          `json:"id"`
	Action     string          `json:"action"`
	Source     string          `json:"source,omitempty"`
	Status     string          `json:"status"`
	StartedAt  string          `json:"started_at"`
	EndedAt    string          `json:"ended_at,omitempty"`
	DurationMS *int64          `json:"duration_ms,omitempty"`
	Inputs     json.RawMessage `json:"inputs,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      string          `json:"error,omitempty"`
	PID        int             `json:"pid,omitempty"`
	Host       string          `json:"host,omitempty"`
	Temporal   string          `json:"temporal,omitempty"`
	Steps      []stepJSON      `json:"steps,omitempty"`
}

type stepJSON struct {
	Position   int    `json:"position"`
	Depth      int    `json:"depth"`
	Template   string `json:"template"`
	Ref        string `json:"ref"`
	Action     string `json:"action"`
	Status     string `json:"status"`
	StartedAt  string `json:"started_at"`
	EndedAt    string `json:"ended_at,omitempty"`
	DurationMS *int64 `json:"duration_ms,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Error      string `json:"error,omitempty"`
}

func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func durationMS(start, end time.Time) *int64 {
	if end.IsZero() {
		return nil
	}
	ms := end.Sub(start).Milliseconds()
	return &ms
}

func toRunJSON(r *secrets.RunRecord) runJSON {
	out := runJSON{ID: r.ID, Action: r.Action, Source: r.Source, Status: string(r.Status),
		StartedAt: jsonTime(r.StartedAt), EndedAt: jsonTime(r.EndedAt), DurationMS: durationMS(r.StartedAt, r.EndedAt),
		Inputs: r.Inputs, Result: r.Result, Error: r.Error, PID: r.PID, Host: r.Host, Temporal: r.Temporal}
	for _, s := range r.Steps {
		out.Steps = append(out.Steps, stepJSON{Position: s.Position, Depth: s.Depth, Template: s.Template, Ref: s.Ref,
			Action: s.Action, Status: string(s.Status), StartedAt: jsonTime(s.StartedAt), EndedAt: jsonTime(s.EndedAt),
			DurationMS: durationMS(s.StartedAt, s.EndedAt), HTTPStatus: s.HTTPStatus, Error: s.Error})
	}
	return out
}

// showTime is a time as the tables show it: local, to the second.
func showTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func showDuration(start, end time.Time) string {
	if end.IsZero() {
		return "-"
	}
	return end.Sub(start).Round(time.Millisecond).String()
}

func listRuns(ctx context.Context, e *env, f *runsFlags) int {
	st, err := openStore(ctx, e, "", false)
	if err != nil {
		return storeCode(e, "runs list", err)
	}
	var list []secrets.RunRecord
	if st != nil {
		defer st.Close()
		if f.status == "" || f.status == string(history.Running) {
			// Only runs recorded as running may have changed.
			refreshTemporalRuns(ctx, e, st)
		}
		list, err = st.ListRuns(ctx, secrets.RunFilter{Action: f.action, Status: history.Status(f.status), Limit: f.limit})
		if err != nil {
			return storeCode(e, "runs list", err)
		}
	}
	if f.json {
		rows := []runJSON{}
		for i := range list {
			r := toRunJSON(&list[i])
			r.Inputs, r.Result = nil, nil
			rows = append(rows, r)
		}
		writeJSON(e.stdout, rows)
		return exitOK
	}
	if len(list) == 0 {
		if st == nil {
			e.errorf("no runs recorded: run history is kept in the store, which does not exist yet (actuate secrets set or actuate vars set creates it)")
		} else {
			e.errorf("no runs recorded")
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACTION\tSTATUS\tSTARTED\tDURATION")
	for _, r := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Action, r.Status, showTime(r.StartedAt), showDuration(r.StartedAt, r.EndedAt))
	}
	_ = tw.Flush()
	return exitOK
}

func showRun(ctx context.Context, e *env, id string, asJSON bool) int {
	st, err := openStore(ctx, e, "", false)
	if err != nil {
		return storeCode(e, "runs show", err)
	}
	if st == nil {
		return storeCode(e, "runs show", &secrets.NotFoundError{Kind: "run", Name: id})
	}
	defer st.Close()
	r, err := st.GetRun(ctx, id)
	if err != nil {
		return storeCode(e, "runs show", err)
	}
	if r.Temporal != "" && r.Status == history.Running {
		r = refreshTemporalRun(ctx, e, st, r)
	}
	return printRun(e, r, asJSON)
}

// printRun prints a run record as runs show does.
func printRun(e *env, r *secrets.RunRecord, asJSON bool) int {
	if asJSON {
		writeJSON(e.stdout, toRunJSON(r))
		return exitOK
	}
	w := e.stdout
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "run:\t%s\n", r.ID)
	fmt.Fprintf(tw, "action:\t%s\n", r.Action)
	if r.Source != "" {
		fmt.Fprintf(tw, "source:\t%s\n", r.Source)
	}
	fmt.Fprintf(tw, "status:\t%s\n", r.Status)
	fmt.Fprintf(tw, "started:\t%s\n", showTime(r.StartedAt))
	fmt.Fprintf(tw, "ended:\t%s\n", showTime(r.EndedAt))
	fmt.Fprintf(tw, "duration:\t%s\n", showDuration(r.StartedAt, r.EndedAt))
	if r.Temporal != "" {
		fmt.Fprintf(tw, "on:\tTemporal %s, workflow %s\n", r.Temporal, r.ID)
	} else {
		fmt.Fprintf(tw, "process:\t%d on %s\n", r.PID, r.Host)
	}
	_ = tw.Flush()
	if r.Error != "" {
		fmt.Fprintf(w, "error:    %s\n", strings.ReplaceAll(strings.TrimRight(r.Error, "\n"), "\n", "\n          "))
	}
	fmt.Fprintln(w, "inputs:")
	fmt.Fprintln(w, indentJSON(r.Inputs))
	if len(r.Steps) == 0 {
		fmt.Fprintln(w, "steps: none")
	} else {
		fmt.Fprintln(w, "steps:")
		// Columns by hand: an error may take several lines, shown
		// under its step.
		rows := make([][4]string, len(r.Steps))
		var width [4]int
		for i, st := range r.Steps {
			code := ""
			if st.HTTPStatus != 0 {
				code = fmt.Sprintf("HTTP %d", st.HTTPStatus)
			}
			rows[i] = [4]string{fmt.Sprintf("%d  %s%s (%s)", st.Position, strings.Repeat("  ", st.Depth), st.Ref, st.Action),
				string(st.Status), showDuration(st.StartedAt, st.EndedAt), code}
			for j, c := range rows[i] {
				width[j] = max(width[j], len(c))
			}
		}
		for i, st := range r.Steps {
			var line strings.Builder
			for j, c := range rows[i] {
				fmt.Fprintf(&line, "%-*s  ", width[j], c)
			}
			fmt.Fprintf(w, "  %s\n", strings.TrimRight(line.String(), " "))
			if st.Error != "" {
				fmt.Fprintf(w, "     error: %s\n", strings.ReplaceAll(strings.TrimRight(st.Error, "\n"), "\n", "\n       "))
			}
		}
	}
	if r.Result != nil {
		fmt.Fprintln(w, "result:")
		fmt.Fprintln(w, indentJSON(r.Result))
	}
	return exitOK
}

// indentJSON returns JSON text indented by two spaces.
func indentJSON(b json.RawMessage) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "  ", "  ") != nil {
		return "  " + string(b)
	}
	return "  " + out.String()
}
