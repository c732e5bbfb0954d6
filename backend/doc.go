// Package backend is where a decoder graph meets a device: the Backend and Executable
// interfaces every device implements (compile graphs of one architecture once, run them
// many times without allocating, time a run as the device measures it, read any tensor
// back), and the registry of device kinds.
//
// A backend package (backend/cpu, backend/cuda) registers its kind in its init
// (Register): the name users type in --device ("cpu", "cuda:N"), whether its devices
// are numbered, whether the device has memory of its own, the settings it accepts
// (Options.Settings, e.g. cuda's "tf32"), how to open a device and how to list the
// devices of this machine (Probe). ParseDevice and Open know only registered kinds; the
// binary links the backends in with blank imports in cmd/ltsbench/backends.go.
//
// What only a backend knows it tells through optional interfaces the measurement finds
// by type assertion (optional.go): the memory beyond the model's three regions
// (WorkspaceReporter), its device's memory while graphs run (MemorySampler), the device
// (DeviceDescriber, as a sysinfo.GPU, the one description of a device), the CPU kernel
// in use (KernelDescriber), a line for logs (Summarizer). The preconditions every
// backend checks before it touches its device (same architecture and state layout
// across graphs, token ids inside the vocabulary, reads of whole float32 tensors) are
// CheckCompile, CheckGraph, CheckIDs and CheckRead.
//
// The conformance suite every backend must pass is in backend/backendtest: each op on
// random data against a float64 reference with guard bands, whole models against a
// float64 implementation of the equations, then the golden bundles end to end.
//
// A backend allocates exactly the graph's three regions (weights, arena, state:
// model.Graph.AllocPeakBytes) for the model; memory of its own beyond that (GEMM packing
// buffers, a cuBLAS workspace) it reports through WorkspaceReporter.
package backend
