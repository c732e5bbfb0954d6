//go:build linux && cgo

package cuda

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ltsbench/ltsbench/backend/backendtest"
	"github.com/ltsbench/ltsbench/model"
)

// Heads of 1600 columns (causal) and 1024 columns (relative, with memory) launch with
// more than 48 KiB of dynamic shared memory per block, which the kernels get through
// the opt-in, and match a float64 reference.
func TestWideHeadAttention(t *testing.T) {
	b := openGPU(t, Options{})
	a := testArch(t, gpt2Small) // only for the regions: the operands are placed by hand
	g, err := model.Build(a, model.Shape{Batch: 1, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const (
		T, D      = 3, 1600    // causal: one batch row, one head
		Tr, K, Dh = 3, 5, 1024 // relative: one head, K - Tr = 2 memory rows
	)
	// Weights region: qkv [T, 3D], q [Tr, Dh], kv [K, 2Dh], r [K, Dh], rwb, rrb [Dh].
	offQKV, offQ := 0, T*3*D
	offKV := offQ + Tr*Dh
	offR := offKV + K*2*Dh
	offRWB := offR + K*Dh
	offRRB := offRWB + Dh
	n := offRRB + Dh
	w0 := backendtest.StressWeights(a, 6)
	w := *w0
	w.Data = slices.Clone(w0.Data)
	if len(w.Data) < n || g.ArenaBytes < 4*int64(T*D+Tr*Dh) {
		t.Fatal("test arch too small for the operands")
	}
	rng := rand.New(rand.NewPCG(6, 1600))
	for i := range n {
		w.Data[i] = float32(rng.NormFloat64()) * 1.5 // peaked attention: an indexing slip shows
	}
	l := &lowering{label: "wide causal"}
	l.causalAttention(devRef{regArena, 0}, devRef{regWeights, 4 * int64(offQKV)}, 1, T, 1, D)
	l.label = "wide relative"
	l.relAttention(devRef{regArena, 4 * T * D}, devRef{regWeights, 4 * int64(offQ)}, devRef{regWeights, 4 * int64(offKV)},
		devRef{regWeights, 4 * int64(offR)}, devRef{regWeights, 4 * int64(offRWB)}, devRef{regWeights, 4 * int64(offRRB)},
		1, Tr, K, 1, Dh)
	if l.err != nil {
		t.Fatal(l.err)
	}
	for _, s := range l.steps {
		if s.launch.smem <= defaultDynamicSmem {
			t.Fatalf("%s uses %d bytes of shared memory: not past 48 KiB", s.launch.label, s.launch.smem)
		}
	}
	exe, err := b.compileSteps(&w, []*model.Graph{g}, [][]step{l.steps})
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	if err := exe.Run(0); err != nil {
		t.Fatal(err)
	}
	got := make([]float32, T*D+Tr*Dh)
	if err := b.w.do(func() error {
		return drvDtoH(b.name, "test", unsafePointer(got), exe.base[regArena], int64(4*len(got)), b.stream)
	}); err != nil {
		t.Fatal(err)
	}
	x := w.Data
	want := refAttention(T, T, D, func(t, j int) float64 {
		return dot(x[offQKV+t*3*D:], x[offQKV+j*3*D+D:], D, nil)
	}, func(j, d int) float32 { return x[offQKV+j*3*D+2*D+d] })
	want = append(want, refAttention(Tr, K, Dh, func(t, j int) float64 {
		q := x[offQ+t*Dh:]
		return dot(q, x[offKV+j*2*Dh:], Dh, x[offRWB:]) + dot(q, x[offR+(K-Tr+t-j)*Dh:], Dh, x[offRRB:])
	}, func(j, d int) float32 { return x[offKV+j*2*Dh+Dh+d] })...)
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-4*max(1, math.Abs(want[i])) {
			t.Fatalf("output %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// dot is Σ (a[d] + bias[d])·b[d] over d < n in float64 (bias may be nil).
func dot(a, b []float32, n int, bias []float32) float64 {
	var s float64
	for d := range n {
		x := float64(a[d])
		if bias != nil {
			x += float64(bias[d])
		}
		s += x * float64(b[d])
	}
	return s
}

// refAttention is one head of attention in float64: query t (of T, the last T of K
// keys) sees keys j ≤ K - T + t with score(t, j)/√dh, and averages the values.
func refAttention(T, K, dh int, score func(t, j int) float64, value func(j, d int) float32) []float64 {
	out := make([]float64, T*dh)
	for t := range T {
		last := K - T + t
		s := make([]float64, last+1)
		m := math.Inf(-1)
		for j := range s {
			s[j] = score(t, j) / math.Sqrt(float64(dh))
			m = max(m, s[j])
		}
		var sum float64
		for j := range s {
			s[j] = math.Exp(s[j] - m)
			sum += s[j]
		}
		for j := range s {
			for d := range dh {
				out[t*dh+d] += s[j] / sum * float64(value(j, d))
			}
		}
	}
	return out
}
