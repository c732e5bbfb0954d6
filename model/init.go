package model

import (
	"fmt"
	"github.com/ltsbench/ltsbench/internal/hugemem"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ltsbench/ltsbench/space"
)

// initChunk is the number of elements one generator fills: the unit of parallel work,
// and the reason the values do not depend on the thread count (each chunk is seeded by
// its position, not by the goroutine that fills it).
const initChunk = 1 << 16

// InitWeights fills a weight slab for a with a fast seeded initialisation at realistic
// scales (no denormals; speed never depends on the values).
//
// Each weight gets Init.Mean + a uniform draw with standard deviation Init.Std (see
// LayoutWeights: 0.02 for matrices and tables, 0.01 for positions, projections and
// biases, LayerNorm gains exactly 1). The draws are odd multiples of Std·√3·2^-24, so none is
// zero or denormal. The result depends on seed alone, not on
// threads (≤ 0: all cores).
func InitWeights(a *space.Arch, seed uint64, threads int) (*Weights, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("init weights: %w", err)
	}
	ts, n := LayoutWeights(a)
	w := &Weights{Arch: a, Tensors: ts, Data: hugemem.Floats(int(n / 4))}

	type chunk struct {
		t        *Tensor
		from, to int64 // elements of t
	}
	var chunks []chunk
	for _, t := range ts {
		for from := int64(0); from < t.Elems(); from += initChunk {
			chunks = append(chunks, chunk{t, from, min(from+initChunk, t.Elems())})
		}
	}
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(threads, len(chunks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(chunks)) {
					return
				}
				c := chunks[i]
				fillUniform(w.Slice(c.t)[c.from:c.to], c.t.Init, seed, uint64(c.t.ID), uint64(c.from))
			}
		}()
	}
	wg.Wait()
	return w, nil
}

// fillUniform writes init.Mean + init.Std·√3·u with u uniform on (-1, 1) in steps of
// 2^-23, from a generator seeded by (seed, tensor, offset).
func fillUniform(dst []float32, init Init, seed, tensor, offset uint64) {
	if init.Std == 0 {
		for i := range dst {
			dst[i] = init.Mean
		}
		return
	}
	state := splitmix(splitmix(splitmix(seed)^tensor) ^ offset)
	scale := float32(float64(init.Std) * math.Sqrt(3) / (1 << 24))
	for i := range dst {
		state = splitmix(state)
		// An odd integer in (-2^24, 2^24): never zero.
		k := int32(state>>40)*2 + 1 - (1 << 24)
		dst[i] = init.Mean + float32(k)*scale
	}
}

// splitmix is one step of SplitMix64: a cheap, well-mixed 64-bit hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
