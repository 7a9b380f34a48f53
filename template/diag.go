package template

import (
	"fmt"
	"strings"
)

// Pos is a position in a template file: 1-based line and column, counted in
// characters as an editor shows them. The zero Pos means "no position".
type Pos struct {
	Line, Column int
}

// IsValid reports whether p names a place in a file.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Severity says whether a diagnostic makes a template unusable.
type Severity int

const (
	// Error is a problem that stops the template from loading or running.
	Error Severity = iota
	// Warning is something that works but is probably not what the author
	// meant; `validate --strict` treats warnings as errors.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText lets JSON output spell the severity as a word.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is one problem found in a template file, with its place.
type Diagnostic struct {
	File     string
	Pos      Pos
	Severity Severity
	Message  string
	// Source is the text of the line at Pos, when known, for a caret display.
	Source string
}

// String returns "file:line:col: message", with "warning: " before the
// message of a warning, the form compilers and editors understand.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Pos.IsValid() {
		fmt.Fprintf(&b, ":%d:%d", d.Pos.Line, d.Pos.Column)
	}
	b.WriteString(": ")
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Snippet returns the source line of the diagnostic and a caret under its
// column, each line indented by four spaces, or "" when the line is unknown.
func (d Diagnostic) Snippet() string {
	if d.Source == "" || !d.Pos.IsValid() {
		return ""
	}
	line := strings.ReplaceAll(d.Source, "\t", " ")
	col := d.Pos.Column
	if col < 1 {
		col = 1
	}
	return "    " + line + "\n    " + strings.Repeat(" ", col-1) + "^"
}

// Diagnostics is the list of problems found while loading templates, in file
// order. As an error it reads as one diagnostic per line.
type Diagnostics []Diagnostic

// Error joins the diagnostics, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any diagnostic is an [Error].
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns ds as an error when it holds at least one [Error], else nil.
func (ds Diagnostics) Err() error {
	if ds.HasErrors() {
		return ds
	}
	return nil
}
