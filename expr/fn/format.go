package fn

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/actuatehq/actuate/expr/value"
)

// Formatting functions: tabulate, to_markdown_table, to_markdown_list,
// to_markdown_tasks. Output matches Tracecat's formatters module: columns
// are the sorted union of the rows' keys; XML keeps each row's own keys in
// order, pretty-printed like xml.dom.minidom.

func init() {
	register(&Func{Name: "tabulate", MinArgs: 2, MaxArgs: 2, Doc: "Format a list of dicts as a markdown, html, csv or xml table.", Call: fmtTabulate})
	register(&Func{Name: "to_markdown_table", MinArgs: 1, MaxArgs: 1, Doc: "Format a list of dicts as a Markdown table.", Call: fmtMarkdownTable})
	register(&Func{Name: "to_markdown_list", MinArgs: 1, MaxArgs: 2, Doc: "Format items as a Markdown list (\"- x\", or \"1. x\" when ordered is true).", Call: fmtMarkdownList})
	register(&Func{Name: "to_markdown_tasks", MinArgs: 1, MaxArgs: 1, Doc: "Format items as a Markdown task list (\"- [ ] x\").", Call: fmtMarkdownTasks})
}

// tableRows reads argument i as a list of dicts.
func tableRows(fn string, args []any, i int) ([]*value.Map, error) {
	l, err := argList(fn, args, i)
	if err != nil {
		return nil, err
	}
	rows := make([]*value.Map, len(l))
	for j, it := range l {
		m, ok := it.(*value.Map)
		if !ok {
			return nil, itemErr(fn, i, j, "a dict", it)
		}
		rows[j] = m
	}
	return rows, nil
}

// tableColumns is the sorted union of the rows' keys.
func tableColumns(rows []*value.Map) []string {
	if len(rows) == 1 {
		return rows[0].SortedKeys()
	}
	seen := map[string]struct{}{}
	var cols []string
	for _, r := range rows {
		for _, k := range r.Keys() {
			if _, ok := seen[k]; !ok {
				seen[k] = struct{}{}
				cols = append(cols, k)
			}
		}
	}
	sort.Strings(cols)
	return cols
}

func fmtTabulate(args ...any) (any, error) {
	rows, err := tableRows("tabulate", args, 0)
	if err != nil {
		return nil, err
	}
	format, ok := args[1].(string)
	switch {
	case ok && format == "markdown":
		return markdownTable(rows), nil
	case ok && format == "html":
		return htmlTable(rows), nil
	case ok && format == "csv":
		return csvTable(rows), nil
	case ok && format == "xml":
		return xmlTable(rows)
	}
	return nil, fmt.Errorf("tabulate: Unsupported table format. Expected `markdown`, `html`, `csv`, or `xml`, got %s.", value.Str(args[1]))
}

func fmtMarkdownTable(args ...any) (any, error) {
	rows, err := tableRows("to_markdown_table", args, 0)
	if err != nil {
		return nil, err
	}
	return markdownTable(rows), nil
}

func markdownTable(rows []*value.Map) string {
	cols := tableColumns(rows)
	if len(cols) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('|')
	for _, c := range cols {
		b.WriteString(c)
		b.WriteByte('|')
	}
	b.WriteString("\n|")
	for range cols {
		b.WriteString("-|")
	}
	for _, r := range rows {
		b.WriteString("\n|")
		for _, c := range cols {
			if v, ok := r.Get(c); ok && v != nil && v != "" {
				b.WriteString(value.Str(v))
			}
			b.WriteByte('|')
		}
	}
	return b.String()
}

// htmlEscape is Python's html.escape(s, quote=True).
var htmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")

func htmlTable(rows []*value.Map) string {
	if len(rows) == 0 {
		return ""
	}
	cols := tableColumns(rows)
	var b strings.Builder
	b.WriteString("<table>\n  <thead>\n    <tr>\n")
	for _, c := range cols {
		b.WriteString("      <th>")
		b.WriteString(htmlEscape.Replace(c))
		b.WriteString("</th>\n")
	}
	b.WriteString("    </tr>\n  </thead>\n  <tbody>\n")
	for _, r := range rows {
		b.WriteString("    <tr>\n")
		for _, c := range cols {
			v, ok := r.Get(c)
			s := ""
			if ok {
				s = value.Str(v)
			}
			b.WriteString("      <td>")
			b.WriteString(htmlEscape.Replace(s))
			b.WriteString("</td>\n")
		}
		b.WriteString("    </tr>\n")
	}
	b.WriteString("  </tbody>\n</table>")
	return b.String()
}

// csvTable writes rows like Python's csv.DictWriter with the default
// "excel" dialect: CRLF line ends, fields quoted only when they hold a
// comma, a quote or a line break, None written as an empty field.
func csvTable(rows []*value.Map) string {
	if len(rows) == 0 {
		return ""
	}
	cols := tableColumns(rows)
	var b strings.Builder
	writeRow := func(fields []string) {
		if len(fields) == 1 && fields[0] == "" {
			b.WriteString(`""`)
		}
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(f, ",\"\r\n") {
				b.WriteByte('"')
				b.WriteString(strings.ReplaceAll(f, `"`, `""`))
				b.WriteByte('"')
			} else {
				b.WriteString(f)
			}
		}
		b.WriteString("\r\n")
	}
	writeRow(cols)
	fields := make([]string, len(cols))
	for _, r := range rows {
		for i, c := range cols {
			v, _ := r.Get(c)
			if v == nil {
				fields[i] = ""
			} else {
				fields[i] = value.Str(v)
			}
		}
		writeRow(fields)
	}
	return b.String()
}

// xmlText escapes text the way minidom writes it.
var xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", ">", "&gt;")

// validXMLName reports whether s can be an element name (XML 1.0 Name,
// without the namespace colon rules that do not matter here).
func validXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == ':' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r) || r == 0xb7 || unicode.Is(unicode.Mn, r)):
		default:
			return false
		}
	}
	return true
}

func xmlTable(rows []*value.Map) (string, error) {
	if len(rows) == 0 {
		return "", nil
	}
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" ?>\n<items>\n")
	for _, r := range rows {
		if r.Len() == 0 {
			b.WriteString("  <item/>\n")
			continue
		}
		b.WriteString("  <item>\n")
		var err error
		r.Range(func(k string, v any) bool {
			if !validXMLName(k) {
				err = fmt.Errorf("tabulate: key %s is not a valid XML element name", value.Repr(k))
				return false
			}
			s := ""
			if v != nil {
				s = value.Str(v)
			}
			b.WriteString("    <")
			b.WriteString(k)
			if s == "" {
				b.WriteString("/>\n")
				return true
			}
			b.WriteByte('>')
			b.WriteString(xmlText.Replace(s))
			b.WriteString("</")
			b.WriteString(k)
			b.WriteString(">\n")
			return true
		})
		if err != nil {
			return "", err
		}
		b.WriteString("  </item>\n")
	}
	b.WriteString("</items>\n")
	return b.String(), nil
}

func fmtMarkdownList(args ...any) (any, error) {
	items, err := argIter("to_markdown_list", args, 0)
	if err != nil {
		return nil, err
	}
	ordered := len(args) > 1 && value.Truthy(args[1])
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		if ordered {
			b.WriteString(strconv.Itoa(i + 1))
			b.WriteString(". ")
		} else {
			b.WriteString("- ")
		}
		b.WriteString(value.Str(it))
	}
	return b.String(), nil
}

func fmtMarkdownTasks(args ...any) (any, error) {
	items, err := argIter("to_markdown_tasks", args, 0)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("- [ ] ")
		b.WriteString(value.Str(it))
	}
	return b.String(), nil
}
