//go:build !linux

package secrets

import "time"

// processStart reports that it cannot tell when a process started.
func processStart(int) (time.Time, bool) { return time.Time{}, false }
