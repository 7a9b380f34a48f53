package pyscript

import (
	"errors"
	"os"
	"syscall"
)

// isolation returns the process attributes of a script's interpreter: its
// own process group, killed if actuate dies, and, when sandboxed, new PID
// and network namespaces (the network one unless the step allows the
// network). withUserNS adds a user namespace, which lets a user without
// privileges create the others.
func isolation(sandboxed, network, withUserNS bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if !sandboxed {
		return attr
	}
	attr.Cloneflags = syscall.CLONE_NEWPID
	if !network {
		attr.Cloneflags |= syscall.CLONE_NEWNET
	}
	if withUserNS {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		uid, gid := os.Getuid(), os.Getgid()
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	return attr
}

// needsUserNS reports whether namespaces are created through a user
// namespace first: always without root.
func needsUserNS() bool { return os.Geteuid() != 0 }

// refusedNamespace reports whether err, from starting a process, is the
// kernel refusing to create a namespace.
func refusedNamespace(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EUSERS) || errors.Is(err, syscall.EACCES)
}

// sandboxSupported is true where namespaces exist at all.
const sandboxSupported = true
