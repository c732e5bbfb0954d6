package cuda

import (
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/backendtest"
)

// TestConformanceEmulated runs the backend conformance suite (ops, whole models,
// golden bundles) through the CUDA backend's lowering and kernels on the CPU emulator,
// visiting the threads of each block in a shuffled order.
func TestConformanceEmulated(t *testing.T) {
	t.Parallel()
	h := harness(t)
	backendtest.Run(t, func() (backend.Backend, error) {
		return &emuBackend{h: h, order: "shuffle", seed: 1}, nil
	})
}

// TestConformanceEmulatedTiledGEMM is TestConformanceEmulated with every GEMM done by
// the backend's own sgemm_tiled_f32, as on a machine with the driver and no cuBLAS.
func TestConformanceEmulatedTiledGEMM(t *testing.T) {
	t.Parallel()
	h := harness(t)
	backendtest.Run(t, func() (backend.Backend, error) {
		return &emuBackend{h: h, order: "shuffle", seed: 2, tiled: true}, nil
	})
}
