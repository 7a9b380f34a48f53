package secrets

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actuatehq/actuate/expr/value"
)

// crashEnv, set in a child process of TestCrashSafety, holds the store path
// the child writes to until it is killed.
const crashEnv = "ACTUATE_SECRETS_CRASH_CHILD"

// crashValue is the value of secret i: a few KiB, so that a commit spans
// several pages and a kill can land in the middle of one.
func crashValue(i int) string {
	return strings.Repeat(fmt.Sprintf("value-%d;", i), 200+i%300)
}

// crashChild writes secrets s_0, s_1, ... and a variable, one transaction
// each, printing "committed N" after each commit, until it is killed.
func crashChild(path, key string) {
	k, err := ParseKey(key, "the test key")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	ctx := context.Background()
	s, err := Open(ctx, path, k)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	start := 0
	if list, err := s.List(ctx, ""); err == nil {
		start = len(list)
	}
	for i := start; ; i++ {
		name := "s_" + strconv.Itoa(i)
		if err := s.Set(ctx, name, "", map[string]string{"K": crashValue(i), "N": strconv.Itoa(i)}); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		if err := s.SetVar(ctx, "last", "", value.MapOf("n", i)); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("committed", i)
	}
}

// TestCrashSafety kills a process that is writing to the store (SIGKILL,
// no chance to clean up), several times over, and checks after each kill
// that the file is intact and every committed secret reads back.
func TestCrashSafety(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path, os.Getenv(crashEnv+"_KEY"))
		return
	}
	if testing.Short() {
		t.Skip("kills child processes")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	key := testKey(t)
	last := -1
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path, crashEnv+"_KEY="+key.Base64())
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		target := last + 20 + round*15
		killed := false
		for lines.Scan() {
			line := lines.Text()
			if n, ok := strings.CutPrefix(line, "committed "); ok {
				last, _ = strconv.Atoi(n)
			} else if strings.HasPrefix(line, "error") {
				t.Fatalf("child: %s", line)
			}
			if last >= target && !killed {
				// Let it get into the next write, then kill it.
				time.Sleep(time.Duration(round) * 300 * time.Microsecond)
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		_ = cmd.Wait()
		if !killed {
			t.Fatalf("round %d: the child stopped by itself after %d", round, last)
		}
		checkIntact(t, path, key, last)
	}
}

// checkIntact opens the store and checks the file and secrets s_0..s_last.
func checkIntact(t *testing.T, path string, key Key, last int) {
	t.Helper()
	ctx := t.Context()
	s, err := Open(ctx, path, key)
	if err != nil {
		t.Fatalf("reopening after a kill: %v", err)
	}
	defer s.Close()
	var result string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Fatalf("integrity_check = %q, %v", result, err)
	}
	for i := 0; i <= last; i++ {
		keys, err := s.Get(ctx, "s_"+strconv.Itoa(i), "")
		if err != nil {
			t.Fatalf("committed secret s_%d: %v", i, err)
		}
		if keys["K"] != crashValue(i) || keys["N"] != strconv.Itoa(i) {
			t.Fatalf("committed secret s_%d has other values", i)
		}
	}
	v, err := s.GetVar(ctx, "last", "")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := v.Get("n"); n.(int) < last {
		t.Fatalf("variable last = %v, want at least %d", n, last)
	}
}
