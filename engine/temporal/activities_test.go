package temporal

import (
	"fmt"
	"testing"
	"time"
)

// The parsed templates of a run are kept for its next steps, and the cache
// stays bounded however many sets of sources a worker sees.
func TestActivitiesRegistryCache(t *testing.T) {
	t.Parallel()
	src := func(n int) []Source {
		return []Source{{File: "t.yml", Text: fmt.Sprintf("definition:\n  title: T\n  display_group: G\n  namespace: tools.t\n  name: t%d\n  expects: {}\n  steps:\n    - {ref: a, action: core.transform.reshape, args: {value: 1}}\n  returns: done\n", n)}}
	}
	var a Activities
	first, err := a.registry(src(0))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := a.registry(src(0)); again != first {
		t.Error("the same sources were parsed again")
	}
	if _, ok := first.Lookup("tools.t.t0"); !ok {
		t.Error("the run's template is missing")
	}
	for i := 1; i <= 2*maxCachedRegistries; i++ {
		if _, err := a.registry(src(i)); err != nil {
			t.Fatal(err)
		}
		if n := len(a.cache); n > maxCachedRegistries {
			t.Fatalf("%d registries cached after %d sets of sources, want at most %d", n, i+1, maxCachedRegistries)
		}
	}
}

// A step's deadline names the limit it came from.
func TestStepTimeoutError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  stepTimeoutError
		want string
	}{
		{stepTimeoutError{d: time.Minute, run: time.Minute}, "the step timed out after 1m0s (the run's step timeout)"},
		{stepTimeoutError{d: 65 * time.Second, run: time.Minute}, "the step timed out after 1m5s (its timeout_seconds, plus 5s)"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
