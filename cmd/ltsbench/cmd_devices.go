package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "devices",
		Usage:     "list the GPUs and the CPU ltsbench can measure on",
		UsageText: "ltsbench devices [--format table|json]",
		Description: "Lists the CPU (model, cores, SIMD features) and the devices of every backend\n" +
			"built in: for cuda the NVIDIA GPUs in the order of --device cuda:N (name, memory, driver\n" +
			"and CUDA version, compute capability, clocks; from the CUDA driver and NVML). A machine\n" +
			"without an NVIDIA driver lists the CPU and says so; that is not an error.",
		Flags:  []cli.Flag{formatFlag("table", "json")},
		Action: devicesAction,
	})
}

// devicesJSON is the --format json output.
type devicesJSON struct {
	CPU  sysinfo.CPUInfo  `json:"cpu"`
	GPUs []backend.Listed `json:"gpus"` // every device kind's devices, kinds in name order
	// Backends holds what each device kind says about its set-up (the cuda kind: where
	// it looks for cuBLAS and what it would try), by kind.
	Backends map[string]any `json:"backends,omitempty"`
	Notes    []string       `json:"notes,omitempty"`
}

func devicesAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("devices takes no arguments (got %q)", c.Args().First())
	}
	format, err := formatOf(c, "table", "json")
	if err != nil {
		return err
	}
	rep := devicesReport(sysinfo.CPU())
	if format == "json" {
		return writeJSON(envOf(c).stdout, rep)
	}
	return writeDevicesTable(envOf(c).stdout, rep)
}

// devicesReport asks every registered device kind that can list its devices
// (backend.Kind.Probe) what it finds here.
func devicesReport(cpu sysinfo.CPUInfo) devicesJSON {
	rep := devicesJSON{CPU: cpu, GPUs: []backend.Listed{}}
	for _, name := range backend.Kinds() {
		k, _ := backend.KindOf(name)
		if k.Probe == nil {
			continue
		}
		p := k.Probe()
		rep.GPUs = append(rep.GPUs, p.Devices...)
		rep.Notes = append(rep.Notes, p.Notes...)
		if p.Details != nil {
			if rep.Backends == nil {
				rep.Backends = map[string]any{}
			}
			rep.Backends[name] = p.Details
		}
	}
	return rep
}

func writeDevicesTable(w io.Writer, rep devicesJSON) error {
	feats := strings.Join(rep.CPU.Features, " ")
	if feats == "" {
		feats = "(none detected)"
	}
	err := renderTable(w, []string{"device", "description"}, [][]string{
		{"cpu", fmt.Sprintf("%s, %d cores", rep.CPU.Model, rep.CPU.Cores)},
		{"", "SIMD: " + feats},
	}, tw.AlignLeft, tw.AlignLeft)
	if err != nil {
		return err
	}
	if len(rep.GPUs) > 0 {
		var rows [][]string
		for _, g := range rep.GPUs {
			dev := g.Device
			if dev == "" {
				dev = "(not visible to its backend)"
			}
			clocks := "-"
			if g.SMClockMHz > 0 {
				clocks = fmt.Sprintf("%d/%d MHz", g.SMClockMHz, g.MaxSMClockMHz)
			}
			mem := "-"
			if g.MemClockMHz > 0 {
				mem = fmt.Sprintf("%d MHz", g.MemClockMHz)
			}
			rows = append(rows, []string{dev, g.Name, fmt.Sprintf("%.1f GiB", float64(g.MemoryBytes)/(1<<30)),
				orDash(g.Driver), orDash(g.CUDAVersion), orDash(g.ComputeCapability), clocks, mem})
		}
		fmt.Fprintln(w)
		err = renderTable(w, []string{"device", "GPU", "memory", "driver", "CUDA", "compute", "SM clock (now/max)", "memory clock"}, rows,
			tw.AlignLeft, tw.AlignLeft, tw.AlignRight)
		if err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rep.Backends)) {
		if d, ok := rep.Backends[name].(fmt.Stringer); ok {
			fmt.Fprintln(w, d.String())
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
