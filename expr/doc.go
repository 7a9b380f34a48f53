// Package expr is the expression language of templates: Tracecat's grammar
// and semantics, compiled onto github.com/expr-lang/expr.
//
// [Compile] scans a template string for ${{ … }} and $<< … >> expressions
// (an expression ends at the first closing delimiter) and compiles each
// one; [CompileExpr] compiles a bare expression. A string that is exactly
// one expression evaluates to the value with its type; any other string is
// text in which each expression is replaced by Python's str() of its value
// (None, True, 1.0, ['a', 1], {'k': None}).
//
// The grammar is Tracecat's, parsed by our own parser: the ternary
// `a if c else b`; `||` and `&&`, which return one of their operands as
// Python's or/and do and evaluate both; `not`; comparisons; `in`, `not in`,
// `is`, `is not`; arithmetic with Python's rules and errors; literals
// (None, True, False, numbers, strings taken verbatim, lists, dicts);
// casts int(), float(), str(), bool() and a trailing `-> type`; indexing;
// FN.name(...) and FN.name.map(...) (package expr/fn). The contexts are
// inputs, steps and ENV, followed by a JSONPath (.name, ['key'], [n], [*],
// .*, ..name, filters, slices; no match is None), and SECRETS.name.KEY and
// VARS.name[.key]. Workflow contexts (TRIGGER, ACTIONS, var) are rejected.
//
// Our syntax tree is lowered to an expr-lang program once, at compile
// time; operations with a fixed number of operands are constant callees
// with signatures expr-lang's VM calls without reflection, so evaluating a
// context path allocates nothing. Compiled expressions are immutable and
// safe for concurrent use; [Expr.Eval] and [Text.Eval] take the contexts as
// an [Env].
//
// Errors are [*Error] values (or [Errors] for a string) whose offsets point
// into the compiled text, so callers can show the offending character.
package expr
