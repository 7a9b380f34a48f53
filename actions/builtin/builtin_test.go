package builtin_test

import (
	"testing"

	"github.com/actuatehq/actuate/actions"
	_ "github.com/actuatehq/actuate/actions/builtin"
)

func TestBuiltins(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"core.http_request", "core.http_poll", "core.http_paginate"} {
		if _, ok := actions.Default.Lookup(name); !ok {
			t.Errorf("%s is not registered", name)
		}
	}
}
