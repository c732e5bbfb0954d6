package kern

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// sgemmShapes are the products the models run: M = 192 tokens (or a few rows in the
// last-position mode), GPT-2 Conv1D weights [K, N], Transformer-XL nn.Linear and the
// output layers [N, K] (transB).
var sgemmShapes = []struct {
	name    string
	m, n, k int
	transB  bool
}{
	{"square768", 768, 768, 768, false},
	{"gpt2-qkv", 192, 2304, 768, false},
	{"gpt2-fc", 192, 3072, 768, false},
	{"gpt2-proj", 192, 768, 3072, false},
	{"gpt2-d128-qkv", 192, 384, 128, false},
	{"txl-ff-T", 192, 2048, 512, true},
	{"txl-proj-T", 192, 512, 2048, true},
	{"gpt2-head-T", 192, 50257, 768, true},
	{"adaptive-c1-T", 192, 20000, 128, true},
	{"adaptive-c2-T", 192, 160000, 32, true},
	{"last1-head-T", 1, 50257, 768, true},
	{"last8-fc", 8, 3072, 768, false},
}

// peakGFLOPS is the FMA peak of one core, measured once by fmaPeak (0 where there is no
// assembly loop to measure it).
var peakGFLOPS = sync.OnceValue(func() float64 {
	const iters = 20_000_000
	best := 0.0
	for range 5 {
		t0, cpu0 := time.Now(), processCPUTime()
		flops := fmaPeak(iters)
		if flops == 0 {
			return 0
		}
		// CPU time when the OS reports it: another process sharing the core must not
		// lower the peak (and so inflate every %peak).
		elapsed := time.Since(t0)
		if cpu := processCPUTime() - cpu0; cpu > 0 && cpu < elapsed {
			elapsed = cpu
		}
		best = max(best, float64(flops)/elapsed.Seconds()/1e9)
	}
	return best
})

func BenchmarkFMAPeak(b *testing.B) {
	if peakGFLOPS() == 0 {
		b.Skip("no FMA loop on this architecture")
	}
	for b.Loop() {
		fmaPeak(1_000_000)
	}
	b.ReportMetric(peakGFLOPS(), "GFLOP/s")
}

// BenchmarkSgemm runs each shape on GOMAXPROCS threads (set it with -cpu, one value per
// run) and reports GFLOP/s and the share of the FMA peak of that many cores.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range sgemmShapes {
		b.Run(fmt.Sprintf("%s-%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			benchGemm(b, s.m, s.n, s.k, s.transB, false)
		})
	}
}

// BenchmarkSgemmPacked is BenchmarkSgemm with B packed once by PackB.
func BenchmarkSgemmPacked(b *testing.B) {
	for _, s := range sgemmShapes {
		b.Run(fmt.Sprintf("%s-%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			benchGemm(b, s.m, s.n, s.k, s.transB, true)
		})
	}
}

func benchGemm(b *testing.B, m, n, k int, transB, packed bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, m*k)
	w := make([]float32, n*k)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	c := make([]float32, m*n)
	ldb := n
	if transB {
		ldb = k
	}
	threads := runtime.GOMAXPROCS(0)
	p := NewPool(threads)
	defer p.Close()
	var pb *PackedB
	if packed {
		pb = PackB(n, k, w, ldb, transB)
	}
	cpu0 := processCPUTime()
	for b.Loop() {
		if packed {
			GemmPacked(p, m, x, k, pb, c, n, nil)
		} else {
			Gemm(p, m, n, k, x, k, w, ldb, transB, c, n, nil)
		}
	}
	flops := 2 * float64(m) * float64(n) * float64(k) * float64(b.N)
	reportRates(b, flops, processCPUTime()-cpu0, threads)
}

// reportRates reports GFLOP/s over wall time, its share of the peak of threads cores,
// and GFLOP/s per CPU second of one core (cpu-GFLOP/s, which other processes on the
// machine disturb less).
func reportRates(b *testing.B, flops float64, cpu time.Duration, threads int) {
	gflops := flops / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(gflops, "GFLOP/s")
	if peak := peakGFLOPS(); peak > 0 {
		b.ReportMetric(100*gflops/(peak*float64(threads)), "%peak")
	}
	if cpu > 0 {
		b.ReportMetric(flops/cpu.Seconds()/1e9*float64(threads), "cpu-GFLOP/s")
	}
}

// BenchmarkMicroKernel runs the active micro-kernel on L1-resident panels (kc = kcBlock),
// the ceiling the blocked driver can reach.
func BenchmarkMicroKernel(b *testing.B) {
	kr := activeKernel
	a := make([]float32, kcBlock*kr.mr)
	bp := make([]float32, kcBlock*kr.nr)
	c := make([]float32, kr.mr*kr.nr)
	for i := range a {
		a[i] = 1
	}
	cpu0 := processCPUTime()
	for b.Loop() {
		for range 100 {
			kr.micro(kcBlock, a, bp, kr.nr, c, kr.nr, true)
		}
	}
	reportRates(b, 2*float64(kr.mr*kr.nr*kcBlock*100)*float64(b.N), processCPUTime()-cpu0, 1)
}
