package fn

import "testing"

func TestFormatting(t *testing.T) {
	t.Parallel()
	rows := l(m("b", 1, "a", "x"), m("a", nil, "c", true))
	runCases(t, []fnCase{
		{name: "markdown", fn: "tabulate", args: l(rows, "markdown"), want: "|a|b|c|\n|-|-|-|\n|x|1||\n|||True|"},
		{name: "html", fn: "tabulate", args: l(l(m("k", `<a href='x'>&"`), m("j", nil)), "html"), want: "<table>\n  <thead>\n    <tr>\n      <th>j</th>\n      <th>k</th>\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <td></td>\n      <td>&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;</td>\n    </tr>\n    <tr>\n      <td>None</td>\n      <td></td>\n    </tr>\n  </tbody>\n</table>"},
		{name: "csv", fn: "tabulate", args: l(l(m("a", "x,y", "b", 1.5), m("a", "q\"r", "b", nil)), "csv"), want: "a,b\r\n\"x,y\",1.5\r\n\"q\"\"r\",\r\n"},
		{name: "csv single empty", fn: "tabulate", args: l(l(m("a", nil)), "csv"), want: "a\r\n\"\"\r\n"},
		{name: "xml", fn: "tabulate", args: l(l(m("z", "a<b", "y", nil), m()), "xml"), want: "<?xml version=\"1.0\" ?>\n<items>\n  <item>\n    <z>a&lt;b</z>\n    <y/>\n  </item>\n  <item/>\n</items>\n"},
		{name: "xml bad name", fn: "tabulate", args: l(l(m("a b", 1)), "xml"), err: "tabulate: key 'a b' is not a valid XML element name"},
		{name: "empty", fn: "tabulate", args: l(l(), "html"), want: ""},
		{name: "unknown format", fn: "tabulate", args: l(rows, "json"), err: "tabulate: Unsupported table format. Expected `markdown`, `html`, `csv`, or `xml`, got json."},
		{name: "bad rows", fn: "tabulate", args: l(l("x"), "csv"), err: "tabulate: item [0] of argument 1 must be a dict, got 'x' (str)"},

		{name: "table", fn: "to_markdown_table", args: l(l(m("n", 1, "m", ""))), want: "|m|n|\n|-|-|\n||1|"},
		{name: "no keys", fn: "to_markdown_table", args: l(l(m())), want: ""},
		{name: "bad", fn: "to_markdown_table", args: l(nil), err: "to_markdown_table: argument 1 must be a list, got None (NoneType)"},

		{name: "bullets", fn: "to_markdown_list", args: l(l("a", 1, nil)), want: "- a\n- 1\n- None"},
		{name: "ordered", fn: "to_markdown_list", args: l(l("a", "b"), true), want: "1. a\n2. b"},
		{name: "empty", fn: "to_markdown_list", args: l(l()), want: ""},
		{name: "bad", fn: "to_markdown_list", args: l(5), err: "to_markdown_list: argument 1 must be a list, got 5 (int)"},

		{name: "tasks", fn: "to_markdown_tasks", args: l(l("a", "b")), want: "- [ ] a\n- [ ] b"},
		{name: "bad", fn: "to_markdown_tasks", args: l(nil), err: "to_markdown_tasks: argument 1 must be a list, got None (NoneType)"},
	})
}
