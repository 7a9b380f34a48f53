package value

import (
	"bytes"
	"encoding/json"
	"testing"
)

// WriteJSONString writes what encoding/json writes with HTML escaping
// off, with or without its plain-ASCII fast path, and appends to what the
// buffer holds.
func TestWriteJSONString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"plain text 123", `"plain text 123"`},
		{"<secret:acme.KEY> & co", `"<secret:acme.KEY> & co"`},
		{"del \x7f", "\"del \x7f\""},
		{`a "quoted" \ b`, `"a \"quoted\" \\ b"`},
		{"tab\tnl\ncr\rnul\x00", `"tab\tnl\ncr\rnul\u0000"`},
		{"é <b>", `"é <b>"`},
		{"line\u2028para\u2029", `"line\u2028para\u2029"`},
		{"bad \xff utf-8", `"bad \ufffd utf-8"`},
	} {
		var buf bytes.Buffer
		buf.WriteString("x:")
		WriteJSONString(&buf, c.in)
		if got := buf.String(); got != "x:"+c.want {
			t.Errorf("WriteJSONString(%q) = %s, want x:%s", c.in, got, c.want)
		}
		var ref bytes.Buffer
		enc := json.NewEncoder(&ref)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c.in); err != nil {
			t.Fatal(err)
		}
		if got, want := buf.String()[2:], ref.String()[:ref.Len()-1]; got != want {
			t.Errorf("WriteJSONString(%q) = %s, encoding/json writes %s", c.in, got, want)
		}
	}
}
