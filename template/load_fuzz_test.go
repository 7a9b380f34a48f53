package template

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse loads arbitrary bytes as a template: it must never panic, and
// every error it reports must carry a message.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../testdata/*/*.yml", "../testdata/templates/*/*.yml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("definition:\n  expects: &a [*a]\n"))
	f.Add([]byte("definition: {steps: [{ref: a, action: b.c, args: {<<: {x: 1}}}]}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		tpl, ds := Parse("fuzz.yml", src)
		for _, d := range ds {
			if d.Message == "" {
				t.Fatalf("diagnostic without a message: %#v", d)
			}
		}
		if tpl != nil && !ds.HasErrors() {
			// A clean template must have what running it needs.
			if tpl.Name == "" || tpl.Namespace == "" || len(tpl.Steps) == 0 || tpl.Returns == nil {
				t.Fatalf("template without errors is incomplete: %+v", tpl)
			}
		}
	})
}
