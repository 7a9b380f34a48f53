package cassette

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse arbitrary YAML: it must not panic, and a cassette
// it accepts must write out to text that parses back to the same
// cassette.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/templates/*/*.cassette.yml")
	more, _ := filepath.Glob("../../testdata/templates/*/*/*.cassette.yml")
	seeds = append(append(seeds, more...), "testdata/record.golden.yaml")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("interactions: []\n"))
	f.Add([]byte("interactions:\n  - request: {method: GET, url: 'http://x/?a=1'}\n    response: {status: 200, body: ok}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("tape.yml", data)
		if err != nil {
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("a parsed cassette does not write out: %v", err)
		}
		again, err := Parse("tape.yml", out)
		if err != nil {
			t.Fatalf("a written cassette does not parse: %v\n%s", err, out)
		}
		out2, err := again.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("a written cassette changes when read and written again (%v):\n%s\n---\n%s", err, out, out2)
		}
	})
}
