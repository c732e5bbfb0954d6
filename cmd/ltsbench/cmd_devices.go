package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ltsbench/ltsbench/backend/cuda" // also registers "cuda"
	"github.com/ltsbench/ltsbench/internal/sysinfo"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:      "devices",
		Usage:     "list the GPUs and the CPU ltsbench can measure on",
		UsageText: "ltsbench devices [--format table|json]",
		Description: "Lists the NVIDIA GPUs in the order of --device cuda:N (name, memory, driver and\n" +
			"CUDA version, compute capability, clocks; from the CUDA driver and NVML) and the CPU\n" +
			"(model, cores, SIMD features). A machine without an NVIDIA driver lists the CPU and\n" +
			"says so; that is not an error.",
		Flags:  []cli.Flag{formatFlag("table", "json")},
		Action: devicesAction,
	})
}

// devicesJSON is the --format json output.
type devicesJSON struct {
	CPU  sysinfo.CPUInfo `json:"cpu"`
	GPUs []deviceGPU     `json:"gpus"`
	// CUBLAS is where the CUDA backend looks for cuBLAS and what it would try, in order.
	CUBLAS *cublasSearch `json:"cublas,omitempty"`
	Notes  []string      `json:"notes,omitempty"`
}

// cublasSearch is the cuBLAS the CUDA backend would load: the libraries it tries in
// order (sonames on the loader's path first) and the folders it looked in.
type cublasSearch struct {
	Candidates []string `json:"candidates"`
	LookedIn   []string `json:"looked_in"`
}

// deviceGPU is one GPU: its --device name, what the driver API says and, matched by
// UUID, NVML's description.
type deviceGPU struct {
	Device string `json:"device"` // cuda:N; "" for a GPU NVML lists but CUDA does not
	SMs    int    `json:"sms,omitempty"`
	sysinfo.GPU
}

func devicesAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("devices takes no arguments (got %q)", c.Args().First())
	}
	format, err := formatOf(c, "table", "json")
	if err != nil {
		return err
	}
	rep := devicesReport(sysinfo.CPU(), cuda.Probe, sysinfo.GPUs)
	looked, cands := cuda.CublasSearch()
	rep.CUBLAS = &cublasSearch{Candidates: cands, LookedIn: looked}
	if format == "json" {
		return writeJSON(envOf(c).stdout, rep)
	}
	return writeDevicesTable(envOf(c).stdout, rep)
}

// devicesReport merges the driver API's GPU list (the cuda:N order) with NVML's (by UUID).
func devicesReport(cpu sysinfo.CPUInfo, probe func() (cuda.DriverInfo, error), nvml func() sysinfo.GPUReport) devicesJSON {
	rep := devicesJSON{CPU: cpu, GPUs: []deviceGPU{}}
	drv, drvErr := probe()
	nv := nvml()
	byUUID := map[string]sysinfo.GPU{}
	for _, g := range nv.GPUs {
		byUUID[g.UUID] = g
	}
	used := map[string]bool{}
	for _, p := range drv.GPUs {
		d := deviceGPU{Device: fmt.Sprintf("cuda:%d", p.Ordinal), SMs: p.SMs}
		if g, ok := byUUID[p.UUID]; ok && p.UUID != "" {
			d.GPU = g
			used[p.UUID] = true
		} else {
			d.GPU = sysinfo.GPU{Index: -1, Name: p.Name, UUID: p.UUID, MemoryBytes: p.MemoryBytes,
				CUDAVersion: drv.CUDAVersion, ComputeCapability: p.ComputeCapability}
		}
		rep.GPUs = append(rep.GPUs, d)
	}
	// GPUs NVML sees that CUDA does not (CUDA_VISIBLE_DEVICES, or no usable driver API).
	for _, g := range nv.GPUs {
		if !used[g.UUID] {
			rep.GPUs = append(rep.GPUs, deviceGPU{GPU: g})
		}
	}
	if drvErr != nil {
		rep.Notes = append(rep.Notes, drvErr.Error())
	}
	// NVML's own "no driver" needs no second note when the driver API said it already.
	if nv.Note != "" && !(drvErr != nil && strings.Contains(nv.Note, "no NVIDIA driver")) {
		rep.Notes = append(rep.Notes, nv.Note)
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
				dev = "(not visible to CUDA)"
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
	if cb := rep.CUBLAS; cb != nil {
		var onDisk []string
		for _, c := range cb.Candidates {
			if strings.Contains(c, "/") {
				onDisk = append(onDisk, c)
			}
		}
		if len(onDisk) == 0 {
			onDisk = []string{"none in the folders (the loader still tries its own path)"}
		}
		fmt.Fprintf(w, "cuBLAS candidates: %s\n", strings.Join(onDisk, ", "))
		fmt.Fprintf(w, "cuBLAS looked in: the loader's path, %s\n", strings.Join(cb.LookedIn, ", "))
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
