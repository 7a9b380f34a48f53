package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/engine/history"
	"github.com/actuatehq/actuate/secrets"
)

// runs cancel and runs list reach a run of the history on the Temporal it
// was sent to, not the default one; a run that ran here, or has ended, is
// not sent a cancellation.
func TestRunsReachTheRecordedTemporal(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	vars := map[string]string{"ACTUATE_HOME": home}
	actuate := func(args ...string) (code int, stdout, stderr string) {
		var o, e bytes.Buffer
		code = run(t.Context(), args, &env{stdout: &o, stderr: &e, getenv: func(k string) string { return vars[k] }})
		return code, o.String(), e.String()
	}
	if code, _, stderr := actuate("vars", "set", "x", "a=b"); code != 0 {
		t.Fatalf("vars set: %s", stderr)
	}
	key, err := secrets.LoadKey(home, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	st, err := secrets.Open(t.Context(), home+"/"+secrets.FileName, key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, r := range []*history.Run{
		{ID: "01TEMPORAL0000000000000000", Action: "tools.t.far", StartedAt: now, Temporal: "127.0.0.1:1 namespace ns1"},
		{ID: "01ENDED0000000000000000000", Action: "tools.t.far", StartedAt: now, Temporal: "127.0.0.1:1 namespace ns1"},
		{ID: "01LOCAL0000000000000000000", Action: "tools.t.here", StartedAt: now},
	} {
		if err := st.RunStarted(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RunFinished(t.Context(), &history.Outcome{RunID: "01ENDED0000000000000000000", Status: history.Succeeded, EndedAt: now}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string // its start
	}{
		{args: []string{"runs", "cancel", "01TEMP"}, code: exitFailed,
			stderr: "actuate: runs cancel: cannot reach Temporal at 127.0.0.1:1: "},
		{args: []string{"runs", "cancel", "01ENDED"}, code: exitFailed,
			stderr: "actuate: runs cancel: run 01ENDED0000000000000000000 has ended already (succeeded)\n"},
		{args: []string{"runs", "cancel", "01LOCAL"}, code: exitFailed,
			stderr: "actuate: runs cancel: run 01LOCAL0000000000000000000 runs here, not on Temporal: stop it with Ctrl-C where it runs\n"},
		{args: []string{"runs", "list", "--json"}, code: exitOK,
			stdout: `"id": "01TEMPORAL0000000000000000"`,
			stderr: "actuate: warning: the runs sent to Temporal at 127.0.0.1:1 namespace ns1 show as last recorded: cannot reach Temporal at 127.0.0.1:1: "},
	} {
		code, stdout, stderr := actuate(tc.args...)
		if code != tc.code || !strings.HasPrefix(stderr, tc.stderr) || !strings.Contains(stdout, tc.stdout) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, stdout holding %q, stderr starting %q",
				strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
}
