// Package backend is where a decoder graph meets a device: the Backend and Executable
// interfaces every device implements (compile graphs of one architecture once, run them
// many times without allocating, time a run as the device measures it, read any tensor
// back), the device names users type ("cpu", "cuda:N"), and a registry through which the
// backend packages (backend/cpu, backend/cuda) make themselves available to Open.
//
// The conformance suite every backend must pass is in backend/backendtest: each op on
// random data against a float64 reference with guard bands, whole models against a
// float64 implementation of the equations, then the golden bundles end to end.
//
// A backend allocates exactly the graph's three regions (weights, arena, state:
// model.Graph.AllocPeakBytes) for the model; memory of its own beyond that (GEMM packing
// buffers, a cuBLAS workspace) it reports through WorkspaceReporter.
package backend
