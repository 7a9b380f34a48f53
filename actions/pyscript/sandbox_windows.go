package pyscript

import (
	"os"
	"syscall"
)

// isolation returns the process attributes of a script's interpreter.
// Windows has no namespaces; a sandboxed step refuses to run (see
// sandboxSupported).
func isolation(sandboxed, network, withUserNS bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{}
}

func needsUserNS() bool { return false }

func refusedNamespace(err error) bool { return false }

// sandboxSupported is false: Windows has no namespaces to isolate a
// script from the network.
const sandboxSupported = false

func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return os.ErrProcessDone
	}
	return p.Kill()
}

// cpuSignal is nil: Windows has no CPU-limit signal.
var cpuSignal os.Signal

// signalOf reports no signal: Windows processes are not ended by signals.
func signalOf(st *os.ProcessState) (os.Signal, bool) { return nil, false }
