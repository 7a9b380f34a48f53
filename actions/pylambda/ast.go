package pylambda

// node is a compiled expression of the lambda.
type node interface {
	eval(m *machine, f *frame) (any, error)
}

type (
	constNode struct{ v any }

	// nameNode is a parameter or comprehension variable (depth frames up,
	// at slot), or an allowed function used as a value (key=len).
	nameNode struct {
		name        string
		pos         int
		depth, slot int
		builtin     *builtin
	}

	listNode struct{ elts []node }
	setNode  struct{ elts []node }
	dictNode struct{ keys, vals []node }

	// callNode calls an allowed function.
	callNode struct {
		name    string
		pos     int
		fn      *builtin
		args    []node
		kwnames []string
		kwargs  []node
	}

	// methodNode calls a method of a value: recv.name(args).
	methodNode struct {
		recv    node
		ref     *methodRefNode // str.lower(x): a method called from its type
		name    string
		args    []node
		kwnames []string
		kwargs  []node
	}

	indexNode struct{ x, index node }
	sliceNode struct{ x, lo, hi, step node } // nil bounds are left out

	binNode struct {
		op   string
		l, r node
	}
	unaryNode struct {
		op string
		x  node
	}
	// boolNode is a chain of and/or with Python's value semantics.
	boolNode struct {
		and   bool
		items []node
	}
	notNode struct{ x node }
	// compareNode is a chain a op1 b op2 c ...
	compareNode struct {
		items []node
		ops   []string // <, <=, ==, in, not in, is, is not, ...
	}
	condNode struct{ cond, yes, no node }

	// compNode is a list, set or dict comprehension, or a generator
	// expression.
	compNode struct {
		kind    byte // 'l', 's', 'd', 'g'
		elt     node // the value (dict: the value)
		key     node // dict comprehensions
		clauses []*clause
	}

	// methodRefNode is a method taken from its type, str.lower, to be
	// passed as key=.
	methodRefNode struct {
		typ  *nameNode
		name string
	}

	// lambdaNode is a lambda, the top-level one or a nested one (key=).
	lambdaNode struct {
		params []string
		nslots int
		body   node
	}
)

// clause is `for target in iter if cond ...`.
type clause struct {
	target *target
	iter   node
	ifs    []node
}

// target is what a comprehension binds: a name, or a tuple of targets.
type target struct {
	name  string
	slot  int
	items []*target // nil for a name
	pos   int
}
