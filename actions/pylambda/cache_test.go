package pylambda

import (
	"fmt"
	"testing"
)

// TestCached checks that Cached compiles a source once, errors included,
// and keeps compiling, without keeping, past its bound.
func TestCached(t *testing.T) {
	l1, err1 := Cached("lambda x: x * 2 # cache test")
	l2, err2 := Cached("lambda x: x * 2 # cache test")
	if err1 != nil || err2 != nil || l1 != l2 {
		t.Errorf("Cached twice = %p, %v; %p, %v; want the same lambda", l1, err1, l2, err2)
	}
	_, err1 = Cached("lambda x: import # cache test")
	_, err2 = Cached("lambda x: import # cache test")
	if err1 == nil || err1 != err2 {
		t.Errorf("compile errors = %v, %v; want the same cached error", err1, err2)
	}
	for i := cached.Load(); i <= maxCached; i++ {
		if _, err := Cached(fmt.Sprintf("lambda x: x + %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := cached.Load(); n != maxCached {
		t.Fatalf("%d sources kept, want %d", n, maxCached)
	}
	l1, _ = Cached("lambda x: x - 1 # past the bound")
	l2, err2 = Cached("lambda x: x - 1 # past the bound")
	if l1 == l2 || err2 != nil {
		t.Errorf("past the bound: %p, %p, %v; want two compiles", l1, l2, err2)
	}
	if v, err := l2.Call(3); err != nil || v != 2 {
		t.Errorf("Call(3) = %v, %v", v, err)
	}
	if _, ok := cache.Load("lambda x: x - 1 # past the bound"); ok {
		t.Error("a source past the bound was kept")
	}
}
