// Package linediff computes line edit scripts for the diffs the engine
// shows: a golden file against a run, a recorded request against the one
// sent.
package linediff

// maxTable bounds the table of the longest common subsequence; beyond it
// the middle of the texts (after their common head and tail) is reported
// as removed and added whole.
const maxTable = 4 << 20

// Op is one line of an edit script.
type Op struct {
	Kind byte // ' ' in both, '-' in a only, '+' in b only
	Line string
	// A and B are the 1-based line numbers the op starts at in each text.
	A, B int
}

// Ops returns the edit script turning a into b, from a longest common
// subsequence of lines. Within a run of changes, removals come first.
func Ops(a, b []string) []Op {
	var ops []Op
	ai, bi := 1, 1
	emit := func(kind byte, line string) {
		ops = append(ops, Op{kind, line, ai, bi})
		if kind != '+' {
			ai++
		}
		if kind != '-' {
			bi++
		}
	}
	// Common head and tail need no table.
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	for _, l := range a[:head] {
		emit(' ', l)
	}
	ma, mb := a[head:len(a)-tail], b[head:len(b)-tail]
	if len(ma)*len(mb) > maxTable {
		for _, l := range ma {
			emit('-', l)
		}
		for _, l := range mb {
			emit('+', l)
		}
	} else {
		// lcs[i][j] is the LCS length of ma[i:] and mb[j:].
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
				emit(' ', ma[i])
				i++
				j++
			case j < len(mb) && (i == len(ma) || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
				// Prefer removals first: when both are as good, remove.
				if i < len(ma) && lcs[(i+1)*w+j] == lcs[i*w+j+1] {
					emit('-', ma[i])
					i++
				} else {
					emit('+', mb[j])
					j++
				}
			default:
				emit('-', ma[i])
				i++
			}
		}
	}
	for _, l := range a[len(a)-tail:] {
		emit(' ', l)
	}
	return ops
}
