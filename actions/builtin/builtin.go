// Package builtin registers every built-in action with actions.Default.
// Import it for its side effects:
//
//	import _ "github.com/actuatehq/actuate/actions/builtin"
package builtin

import (
	// core.http_request, core.http_poll, core.http_paginate
	_ "github.com/actuatehq/actuate/actions/httpaction"
	// core.script.run_python
	_ "github.com/actuatehq/actuate/actions/pyscript"
	// core.transform.*
	_ "github.com/actuatehq/actuate/actions/transform"
)
