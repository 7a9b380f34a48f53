package secrets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/actuatehq/actuate/engine/history"
)

// Run history. The store keeps every run recorded through it (it is a
// [history.Recorder]) in the tables runs and run_steps. The engine hands it
// values already redacted, so no secret is written here in clear; inputs
// and results are plain JSON.
//
// A run is written as "running" with the process id and host name of its
// process, and updated when it ends. A run that stays "running" after its
// process is gone (a crash, kill -9) is reported as [history.Interrupted],
// and updated as such, by the reads ([Store.ListRuns], [Store.GetRun]) and
// [Store.PruneRuns] of any process on the same host. A run from another
// host cannot be checked and stays "running" until that host reads it.

// RunRecord is a recorded run.
type RunRecord struct {
	ID     string
	Action string
	Source string // the template file, "" for a Go action
	Status history.Status
	// StartedAt is when the run started; EndedAt when it ended, zero
	// while it runs or when it was interrupted.
	StartedAt time.Time
	EndedAt   time.Time
	// Inputs and Result are JSON, redacted; Result is nil unless the run
	// succeeded.
	Inputs json.RawMessage
	Result json.RawMessage
	// Error is why the run failed, redacted.
	Error string
	// PID and Host are the process that ran it, or that sent it to
	// Temporal.
	PID  int
	Host string
	// Temporal is where a run sent to Temporal workers runs ("HOST:PORT
	// namespace NS"; its ID is its workflow id), "" for a local run. Such
	// a run is never marked interrupted: it outlives the process that
	// sent it.
	Temporal string
	// Steps are the run's steps in the order they started ([Store.GetRun]
	// only).
	Steps []history.Step
}

// Duration returns how long the run took, or 0 when it has not ended.
func (r *RunRecord) Duration() time.Duration {
	if r.EndedAt.IsZero() {
		return 0
	}
	return r.EndedAt.Sub(r.StartedAt)
}

// RunFilter selects runs for [Store.ListRuns]. The zero value selects
// every run.
type RunFilter struct {
	Action string         // only runs of this action
	Status history.Status // only runs in this status
	Limit  int            // at most this many, the newest; 0 means no limit
}

// Recorder methods: *Store is a [history.Recorder].
var _ history.Recorder = (*Store)(nil)

var (
	hostOnce sync.Once
	hostName string
)

func thisHost() string {
	hostOnce.Do(func() {
		hostName, _ = os.Hostname()
	})
	return hostName
}

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func jsonOr(b json.RawMessage, def string) string {
	if len(b) == 0 {
		return def
	}
	return string(b)
}

// RunStarted records a run as running in this process. It implements
// [history.Recorder].
func (s *Store) RunStarted(ctx context.Context, run *history.Run) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO runs (id, action, source, status, started_at, inputs, pid, host, temporal)
VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
		run.ID, run.Action, run.Source, formatTime(run.StartedAt), jsonOr(run.Inputs, "{}"), os.Getpid(), thisHost(), run.Temporal)
	if err != nil {
		return fmt.Errorf("recording run %s: %w", run.ID, err)
	}
	return nil
}

// StepStarted records a step as running. It implements
// [history.Recorder].
func (s *Store) StepStarted(ctx context.Context, st *history.Step) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO run_steps (run_id, position, depth, template, ref, action, status, started_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		st.RunID, st.Position, st.Depth, st.Template, st.Ref, st.Action, string(st.Status), formatTime(st.StartedAt))
	if err != nil {
		return fmt.Errorf("recording step %s of run %s: %w", st.Ref, st.RunID, err)
	}
	return nil
}

// StepFinished records the end of a step, adding it when StepStarted did
// not. It implements [history.Recorder].
func (s *Store) StepFinished(ctx context.Context, st *history.Step) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO run_steps (run_id, position, depth, template, ref, action, status, started_at, ended_at, http_status, error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (run_id, position) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at,
	http_status = excluded.http_status, error = excluded.error`,
		st.RunID, st.Position, st.Depth, st.Template, st.Ref, st.Action, string(st.Status), formatTime(st.StartedAt),
		nullTime(st.EndedAt), nullInt(st.HTTPStatus), st.Error)
	if err != nil {
		return fmt.Errorf("recording step %s of run %s: %w", st.Ref, st.RunID, err)
	}
	return nil
}

// RunFinished records the end of a run, and gives any of its steps still
// marked running the run's status. It implements [history.Recorder].
func (s *Store) RunFinished(ctx context.Context, out *history.Outcome) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var result any
		if len(out.Result) > 0 {
			result = string(out.Result)
		}
		res, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, ended_at = ?, result = ?, error = ? WHERE id = ?`,
			string(out.Status), formatTime(out.EndedAt), result, out.Error, out.RunID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errors.New("no such run (pruned?)")
		}
		_, err = tx.ExecContext(ctx, `UPDATE run_steps SET status = ?, ended_at = ? WHERE run_id = ? AND status = 'running'`,
			string(out.Status), formatTime(out.EndedAt), out.RunID)
		return err
	})
	if err != nil {
		return fmt.Errorf("recording the end of run %s: %w", out.RunID, err)
	}
	return nil
}

func (s *Store) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// markInterrupted marks as interrupted the runs left running by processes
// of this host that no longer exist, and their running steps.
func (s *Store) markInterrupted(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, pid, started_at FROM runs WHERE status = 'running' AND host = ? AND temporal = ''`, thisHost())
	if err != nil {
		return err
	}
	var gone []string
	for rows.Next() {
		var id, started string
		var pid int
		if err := rows.Scan(&id, &pid, &started); err != nil {
			rows.Close()
			return err
		}
		if !runProcessAlive(pid, parseTime(started)) {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(gone) == 0 {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range gone {
			// Still running: the process cannot have finished it since.
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'`, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE run_steps SET status = 'interrupted' WHERE run_id = ? AND status = 'running'`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// runProcessAlive reports whether the process pid of this host that
// started a run at started still runs: a process of that pid that
// started after the run (the pid was given again, after a reboot say)
// is another. startSlack allows for the clock's ticks.
func runProcessAlive(pid int, started time.Time) bool {
	if !processAlive(pid) {
		return false
	}
	if pid == os.Getpid() || started.IsZero() {
		return true
	}
	if at, ok := processStart(pid); ok && at.After(started.Add(startSlack)) {
		return false
	}
	return true
}

// startSlack is how much later than a run a process may seem to have
// started and still be the one that started it: /proc counts in
// hundredths of a second from a boot time rounded to the second.
const startSlack = 2 * time.Second

// processAlive reports whether process pid of this host exists. When it
// cannot tell (another user's process, a system without signal 0), it
// says yes, so a live run is never marked interrupted. runProcessAlive
// also tells a pid given again to a newer process.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || !(errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH))
}

const runColumns = `id, action, source, status, started_at, ended_at, inputs, result, error, pid, host, temporal`

func scanRun(sc scanner) (*RunRecord, error) {
	var r RunRecord
	var status, started string
	var ended, result sql.NullString
	var inputs string
	if err := sc.Scan(&r.ID, &r.Action, &r.Source, &status, &started, &ended, &inputs, &result, &r.Error, &r.PID, &r.Host, &r.Temporal); err != nil {
		return nil, err
	}
	r.Status = history.Status(status)
	r.StartedAt = parseTime(started)
	if ended.Valid {
		r.EndedAt = parseTime(ended.String)
	}
	r.Inputs = json.RawMessage(inputs)
	if result.Valid {
		r.Result = json.RawMessage(result.String)
	}
	return &r, nil
}

// ListRuns returns the runs f selects, newest first, without their steps.
// Runs of this host whose process is gone are reported, and updated, as
// interrupted.
func (s *Store) ListRuns(ctx context.Context, f RunFilter) ([]RunRecord, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, invalidf("invalid run status %q: use running, succeeded, failed, cancelled or interrupted", f.Status)
	}
	if err := s.markInterrupted(ctx); err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	q := `SELECT ` + runColumns + ` FROM runs`
	var where []string
	var args []any
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY started_at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	defer rows.Close()
	var out []RunRecord
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("listing runs: %w", err)
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	return out, nil
}

// GetRun returns the run id names, with its steps. id may be the start of
// a run id, if it names one run only. The error is a [*NotFoundError] when
// no run matches.
func (s *Store) GetRun(ctx context.Context, id string) (*RunRecord, error) {
	if err := s.markInterrupted(ctx); err != nil {
		return nil, fmt.Errorf("reading run %s: %w", id, err)
	}
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows) && id != "":
		r, err = s.runByPrefix(ctx, id)
	case errors.Is(err, sql.ErrNoRows):
		err = &NotFoundError{Kind: "run", Name: id}
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT position, depth, template, ref, action, status, started_at, ended_at, http_status, error
FROM run_steps WHERE run_id = ? ORDER BY position`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("reading run %s: %w", r.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		st := history.Step{RunID: r.ID}
		var status, started string
		var ended sql.NullString
		var code sql.NullInt64
		if err := rows.Scan(&st.Position, &st.Depth, &st.Template, &st.Ref, &st.Action, &status, &started, &ended, &code, &st.Error); err != nil {
			return nil, fmt.Errorf("reading run %s: %w", r.ID, err)
		}
		st.Status = history.Status(status)
		st.StartedAt = parseTime(started)
		if ended.Valid {
			st.EndedAt = parseTime(ended.String)
		}
		st.HTTPStatus = int(code.Int64)
		r.Steps = append(r.Steps, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading run %s: %w", r.ID, err)
	}
	return r, nil
}

// runByPrefix finds the one run whose id starts with prefix.
func (s *Store) runByPrefix(ctx context.Context, prefix string) (*RunRecord, error) {
	// instr, not LIKE (whose % and _ are wildcards), nor substr with
	// len(prefix), which counts bytes where substr counts characters.
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE instr(id, ?) = 1 ORDER BY id LIMIT 2`, prefix)
	if err != nil {
		return nil, fmt.Errorf("reading run %s: %w", prefix, err)
	}
	defer rows.Close()
	var found []*RunRecord
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("reading run %s: %w", prefix, err)
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading run %s: %w", prefix, err)
	}
	switch len(found) {
	case 0:
		return nil, &NotFoundError{Kind: "run", Name: prefix}
	case 1:
		return found[0], nil
	}
	return nil, invalidf("run id %s is ambiguous: it starts %s and %s; give more of it", prefix, found[0].ID, found[1].ID)
}

// PruneRuns deletes the runs that started more than olderThan ago, with
// their steps, and returns how many it deleted. Runs still running are
// kept (after those of this host whose process is gone are marked
// interrupted).
func (s *Store) PruneRuns(ctx context.Context, olderThan time.Duration) (int, error) {
	if olderThan < 0 {
		return 0, invalidf("invalid age %s: give a positive duration", olderThan)
	}
	if err := s.markInterrupted(ctx); err != nil {
		return 0, fmt.Errorf("pruning runs: %w", err)
	}
	cutoff := formatTime(time.Now().Add(-olderThan))
	res, err := s.db.ExecContext(ctx, `DELETE FROM runs WHERE started_at < ? AND status != 'running'`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("pruning runs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("pruning runs: %w", err)
	}
	return int(n), nil
}
