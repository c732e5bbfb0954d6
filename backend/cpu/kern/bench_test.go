package kern

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/ltsbench/ltsbench/internal/stats"
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
	{"gpt2-attn-proj", 192, 768, 768, false},
	{"gpt2-d128-qkv", 192, 384, 128, false},
	{"txl-ff-T", 192, 2048, 512, true},
	{"txl-proj-T", 192, 512, 2048, true},
	{"gpt2-head-T", 192, 50257, 768, true},
	{"adaptive-c1-T", 192, 20000, 128, true},
	{"adaptive-c2-T", 192, 160000, 32, true},
	{"last1-head-T", 1, 50257, 768, true},
	{"last8-fc", 8, 3072, 768, false},
}

// peakMeter states a product's speed as a share of the FMA peak measured at the same
// moments. The FMA throughput of a shared or power-managed machine moves (here by 10 to
// 20 % within seconds), so one peak measured before a benchmark says little about its
// loop: the meter cuts the
// loop into windows of about 20 ms and measures the peak of the team's cores (every
// thread at once) right before and after each window, and the share is the median
// over windows of the window's rate against the mean of its two peaks.
type peakMeter struct {
	p       *Pool
	threads int
	b       *testing.B
	last    float64 // team peak at the end of the previous window, GFLOP/s
	flops   float64 // in the open window
	elapsed time.Duration
	ratios  []float64
	peaks   []float64
	cpu     time.Duration // CPU time spent measuring peaks, for the caller to leave out
}

const (
	peakWindow = 20 * time.Millisecond
	peakIters  = 500_000 // about 1 ms of fmaPeak
)

// newPeakMeter measures the first peak; nil where there is no FMA loop to measure.
func newPeakMeter(b *testing.B, p *Pool) *peakMeter {
	m := &peakMeter{p: p, threads: p.Threads(), b: b}
	if m.last = m.teamPeak(); m.last == 0 {
		return nil
	}
	return m
}

// peakTeam runs fmaPeak on every thread of a team at once; each thread times its own.
type peakTeam struct{ rate [maxThreadsMeasured]float64 }

const maxThreadsMeasured = 64

func (t *peakTeam) work(tid int) {
	t0 := time.Now()
	flops := fmaPeak(peakIters)
	t.rate[tid] = float64(flops) / time.Since(t0).Seconds() / 1e9
}

// teamPeak is the summed FMA peak of the pool's threads running together, GFLOP/s.
func (m *peakMeter) teamPeak() float64 {
	var t peakTeam
	nt := min(m.threads, maxThreadsMeasured)
	m.p.mu.Lock()
	m.p.runTeam(nt, &t)
	m.p.mu.Unlock()
	sum := 0.0
	for _, r := range t.rate[:nt] {
		sum += r
	}
	return sum
}

// time runs f, adds its flops to the window, and closes the window when it is full.
func (m *peakMeter) time(flops float64, f func()) {
	if m == nil {
		f()
		return
	}
	t0 := time.Now()
	f()
	m.elapsed += time.Since(t0)
	m.flops += flops
	if m.elapsed < peakWindow {
		return
	}
	m.b.StopTimer()
	cpu0 := processCPUTime()
	pk := m.teamPeak()
	m.cpu += processCPUTime() - cpu0
	mean := (m.last + pk) / 2
	m.ratios = append(m.ratios, m.flops/m.elapsed.Seconds()/1e9/mean)
	m.peaks = append(m.peaks, mean)
	m.last, m.flops, m.elapsed = pk, 0, 0
	m.b.StartTimer()
}

// peakCPU is the CPU time the meter's peak measurements took.
func (m *peakMeter) peakCPU() time.Duration {
	if m == nil {
		return 0
	}
	return m.cpu
}

// report adds %peak (median over windows) and the median team peak it was measured
// against; nothing when no window closed (a -benchtime too short for one).
func (m *peakMeter) report() {
	if m == nil || len(m.ratios) == 0 {
		return
	}
	m.b.ReportMetric(100*stats.Median(m.ratios), "%peak")
	m.b.ReportMetric(stats.Median(m.peaks), "peak-GFLOP/s")
}

// fmaPeak runs iters rounds of the FMA loop in the vector width of the kernel Gemm uses
// and returns the flops done, so benchmarks state a kernel's speed against the peak it
// can reach rather than guess the clock; 0 where that kernel has no such loop.
func fmaPeak(iters int) int {
	if activeKernel.peak == nil {
		return 0
	}
	return activeKernel.peak(iters)
}

// BenchmarkFMAPeak is the FMA peak of one core in the active kernel's vector width.
func BenchmarkFMAPeak(b *testing.B) {
	if fmaPeak(1) == 0 {
		b.Skip("no FMA loop on this architecture")
	}
	var flops float64
	for b.Loop() {
		flops += float64(fmaPeak(1_000_000))
	}
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemm runs each shape on GOMAXPROCS threads (set it with -cpu, one value per
// run) and reports GFLOP/s and the share of the FMA peak of that many cores.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range sgemmShapes {
		b.Run(fmt.Sprintf("%s-%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			benchGemm(b, s.m, s.n, s.k, s.transB)
		})
	}
}

func benchGemm(b *testing.B, m, n, k int, transB bool) {
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
	meter := newPeakMeter(b, p)
	flops1 := 2 * float64(m) * float64(n) * float64(k)
	b.ResetTimer()
	cpu0 := processCPUTime()
	for b.Loop() {
		meter.time(flops1, func() {
			Gemm(p, m, n, k, x, k, w, ldb, transB, c, n, nil)
		})
	}
	cpu := processCPUTime() - cpu0 - meter.peakCPU()
	b.StopTimer()
	reportRates(b, flops1*float64(b.N), cpu, threads)
	meter.report()
}

// reportRates reports GFLOP/s over wall time and GFLOP/s per CPU second of one core ×
// threads (cpu-GFLOP/s, which other processes on the machine disturb less). The timer
// is stopped while the peak meter runs, so neither counts it.
func reportRates(b *testing.B, flops float64, cpu time.Duration, threads int) {
	gflops := flops / b.Elapsed().Seconds() / 1e9
	b.ReportMetric(gflops, "GFLOP/s")
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
	p := NewPool(1)
	defer p.Close()
	meter := newPeakMeter(b, p)
	flops1 := 2 * float64(kr.mr*kr.nr*kcBlock*100)
	b.ResetTimer()
	cpu0 := processCPUTime()
	for b.Loop() {
		meter.time(flops1, func() {
			for range 100 {
				kr.micro(kcBlock, a, bp, kr.nr, c, kr.nr, true)
			}
		})
	}
	cpu := processCPUTime() - cpu0 - meter.peakCPU()
	b.StopTimer()
	reportRates(b, flops1*float64(b.N), cpu, 1)
	meter.report()
}

// BenchmarkOneRow times the products of a decode step at batch 1 (one row of A against
// GPT-2 small's weights) on GOMAXPROCS threads, reporting the rate B is read at (GB/s):
// such a product is bound by that read. Each iteration takes the next of enough copies
// of B to exceed the last-level cache, as a step's weights do. path=rows is the rows path
// (a [k, n] B), path=blocked the blocked path it replaced, path=dots the dot-product
// path on the same bytes stored [n, k].
func BenchmarkOneRow(b *testing.B) {
	shapes := []struct {
		name string
		n, k int
	}{{"qkv", 2304, 768}, {"fc", 3072, 768}, {"proj", 768, 3072}, {"attn-proj", 768, 768}}
	for _, s := range shapes {
		for _, path := range []string{"rows", "blocked", "dots"} {
			b.Run(fmt.Sprintf("%s-%dx%d/path=%s", s.name, s.n, s.k, path), func(b *testing.B) {
				if path == "rows" && !rowsPath {
					b.Skip("no rows path in this build")
				}
				saved := rowsPath
				rowsPath = path == "rows"
				defer func() { rowsPath = saved }()
				copies := max(1, (256<<20)/(s.n*s.k*4))
				rng := rand.New(rand.NewPCG(1, 2))
				ws := make([][]float32, copies)
				for i := range ws {
					ws[i] = make([]float32, s.n*s.k)
					for j := range ws[i] {
						ws[i][j] = float32(rng.NormFloat64())
					}
				}
				x, c := make([]float32, s.k), make([]float32, s.n)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				transB, ldb := path == "dots", s.n
				if transB {
					ldb = s.k
				}
				p := NewPool(runtime.GOMAXPROCS(0))
				defer p.Close()
				i := 0
				for b.Loop() {
					Gemm(p, 1, s.n, s.k, x, s.k, ws[i%copies], ldb, transB, c, s.n, nil)
					i++
				}
				b.ReportMetric(float64(s.n*s.k*4)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
