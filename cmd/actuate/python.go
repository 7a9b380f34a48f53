package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/actions/pyscript"
)

// pythonFlags configure core.script.run_python for one command.
type pythonFlags struct {
	sandbox string
	memory  string
	cpu     time.Duration
}

// pythonHelp documents the flags, for the help of the commands that take
// them.
const pythonHelp = `Python steps (core.script.run_python) run in the host's python3, or the
interpreter ACTUATE_PYTHON names, one sandboxed process per step: no network
unless the step sets allow_network (a network namespace; where the kernel
refuses one, the step fails unless --python-sandbox=off or
ACTUATE_PYTHON_SANDBOX=off), an empty environment except the step's env_vars,
a fresh working directory, and limits of --python-cpu (default 60s) of CPU
time and --python-memory (default 512MiB) of memory.`

func (p *pythonFlags) register(fs *flag.FlagSet, e *env) {
	def := e.getenv("ACTUATE_PYTHON_SANDBOX")
	if def == "" {
		def = "on"
	}
	fs.StringVar(&p.sandbox, "python-sandbox", def, "`on` isolates Python steps from the network and fails where it cannot; off runs them without that isolation (default from ACTUATE_PYTHON_SANDBOX)")
	fs.StringVar(&p.memory, "python-memory", "512MiB", "the memory a Python step may use (`size` in KiB, MiB or GiB)")
	fs.DurationVar(&p.cpu, "python-cpu", pyscript.DefaultCPULimit, "the CPU `time` a Python step may use")
}

// registry returns the actions to run with: actions.Default, with
// core.script.run_python configured by the flags when they differ from
// its defaults.
func (p *pythonFlags) registry() (*actions.Registry, error) {
	cfg := pyscript.Config{CPULimit: p.cpu}
	switch p.sandbox {
	case "on":
	case "off":
		cfg.Sandbox = pyscript.SandboxOff
	default:
		return nil, fmt.Errorf("--python-sandbox must be on or off, not %q", p.sandbox)
	}
	if p.cpu <= 0 {
		return nil, fmt.Errorf("--python-cpu must be a positive duration such as 30s or 2m, not %s", p.cpu)
	}
	mem, err := parseSize(p.memory)
	if err != nil {
		return nil, fmt.Errorf("--python-memory: %v", err)
	}
	cfg.MemoryLimit = mem
	if cfg == (pyscript.Config{CPULimit: pyscript.DefaultCPULimit, MemoryLimit: pyscript.DefaultMemoryLimit}) {
		return actions.Default, nil
	}
	reg := actions.Default.Clone()
	if err := reg.Replace(pyscript.New(cfg)); err != nil {
		return nil, err
	}
	return reg, nil
}

// parseSize reads a size such as 512MiB, 1GiB, 300M or 1048576 (bytes).
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size; write it like 512MiB or 2GiB", s)
	}
	if n*mult < 64<<20 {
		return 0, fmt.Errorf("%s is too little for Python to start; give at least 64MiB", s)
	}
	return n * mult, nil
}
