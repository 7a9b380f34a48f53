package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// newFlags returns a flag set for c that reports errors instead of exiting
// and prints c's help for -h/--help.
func newFlags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// ("validate dir --json"). A "--" ends the flags. It returns the positional
// arguments and an exit code to return with, or -1 to carry on.
func parseFlags(c *command, e *env, fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printCommandHelp(e.stdout, c)
				printDefaults(e.stdout, fs)
				return nil, exitOK
			}
			e.errorf("%s: %v; run \"actuate %s --help\" for usage", c.name, err, c.name)
			return nil, exitUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, -1
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), -1
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func printDefaults(w io.Writer, fs *flag.FlagSet) {
	var any bool
	fs.VisitAll(func(*flag.Flag) { any = true })
	if !any {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// registryPaths returns the --registry folders followed by those of
// ACTUATE_REGISTRY.
func registryPaths(e *env, flags []string) []string {
	paths := append([]string(nil), flags...)
	for _, p := range filepath.SplitList(e.getenv("ACTUATE_REGISTRY")) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths
}

// fileFlag is a flag naming one file: given twice, it is an error rather
// than the first file silently left out.
type fileFlag struct{ name *string }

func (f fileFlag) String() string {
	if f.name == nil {
		return ""
	}
	return *f.name
}

func (f fileFlag) Set(s string) error {
	if *f.name != "" {
		return fmt.Errorf("given twice (%s and %s); give one file", *f.name, s)
	}
	*f.name = s
	return nil
}
