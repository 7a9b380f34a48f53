//go:build unix && !linux

package pyscript

import "syscall"

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
