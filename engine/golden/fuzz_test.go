package golden

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary case files: it must not panic, and it
// either returns cases or an error naming the file, with a message: a
// *LoadError, or an inline cassette's error.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../../testdata/templates/*/*.test.yaml", "../../testdata/templates/*/*/*.test.yaml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("- name: a\n  inputs: {x: 1}\n"))
	f.Add([]byte("template: t.yml\ncases:\n  - {name: b, error: boom}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("dir/case.test.yaml", data)
		if err == nil {
			if file == nil {
				t.Fatal("no file and no error")
			}
			return
		}
		if le, ok := errors.AsType[*LoadError](err); ok && (le.File != "dir/case.test.yaml" || le.Msg == "") {
			t.Fatalf("error %q: a LoadError without its file or message", err)
		}
		if !strings.HasPrefix(err.Error(), "dir/case.test.yaml:") || strings.HasSuffix(err.Error(), ": ") {
			t.Fatalf("error %q does not name the file with a message", err)
		}
	})
}
