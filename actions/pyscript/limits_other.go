//go:build !linux

package pyscript

import (
	"errors"
	"time"
)

// limitsFromOutside is false: the runner sets its own limits with Python's
// resource module before it runs the script.
const limitsFromOutside = false

func applyLimits(pid int, cpu time.Duration, mem int64) error {
	return errors.New("not supported")
}
