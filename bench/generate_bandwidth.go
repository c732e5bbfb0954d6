package bench

import (
	"github.com/ltsbench/ltsbench/internal/hugemem"
	"sync"
	"time"

	"github.com/ltsbench/ltsbench/model"
)

// StepBytes is the memory a pass of g must read however well it is computed: the sum
// of model.Graph.ReadBytes over its ops (every matrix and bias of its products, the
// LayerNorm parameters, the embedding rows of its tokens and positions, and the keys
// and values, and Transformer-XL's position rows R(δ), it attends to in the cache).
// For a decode step this is the traffic that bounds it: the weights once, and the
// cache up to the context.
func StepBytes(g *model.Graph) int64 {
	var n int64
	for _, op := range g.Ops {
		n += g.ReadBytes(op)
	}
	return n
}

// hostCopy holds HostCopyBandwidth's measurements, one per thread count.
var hostCopy struct {
	sync.Mutex
	gbps map[int]float64
}

// HostCopyBandwidth is CopyBandwidth(threads, copyBytes, 5), measured once per thread
// count in a process: a search measures many decode steps, and each would otherwise
// fault in and copy 2 × 128 MiB again.
func HostCopyBandwidth(threads int) float64 {
	hostCopy.Lock()
	defer hostCopy.Unlock()
	if v, ok := hostCopy.gbps[threads]; ok {
		return v
	}
	if hostCopy.gbps == nil {
		hostCopy.gbps = map[int]float64{}
	}
	v := CopyBandwidth(threads, copyBytes, 5)
	hostCopy.gbps[threads] = v
	return v
}

// CopyBandwidth measures the machine's memory bandwidth as a parallel copy of bytes
// (split among threads goroutines, each copying its own part), the best of reps
// copies, in GB/s (10⁹ bytes) counted as STREAM's Copy counts them: bytes read plus
// bytes written. bytes should be well above the last-level cache. The buffers are
// allocated as the weights are (internal/hugemem), so that the step and the copy read
// through the same kind of page.
func CopyBandwidth(threads int, bytes int64, reps int) float64 {
	threads = max(threads, 1)
	n := int(bytes / 4)
	src, dst := hugemem.Floats(n), hugemem.Floats(n) // on the pages the weights are on
	for i := range src {
		src[i] = float32(i)
	}
	copy(dst, src) // fault the pages in
	best := time.Duration(0)
	for range max(reps, 1) {
		var wg sync.WaitGroup
		t0 := time.Now()
		for w := range threads {
			lo, hi := w*n/threads, (w+1)*n/threads
			wg.Add(1)
			go func() {
				defer wg.Done()
				copy(dst[lo:hi], src[lo:hi])
			}()
		}
		wg.Wait()
		if d := time.Since(t0); best == 0 || d < best {
			best = d
		}
	}
	return 2 * float64(n) * 4 / best.Seconds() / 1e9
}
