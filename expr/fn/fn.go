// Package fn is the FN function library of the expression language: the
// functions a template calls as FN.name(...), with the results Tracecat's
// Python implementation gives.
//
// Every function takes and returns values of package
// [github.com/actuatehq/actuate/expr/value]. Arguments are positional; a
// function declares how many it accepts, and the expression compiler checks
// calls against that at load time. A function returns an error whose text is
// shown to the template author, so it says what was wrong with which argument.
//
// Functions are pure unless their doc says otherwise (now, utcnow, uuid4,
// ...), and safe to call from many goroutines at once.
package fn

import (
	"fmt"
	"sort"
)

// Variadic is the MaxArgs of a function that accepts any number of
// arguments past MinArgs.
const Variadic = -1

// Func describes one FN function.
type Func struct {
	// Name is the name after "FN.", e.g. "url_encode".
	Name string
	// MinArgs and MaxArgs bound the number of positional arguments;
	// MaxArgs is [Variadic] when there is no upper bound.
	MinArgs, MaxArgs int
	// Doc is a one-line description for documentation and --help texts.
	Doc string
	// Call runs the function. len(args) is within the bounds above.
	Call func(args ...any) (any, error)
	// Call1, when set, runs a call with exactly one argument without
	// building an argument slice. It gives the same results as Call; the
	// hottest functions of the corpus have one.
	Call1 func(a any) (any, error)
}

var registry = map[string]*Func{}

// register adds f to the library. It panics on a duplicate or malformed
// entry: that is a programming error caught by the package's tests.
func register(f *Func) {
	if f.Name == "" || f.Call == nil || f.MinArgs < 0 || (f.MaxArgs != Variadic && f.MaxArgs < f.MinArgs) {
		panic(fmt.Sprintf("fn: malformed function %q", f.Name))
	}
	if _, dup := registry[f.Name]; dup {
		panic(fmt.Sprintf("fn: function %q registered twice", f.Name))
	}
	registry[f.Name] = f
}

// Lookup returns the function called name.
func Lookup(name string) (*Func, bool) {
	f, ok := registry[name]
	return f, ok
}

// All returns every function, sorted by name.
func All() []*Func {
	out := make([]*Func, 0, len(registry))
	for _, f := range registry {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// CheckArity returns an error in Tracecat's words when n arguments do not
// fit f.
func (f *Func) CheckArity(n int) error {
	if n < f.MinArgs {
		return fmt.Errorf("Function '%s' expects at least %d argument(s) but %d were provided", f.Name, f.MinArgs, n)
	}
	if f.MaxArgs != Variadic && n > f.MaxArgs {
		return fmt.Errorf("Function '%s' accepts at most %d argument(s) but %d were provided", f.Name, f.MaxArgs, n)
	}
	return nil
}
