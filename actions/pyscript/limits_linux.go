package pyscript

import (
	"time"

	"golang.org/x/sys/unix"
)

// limitsFromOutside is true where actuate sets a script's limits itself,
// between starting the interpreter and sending it the call.
const limitsFromOutside = true

// applyLimits caps the CPU time and address space of process pid. The CPU
// limit is a hard one: the kernel kills the process when it is reached (a
// first process of a PID namespace ignores the softer SIGXCPU anyway).
func applyLimits(pid int, cpu time.Duration, mem int64) error {
	secs := uint64((cpu + time.Second - 1) / time.Second)
	if err := unix.Prlimit(pid, unix.RLIMIT_CPU, &unix.Rlimit{Cur: secs, Max: secs}, nil); err != nil {
		return err
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_AS, &unix.Rlimit{Cur: uint64(mem), Max: uint64(mem)}, nil); err != nil {
		return err
	}
	return unix.Prlimit(pid, unix.RLIMIT_CORE, &unix.Rlimit{}, nil)
}
