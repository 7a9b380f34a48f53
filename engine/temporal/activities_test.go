package temporal

import (
	"fmt"
	"testing"
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
