package golden_test

import (
	"regexp"
	"testing"
)

func regexpMust(t *testing.T, s string) *regexp.Regexp {
	t.Helper()
	return regexp.MustCompile(s)
}
