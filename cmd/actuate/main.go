// Command actuate runs Tracecat-compatible YAML action templates.
//
// This package only parses flags, formats output and maps errors to exit
// codes; the work is done by the library packages (template, expr, engine,
// actions, secrets). Run `actuate --help` for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "github.com/actuatehq/actuate/actions/builtin" // core.http_request, core.transform.*, ...
)

// Exit codes, as DESIGN.md fixes them.
const (
	exitOK     = 0
	exitFailed = 1 // the run failed
	exitUsage  = 2 // bad usage, bad template or bad input
)

func main() { os.Exit(mainCode()) }

// mainCode runs the command line of the process with Ctrl-C (SIGINT) and
// SIGTERM cancelling the command's context, and returns the exit code.
func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
}

// env is what a command may touch of the process, so tests can give it
// buffers instead.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "actuate: "+format+"\n", args...)
}

// command is one subcommand of actuate.
type command struct {
	name    string
	summary string // one line for the command list
	usage   string // the synopsis line(s)
	help    string // what it does, in a few paragraphs
	run     func(ctx context.Context, e *env, args []string) int
}

var commands []*command

func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

const mainHelp = `actuate runs YAML action templates in Tracecat's format: a template declares
its inputs (expects), the secrets it needs, steps that call actions such as
core.http_request with ${{ ... }} expressions, and a returns value.

Usage:
  actuate COMMAND [ARGUMENTS]

Commands:
%s
Run "actuate help COMMAND" or "actuate COMMAND --help" for a command's flags.

Environment:
  ACTUATE_REGISTRY        folders of templates to load, separated by "%c"
                          (added to --registry flags)
  ACTUATE_HOME            where the store (secrets, variables, integrations,
                          run history) and its key file live
                          (default $XDG_DATA_HOME/actuate, else
                          ~/.local/share/actuate)
  ACTUATE_ENCRYPTION_KEY  the store's key (base64 of 32 bytes), instead of
                          the key file
  ACTUATE_REFRESH_MARGIN  how long before expiry OAuth tokens are refreshed
                          (default 5m)
  TEMPORAL_ADDRESS        the Temporal frontend of worker and runs cancel
                          (default 127.0.0.1:7233)
  TEMPORAL_NAMESPACE      the Temporal namespace (default "default")
`

func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		printMainHelp(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printMainHelp(e.stdout)
		return exitOK
	case "help":
		if len(args) == 1 {
			printMainHelp(e.stdout)
			return exitOK
		}
		c := lookupCommand(args[1])
		if c == nil {
			e.errorf("unknown command %q; run \"actuate --help\" for the list", args[1])
			return exitUsage
		}
		printCommandHelp(e.stdout, c)
		return exitOK
	}
	c := lookupCommand(args[0])
	if c == nil {
		e.errorf("unknown command %q; run \"actuate --help\" for the list", args[0])
		return exitUsage
	}
	return c.run(ctx, e, args[1:])
}

func printMainHelp(w io.Writer) {
	var list strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&list, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, mainHelp, list.String(), os.PathListSeparator)
}

func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage:\n%s\n\n%s", c.usage, c.help)
}
