package expr

// node is one node of a parsed expression. Pos and End are byte offsets
// into the expression text: the node spans text[Pos:End].
type node interface {
	span() (pos, end int)
}

type (
	// literalNode is a string, number, True, False or None.
	literalNode struct {
		pos, end int
		value    any
	}

	// listNode is [a, b, ...].
	listNode struct {
		pos, end int
		items    []node
	}

	// dictNode is {"k": v, ...}; keys are string literals.
	dictNode struct {
		pos, end int
		keys     []string
		values   []node
	}

	// contextNode is a context read: inputs.a.b, steps.x.result[*].id,
	// SECRETS.name.KEY, VARS.name.key, ENV.path.
	contextNode struct {
		pos, end int
		context  string
		path     *path
		// text is the whole "<context><path>" source text.
		text string
	}

	// binaryNode is a binary operator: || && == != < <= > >= in "not in"
	// is "is not" + - * / %.
	binaryNode struct {
		pos, end    int
		op          string
		opPos       int
		left, right node
	}

	// unaryNode is -x, +x or not x.
	unaryNode struct {
		pos, end int
		op       string
		operand  node
	}

	// ternaryNode is `then if cond else otherwise`.
	ternaryNode struct {
		pos, end   int
		then, cond node
		otherwise  node
	}

	// indexNode is value[index] on anything but a context path.
	indexNode struct {
		pos, end     int
		value, index node
		bracketPos   int
	}

	// callNode is FN.name(args) or FN.name.map(args).
	callNode struct {
		pos, end int
		name     string
		mapped   bool
		args     []node
	}

	// castNode is int(x), float(x), str(x), bool(x), or a trailing
	// `-> type` on the whole expression.
	castNode struct {
		pos, end int
		typ      string
		operand  node
	}
)

func (n *literalNode) span() (int, int) { return n.pos, n.end }
func (n *listNode) span() (int, int)    { return n.pos, n.end }
func (n *dictNode) span() (int, int)    { return n.pos, n.end }
func (n *contextNode) span() (int, int) { return n.pos, n.end }
func (n *binaryNode) span() (int, int)  { return n.pos, n.end }
func (n *unaryNode) span() (int, int)   { return n.pos, n.end }
func (n *ternaryNode) span() (int, int) { return n.pos, n.end }
func (n *indexNode) span() (int, int)   { return n.pos, n.end }
func (n *callNode) span() (int, int)    { return n.pos, n.end }
func (n *castNode) span() (int, int)    { return n.pos, n.end }

// walk calls fn for n and every node below it, parents first.
func walk(n node, fn func(node)) {
	if n == nil {
		return
	}
	fn(n)
	switch n := n.(type) {
	case *listNode:
		for _, it := range n.items {
			walk(it, fn)
		}
	case *dictNode:
		for _, v := range n.values {
			walk(v, fn)
		}
	case *contextNode:
		if n.path != nil {
			for _, s := range n.path.segs {
				if s.filter != nil {
					walkFilter(s.filter, fn)
				}
			}
		}
	case *binaryNode:
		walk(n.left, fn)
		walk(n.right, fn)
	case *unaryNode:
		walk(n.operand, fn)
	case *ternaryNode:
		walk(n.then, fn)
		walk(n.cond, fn)
		walk(n.otherwise, fn)
	case *indexNode:
		walk(n.value, fn)
		walk(n.index, fn)
	case *callNode:
		for _, a := range n.args {
			walk(a, fn)
		}
	case *castNode:
		walk(n.operand, fn)
	}
}

func walkFilter(f *filter, fn func(node)) {
	for _, c := range f.conds {
		if c.value != nil {
			walk(c.value, fn)
		}
	}
}
