package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ltsbench/ltsbench/space"
)

// fakeSpace is a small GPT-2 search space with the genes LTS searches: n_layer,
// d_model, and n_head and d_inner per layer. Like a space that keeps a gene for every
// possible layer, its architectures carry per-layer values beyond n_layer (which Key
// ignores), so the search must work on canonical forms to resume exactly.
type fakeSpace struct {
	Layers, DModels, Heads, Inners []int
	MinRatio                       float64 // d_inner ≥ MinRatio·d_model
}

func (f *fakeSpace) maxLayers() int {
	m := 0
	for _, l := range f.Layers {
		m = max(m, l)
	}
	return m
}

// genes of a: [n_layer, d_model, n_head×maxLayers, d_inner×maxLayers]; values a does
// not carry are the first choices.
func (f *fakeSpace) genes(a *space.Arch) []int {
	m := f.maxLayers()
	g := []int{a.NLayer, a.DModel}
	for i := range m {
		h := f.Heads[0]
		if i < len(a.NHead) {
			h = a.NHead[i]
		}
		g = append(g, h)
	}
	for i := range m {
		in := f.Inners[0]
		if i < len(a.DInner) {
			in = a.DInner[i]
		}
		g = append(g, in)
	}
	return g
}

func (f *fakeSpace) choices(gene int) []int {
	m := f.maxLayers()
	switch {
	case gene == 0:
		return f.Layers
	case gene == 1:
		return f.DModels
	case gene < 2+m:
		return f.Heads
	default:
		return f.Inners
	}
}

// build makes the architecture of genes g, keeping all per-layer genes.
func (f *fakeSpace) build(g []int) *space.Arch {
	m := f.maxLayers()
	return &space.Arch{
		Backbone: space.GPT2, NLayer: g[0], DModel: g[1],
		NHead: append([]int(nil), g[2:2+m]...), DInner: append([]int(nil), g[2+m:2+2*m]...),
		DEmbed: g[1], DivVal: 1, NToken: 1000, TgtLen: 64,
	}
}

func (f *fakeSpace) Check(a *space.Arch) error {
	in := func(v int, vs []int) bool {
		for _, x := range vs {
			if x == v {
				return true
			}
		}
		return false
	}
	if !in(a.NLayer, f.Layers) || !in(a.DModel, f.DModels) {
		return fmt.Errorf("n_layer %d or d_model %d outside the space", a.NLayer, a.DModel)
	}
	for l := range a.NLayer {
		if !in(a.NHead[l], f.Heads) || !in(a.DInner[l], f.Inners) {
			return fmt.Errorf("layer %d outside the space", l)
		}
		if a.DModel%a.NHead[l] != 0 {
			return fmt.Errorf("layer %d: n_head %d does not divide d_model %d", l, a.NHead[l], a.DModel)
		}
		if float64(a.DInner[l]) < f.MinRatio*float64(a.DModel) {
			return fmt.Errorf("layer %d: d_inner %d < %g·d_model", l, a.DInner[l], f.MinRatio)
		}
	}
	return nil
}

func (f *fakeSpace) Sample(rng *rand.Rand) (*space.Arch, error) {
	n := 2 + 2*f.maxLayers()
	for range 10000 {
		g := make([]int, n)
		for i := range g {
			c := f.choices(i)
			g[i] = c[rng.IntN(len(c))]
		}
		if a := f.build(g); f.Check(a) == nil {
			return a, nil
		}
	}
	return nil, errors.New("fake space: no valid architecture in 10000 draws")
}

func (f *fakeSpace) Mutate(a *space.Arch, p float64, rng *rand.Rand) *space.Arch {
	g := f.genes(a)
	for i := range g {
		if rng.Float64() < p {
			c := f.choices(i)
			g[i] = c[rng.IntN(len(c))]
		}
	}
	return f.build(g)
}

func (f *fakeSpace) Crossover(a, b *space.Arch, p float64, rng *rand.Rand) *space.Arch {
	ga, gb := f.genes(a), f.genes(b)
	for i := range ga {
		if rng.Float64() >= p {
			ga[i] = gb[i]
		}
	}
	return f.build(ga)
}

// enumerate is every valid architecture of f, canonical, one per key.
func (f *fakeSpace) enumerate() []*space.Arch {
	var out []*space.Arch
	seen := map[string]bool{}
	var rec func(g []int, i int)
	n := 2 + 2*f.maxLayers()
	rec = func(g []int, i int) {
		if i == n {
			a := f.build(g)
			if f.Check(a) != nil || seen[a.Key()] {
				return
			}
			seen[a.Key()] = true
			c, err := canonical(a)
			if err != nil {
				panic(err)
			}
			out = append(out, c)
			return
		}
		for _, v := range f.choices(i) {
			rec(append(g, v), i+1)
		}
	}
	rec(nil, 0)
	return out
}

// tinySpace has 26 valid architectures: n_layer 1 or 2, d_model 64 or 96, heads 2 or
// 4, d_inner 128 or 256, d_inner ≥ 2·d_model (so d_model 96 needs 256).
func tinySpace() *fakeSpace {
	return &fakeSpace{Layers: []int{1, 2}, DModels: []int{64, 96}, Heads: []int{2, 4}, Inners: []int{128, 256}, MinRatio: 2}
}

// wideSpace is far larger than any test's budget.
func wideSpace() *fakeSpace {
	return &fakeSpace{Layers: []int{1, 2, 3, 4}, DModels: []int{64, 128, 256}, Heads: []int{1, 2, 4, 8}, Inners: []int{128, 256, 512, 1024}, MinRatio: 1}
}

// fakeMeasurer gives every architecture deterministic objectives that trade off
// against each other (heads cost latency, not parameters; d_inner costs memory more
// than latency), and fails the architectures whose memory objective is over OOMBytes,
// as a device out of memory would.
type fakeMeasurer struct {
	Sleep    time.Duration
	OOMBytes int64

	mu    sync.Mutex
	calls []string // keys in the order measured
}

func (m *fakeMeasurer) objectives(a *space.Arch) (latencyMS float64, memoryBytes int64) {
	latencyMS = 0.25
	memoryBytes = 1 << 20
	for l := range a.NLayer {
		latencyMS += float64(a.DModel*a.DModel)/2e4 + float64(a.DModel*a.DInner[l])/5e4 + 0.3*float64(a.NHead[l])
		memoryBytes += 4*int64(a.DModel)*int64(a.DInner[l])*3 + int64(a.NHead[l])*64*64*4 + 4*int64(a.DModel)*int64(a.DModel)
	}
	return latencyMS, memoryBytes
}

func (m *fakeMeasurer) Measure(ctx context.Context, a *space.Arch) (*Measurement, error) {
	m.mu.Lock()
	m.calls = append(m.calls, a.Key())
	m.mu.Unlock()
	if m.Sleep > 0 {
		select {
		case <-time.After(m.Sleep):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	lat, mem := m.objectives(a)
	if m.OOMBytes > 0 && mem > m.OOMBytes {
		return nil, fmt.Errorf("out of memory: needs %d bytes", mem)
	}
	return &Measurement{LatencyMS: lat, MemoryBytes: mem}, nil
}

func (m *fakeMeasurer) measured() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.calls...)
}

// mustJSON is v as JSON, for messages.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
