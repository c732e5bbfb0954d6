package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/fleet"
	"github.com/ltsbench/ltsbench/space"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "worker",
		Usage:     "measure a fleet run's jobs on one device, pulled from a NATS JetStream server",
		UsageText: "ltsbench worker --nats URL [--device cpu|cuda:N] [--class NAME] [--user U --password P | --nkey FILE | --creds FILE] [--ca FILE]",
		Description: "Connects to the coordinator's NATS server (outbound only: the device needs no open\n" +
			"port), registers its fingerprint (device, driver, CPU and CPU kernel) for its\n" +
			"device class, then measures the class's jobs one at a time until interrupted. Every\n" +
			"worker of a class must have the same fingerprint; a worker that differs is refused.\n" +
			"A job a worker does not finish (crash, lost network) goes to another after the ack wait.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "nats", Usage: "NATS server `URL` (nats://host:4222, tls://…; comma-separated for a cluster)", Required: true},
			&cli.StringFlag{Name: "device", Value: "cpu", Usage: "where to measure: " + deviceNames()},
			&cli.StringFlag{Name: "class", Usage: "device class `NAME` whose jobs to take (default: the GPU's name, e.g. NVIDIA_H200, or on a CPU cpu-<first word of its model>-<cores>, e.g. cpu-AMD-64)"},
			&cli.StringFlag{Name: "id", Usage: "this worker's name in the results (default: host-pid)"},
			&cli.StringFlag{Name: "user", Usage: "NATS user"},
			&cli.StringFlag{Name: "password", Usage: "NATS password of --user (default: $" + passwordEnv + " when --user is given)"},
			&cli.StringFlag{Name: "nkey", Usage: "NATS user NKey seed `FILE`"},
			&cli.StringFlag{Name: "creds", Usage: "NATS credentials `FILE` (JWT and seed)"},
			&cli.StringFlag{Name: "ca", Usage: "PEM `FILE` of the roots that sign the server's TLS certificate"},
		},
		Action: workerAction,
	})
}

// FleetProtocol is a fleet job's protocol JSON: how to measure and the seed of the
// weights and token ids, as ltsbench measure takes them. Generation, when set, is a
// generation objective's mode and lengths (resolved by the coordinator): the worker
// then measures as measure --mode does. A job of the latency objective has none, and
// its JSON is what it was before generation objectives.
type FleetProtocol struct {
	Protocol   bench.Protocol            `json:"protocol"`
	Seed       uint64                    `json:"seed"`
	Generation *bench.GenerationProtocol `json:"generation,omitempty"`
}

func workerAction(c *cli.Context) error {
	e := envOf(c)
	if c.NArg() > 0 {
		return usagef("worker takes no arguments (got %q)", c.Args().First())
	}
	dev, err := backend.ParseDevice(c.String("device"))
	if err != nil {
		return usagef("--device: %v", err)
	}
	password := natsPassword(c)
	if (c.String("user") == "") != (password == "") {
		return usagef("--user and --password go together")
	}
	m := &fleetMeasurer{dev: dev, logf: func(format string, args ...any) { fmt.Fprintf(e.stderr, "note: "+format+"\n", args...) }}
	defer m.close()
	// The fingerprint is the device's environment under default backend options.
	fp, envir, err := workerFingerprint(m)
	if err != nil {
		return err
	}
	class := c.String("class")
	if class == "" {
		class = fleet.Token(defaultClass(envir))
	}
	nc, err := fleet.Dial(c.String("nats"), fleet.Credentials{User: c.String("user"), Password: password,
		NKeySeedFile: c.String("nkey"), CredsFile: c.String("creds"), CAFile: c.String("ca")})
	if err != nil {
		return err
	}
	defer nc.Close()
	w := &fleet.Worker{Class: class, Fingerprint: fp, ID: c.String("id"), Measure: m.measure,
		Logf: func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }}
	fmt.Fprintf(e.stderr, "worker on %s, class %s, fingerprint %s: waiting for jobs from %s\n", dev, class, fp.Hash, c.String("nats"))
	return w.Run(e.ctx, nc)
}

// fleetResult is a worker's result as the coordinator reads it: measure's JSON,
// with the generation object of a generation mode (generationJSON) when it has one.
type fleetResult struct {
	measureJSON
	Generation *bench.Generation `json:"generation"`
}

// fingerprintJSON keeps what describes the device: the accelerator, its driver and
// GEMM library, the CPU and its SGEMM kernel, and on a CPU device the transparent huge
// page setting. Clocks and temperature are left out
// (NVML reports the current ones, which move with load), and so is the ltsbench
// build, so that a rebuilt ltsbench resumes its class's runs: each result carries
// the build that measured it in its environment.
func fingerprintJSON(env bench.Environment) json.RawMessage {
	fp := map[string]any{
		"os": env.OS, "arch": env.Arch,
		"cpu_model": env.CPUModel, "cpu_cores": env.CPUCores, "cpu_kernel": env.CPUKernel,
	}
	if g := env.GPU; g != nil {
		fp["gpu"] = map[string]any{"name": g.Name, "memory_bytes": g.MemoryBytes, "driver": g.Driver,
			"cuda": g.CUDAVersion, "cc": g.ComputeCapability, "gemm": g.GEMM}
	} else {
		// On the CPU, huge pages or none move a decode step by about 10 %.
		fp["thp"] = env.TransparentHugePages
	}
	b, _ := json.Marshal(fp)
	return b
}

func defaultClass(env bench.Environment) string {
	if env.GPU != nil {
		return env.GPU.Name
	}
	return "cpu-" + strings.Fields(env.CPUModel + " unknown")[0] + "-" + fmt.Sprint(env.CPUCores)
}

// fleetMeasurer measures jobs on one device, reopening the backend only when a
// job's backend options differ from the last one's.
type fleetMeasurer struct {
	dev  backend.Device
	logf func(format string, args ...any) // when set, says that a job's threads were cut
	mu   sync.Mutex
	be   backend.Backend
	opts backend.Options
	cut  int // the number of threads asked for whose cut was said last
}

func (m *fleetMeasurer) backend(o backend.Options) (backend.Backend, error) {
	if m.be != nil && m.opts.Equal(o) {
		return m.be, nil
	}
	m.close()
	be, err := backend.Open(m.dev, o)
	if err != nil {
		return nil, err
	}
	m.be, m.opts = be, o
	return be, nil
}

func (m *fleetMeasurer) close() {
	if m.be != nil {
		m.be.Close()
		m.be = nil
	}
}

// measure measures job j on m's device: the full forward, or a generation mode when
// the job's protocol has one, on at most this machine's CPUs.
func (m *fleetMeasurer) measure(ctx context.Context, j fleet.Job) (json.RawMessage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var fp FleetProtocol
	if err := json.Unmarshal(j.Protocol, &fp); err != nil {
		return nil, fmt.Errorf("job protocol: %v", err)
	}
	a, err := space.ParseArch(j.Arch)
	if err != nil {
		return nil, fmt.Errorf("job architecture: %v", err)
	}
	if a.Key() != j.ArchKey {
		return nil, fmt.Errorf("job architecture has key %s, the job says %s", a.Key(), j.ArchKey)
	}
	p := fp.Protocol
	p.Threads = m.threads(p.Threads) // the coordinator's machine is not this one
	if err := p.Validate(); err != nil {
		return nil, err
	}
	gp := fp.Generation
	if gp != nil {
		// MeasureGeneration sets the passes' tokens and output from the mode.
		if _, _, err := gp.Resolve(a); err != nil {
			return nil, fmt.Errorf("generation protocol: %v", err)
		}
	} else if _, err := p.Resolve(a); err != nil {
		return nil, err
	}
	be, err := m.backend(backendOptions(p))
	if err != nil {
		return nil, err
	}
	if gp != nil {
		res, err := benchMeasureGeneration(ctx, be, a, p, *gp, fp.Seed)
		if err != nil {
			return nil, err
		}
		return json.Marshal(generationJSON{GenerationResult: res, Environment: bench.CaptureEnvironment(p.Threads, be)})
	}
	res, err := benchMeasure(ctx, be, a, p, fp.Seed)
	if err != nil {
		return nil, err
	}
	return json.Marshal(measureJSON{res, bench.CaptureEnvironment(p.Threads, be)})
}

// threads is how many CPU threads a job that asks for n uses: n, at most this
// machine's CPUs (all of them when n is 0); the result records it. A cut is said
// once, not for every job.
func (m *fleetMeasurer) threads(n int) int {
	cpus := runtime.NumCPU()
	if n <= 0 {
		return cpus
	}
	if n > cpus {
		if m.cut != n && m.logf != nil {
			m.logf("the run asks for %d threads, more than the %d CPUs here: using %d (each result records it)", n, cpus, cpus)
		}
		m.cut = n
		return cpus
	}
	return n
}
