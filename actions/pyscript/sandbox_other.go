//go:build unix && !linux

package pyscript

import (
	"os"
	"syscall"
)

// isolation returns the process attributes of a script's interpreter.
// Outside Linux there are no namespaces; a sandboxed step refuses to run
// (see sandboxSupported).
func isolation(sandboxed, network, withUserNS bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func needsUserNS() bool { return false }

func refusedNamespace(err error) bool { return false }

// sandboxSupported is false: this system has no namespaces to isolate a
// script from the network.
const sandboxSupported = false

func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if err == syscall.ESRCH {
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
