//go:build unix

package pyscript

import (
	"errors"
	"os"
	"syscall"
)

// killGroup kills the interpreter's process group; with a PID namespace,
// killing its first process ends every process in it.
func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// cpuSignal is the signal of a process past its soft CPU limit.
var cpuSignal os.Signal = syscall.SIGXCPU

// signalOf returns the signal that ended a process, if one did.
func signalOf(st *os.ProcessState) (os.Signal, bool) {
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return nil, false
	}
	return ws.Signal(), true
}
