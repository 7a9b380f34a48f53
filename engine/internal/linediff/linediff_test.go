package linediff

import (
	"fmt"
	"strings"
	"testing"
)

func render(ops []Op) string {
	var b strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&b, "%c%s@%d,%d ", op.Kind, op.Line, op.A, op.B)
	}
	return b.String()
}

func TestOps(t *testing.T) {
	t.Parallel()
	a := strings.Fields("a b c d e")
	b := strings.Fields("a x c e f")
	want := " a@1,1 -b@2,2 +x@3,2  c@3,3 -d@4,4  e@5,4 +f@6,5 "
	if got := render(Ops(a, b)); got != want {
		t.Errorf("Ops = %q\nwant   %q", got, want)
	}
	if got := render(Ops(nil, nil)); got != "" {
		t.Errorf("Ops of nothing = %q", got)
	}
}

// TestOpsPastTheTable checks that texts whose differing middles would need
// a table larger than maxTable come out as the middle removed, then added,
// with the common head and tail kept.
func TestOpsPastTheTable(t *testing.T) {
	t.Parallel()
	n := 2100 // 2100² > maxTable
	a, b := []string{"head"}, []string{"head"}
	for i := range n {
		a = append(a, fmt.Sprint("a", i))
		b = append(b, fmt.Sprint("b", i))
	}
	a, b = append(a, "tail"), append(b, "tail")
	ops := Ops(a, b)
	if len(ops) != 2*n+2 || ops[0] != (Op{' ', "head", 1, 1}) || ops[len(ops)-1] != (Op{' ', "tail", n + 2, n + 2}) {
		t.Fatalf("%d ops, first %+v, last %+v", len(ops), ops[0], ops[len(ops)-1])
	}
	for i, op := range ops[1 : len(ops)-1] {
		want := byte('-')
		if i >= n {
			want = '+'
		}
		if op.Kind != want {
			t.Fatalf("op %d is %c, want %c", i, op.Kind, want)
		}
	}
}
