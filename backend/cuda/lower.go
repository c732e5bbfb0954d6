package cuda

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
)

// region is one of the three device allocations of an executable.
type region uint8

const (
	regWeights region = iota // the weight slab, model.Weights.Data
	regArena                 // inputs and activations, placed by model.Plan
	regState                 // the Transformer-XL memory, the KV cache of a cached forward pass
	numRegions
	regNone region = 255 // the null pointer
)

func (r region) String() string {
	switch r {
	case regWeights:
		return "weights"
	case regArena:
		return "arena"
	case regState:
		return "state"
	}
	return "null"
}

// devRef is a device address before allocation: a byte offset in a region.
type devRef struct {
	reg region
	off int64
}

var nullRef = devRef{reg: regNone}

// plus returns the reference bytes further on.
func (r devRef) plus(bytes int64) devRef { return devRef{r.reg, r.off + bytes} }

// regionOf is the allocation that holds tensors of kind k.
func regionOf(k model.Kind) region {
	switch k {
	case model.Weight:
		return regWeights
	case model.State:
		return regState
	}
	return regArena
}

// launchStep is one kernel launch.
type launchStep struct {
	label       string
	k           *kernelSig
	grid, block [3]uint32
	smem        uint32 // dynamic shared memory, bytes
	args        []arg
}

// gemmStep is one cuBLAS GEMM in column-major terms (see rowMajorGemm): a, b and c are
// cuBLAS's A, B and C operands; C = A·B + beta·C with alpha 1.
type gemmStep struct {
	label   string
	call    cublasGemm
	a, b, c devRef
	beta    float32
}

// step is a launch or a GEMM.
type step struct {
	launch *launchStep
	gemm   *gemmStep
}

func (s step) label() string {
	if s.launch != nil {
		return s.launch.label
	}
	return s.gemm.label
}

// lowering turns the ops of one graph into steps; the first error sticks.
type lowering struct {
	g     *model.Graph
	tiled bool // GEMMs by sgemm_tiled_f32 instead of cuBLAS (no cuBLAS on the machine)
	steps []step
	label string
	err   error
}

// lowerWith returns the launches and GEMMs that compute graph g, in op order; with tiled
// every GEMM is a launch of the backend's own sgemm_tiled_f32 instead of a cuBLAS call
// (a machine without cuBLAS).
func lowerWith(g *model.Graph, tiled bool) ([]step, error) {
	l := &lowering{g: g, tiled: tiled}
	for i, op := range g.Ops {
		l.label = fmt.Sprintf("op %d %s", i, op.Name())
		l.op(op)
		if l.err != nil {
			return nil, l.err
		}
	}
	return l.steps, nil
}

func (l *lowering) fail(format string, args ...any) {
	if l.err == nil {
		l.err = fmt.Errorf("%s: %s", l.label, fmt.Sprintf(format, args...))
	}
}

// ref is the device reference of tensor id (null for id < 0).
func (l *lowering) ref(id int) devRef {
	if id < 0 {
		return nullRef
	}
	if id >= len(l.g.Tensors) {
		l.fail("no tensor %d", id)
		return nullRef
	}
	return devRef{regionOf(l.g.Root(id).Kind), l.g.Tensors[id].Off}
}

func (l *lowering) ptr(id int) arg { return ptrArg(l.ref(id)) }

// i32 makes an int argument, failing when v does not fit in a C int.
func (l *lowering) i32(v int) arg {
	if v < math.MinInt32 || v > math.MaxInt32 {
		l.fail("value %d does not fit in a 32-bit kernel argument", v)
	}
	return i32Arg(int32(v))
}

// blocks is ceil(n / per) as the grid's x dimension (at most 2^31 - 1 blocks).
func (l *lowering) blocks(n int64, per int) uint32 {
	return l.gridX((n + int64(per) - 1) / int64(per))
}

// gridX is n blocks as the grid's x dimension: at least 1, at most 2^31 - 1.
func (l *lowering) gridX(n int64) uint32 {
	if n > math.MaxInt32 {
		l.fail("%d blocks exceed the grid's x limit 2^31-1", n)
		return 1
	}
	return uint32(max(n, 1))
}

// gridYZ is n as the grid's y or z dimension: at least 1, at most 65535.
func (l *lowering) gridYZ(n int) uint32 {
	if n > 65535 {
		l.fail("%d exceeds the grid's y/z limit 65535", n)
		return 1
	}
	return uint32(max(n, 1))
}

func (l *lowering) launch(k *kernelSig, grid [3]uint32, threads int, smem int, args ...arg) {
	if len(args) != len(k.Params) {
		l.fail("%s takes %d arguments, lowering passed %d", k.Name, len(k.Params), len(args))
		return
	}
	for i, a := range args {
		if a.kind != k.Params[i] {
			l.fail("%s argument %d is a %s, lowering passed a %s", k.Name, i, k.Params[i], a.kind)
			return
		}
	}
	if threads <= 0 || threads%32 != 0 || threads > k.MaxThreads {
		l.fail("%s: %d threads per block (want a multiple of 32 up to its bound %d)", k.Name, threads, k.MaxThreads)
		return
	}
	if grid[0] == 0 || grid[0] > math.MaxInt32 || grid[1] == 0 || grid[1] > 65535 || grid[2] == 0 || grid[2] > 65535 {
		l.fail("%s: grid (%d, %d, %d) outside 1..2^31-1 in x, 1..65535 in y and z", k.Name, grid[0], grid[1], grid[2])
		return
	}
	if smem > maxDynamicSmem {
		l.fail("%s needs %d bytes of shared memory per block, more than any GPU grants (%d)", k.Name, smem, maxDynamicSmem)
		return
	}
	l.steps = append(l.steps, step{launch: &launchStep{
		label: l.label, k: k, grid: grid, block: [3]uint32{uint32(threads), 1, 1}, smem: uint32(smem), args: args,
	}})
}

// copyRows copies nb×nr rows of cols floats (see copy_rows_f32); strides in elements.
func (l *lowering) copyRows(dst, src devRef, nb, nr, cols, dsb, dsr, ssb, ssr int) {
	if nb == 0 || nr == 0 || cols == 0 {
		return
	}
	l.launch(kCopyRows, [3]uint32{l.blocks(int64(nr)*int64(cols), elementBlock), l.gridYZ(nb), 1}, elementBlock, 0,
		ptrArg(dst), ptrArg(src), l.i32(nb), l.i32(nr), l.i32(cols), l.i32(dsb), l.i32(dsr), l.i32(ssb), l.i32(ssr))
}

func (l *lowering) op(op model.Op) {
	switch o := op.(type) {
	case *model.Embed:
		l.launch(kEmbed, [3]uint32{l.blocks(int64(o.N)*int64(o.D), elementBlock), 1, 1}, elementBlock, 0,
			l.ptr(o.Out), l.ptr(o.IDs), l.ptr(o.Table), l.ptr(o.Pos), l.i32(o.N), l.i32(o.T), l.i32(o.D))
	case *model.AdaptiveEmbed:
		l.adaptiveEmbed(o)
	case *model.LayerNorm:
		const rowsPerBlock = 8 // one warp a row, 256 threads
		l.launch(kLayerNorm, [3]uint32{l.blocks(int64(o.Rows), rowsPerBlock), 1, 1}, 32*rowsPerBlock, 0,
			l.ptr(o.Out), l.ptr(o.X), l.ptr(o.G), l.ptr(o.B), l.i32(o.Rows), l.i32(o.D), f32Arg(o.Eps))
	case *model.MatMul:
		l.matMul(o)
	case *model.CausalAttention:
		if o.H <= 0 || o.D%o.H != 0 {
			l.fail("d_model %d is not a multiple of %d heads", o.D, o.H)
			return
		}
		l.causalAttention(l.ref(o.Out), l.ref(o.QKV), o.B, o.T, o.H, o.D/o.H)
	case *model.RelAttention:
		l.relAttention(l.ref(o.Out), l.ref(o.Q), l.ref(o.KV), l.ref(o.R), l.ref(o.RWBias), l.ref(o.RRBias),
			o.B, o.T, o.K, o.H, o.Dh)
	case *model.Sinusoid:
		if o.D%2 != 0 {
			l.fail("sinusoid width %d is odd", o.D)
			return
		}
		l.launch(kSinusoid, [3]uint32{l.blocks(int64(o.P)*int64(o.D/2), elementBlock), 1, 1}, elementBlock, 0,
			l.ptr(o.Out), l.i32(o.P), l.i32(o.D))
	case *model.ConcatMem:
		out := l.ref(o.Out)
		k := o.M + o.T
		if o.M > 0 {
			if o.Mem < 0 {
				l.fail("%d memory rows but no memory tensor", o.M)
				return
			}
			l.copyRows(out, l.ref(o.Mem), o.B, o.M, o.D, k*o.D, o.D, o.M*o.D, o.D)
		}
		l.copyRows(out.plus(int64(o.M)*int64(o.D)*4), l.ref(o.X), o.B, o.T, o.D, k*o.D, o.D, o.T*o.D, o.D)
	case *model.MemUpdate:
		l.copyRows(l.ref(o.Out), l.ref(o.C).plus(int64(o.K-o.MOut)*int64(o.D)*4), o.B, o.MOut, o.D, o.MOut*o.D, o.D, o.K*o.D, o.D)
	case *model.TakeLast:
		l.copyRows(l.ref(o.Out), l.ref(o.X).plus(int64(o.T-1)*int64(o.D)*4), o.B, 1, o.D, o.D, o.D, o.T*o.D, o.D)
	case *model.LogSoftmax:
		if o.Rows == 0 {
			return
		}
		l.launch(kLogSoftmax, [3]uint32{l.gridX(int64(o.Rows)), 1, 1}, rowThreads(o.V), 0,
			l.ptr(o.Out), l.ptr(o.X), l.i32(o.Rows), l.i32(o.V))
	case *model.AdaptiveLogSoftmax:
		l.adaptiveLogSoftmax(o)
	case *model.KVAppend:
		l.kvAppend(o)
	case *model.CachedAttention:
		l.cachedAttention(o)
	default:
		l.fail("the CUDA backend has no kernel for %T", op)
	}
}

// causalAttention launches causal_attention_f32: B·H·⌈T/4⌉ blocks of four warps, one
// query a warp, each warp with 2·Dh+32 floats of shared memory.
func (l *lowering) causalAttention(out, qkv devRef, B, T, H, dh int) {
	l.launch(kCausalAttention, [3]uint32{l.blocks(int64(T), attWarps), l.gridYZ(H), l.gridYZ(B)}, 32*attWarps,
		attWarps*(2*dh+32)*4,
		ptrArg(out), ptrArg(qkv), l.i32(B), l.i32(T), l.i32(H), l.i32(dh), f32Arg(attnScale(dh)))
}

// relAttention launches rel_attention_f32: as causalAttention, with 3·Dh+32 floats of
// shared memory a warp.
func (l *lowering) relAttention(out, q, kv, r, rwb, rrb devRef, B, T, K, H, dh int) {
	l.launch(kRelAttention, [3]uint32{l.blocks(int64(T), attWarps), l.gridYZ(H), l.gridYZ(B)}, 32*attWarps,
		attWarps*(3*dh+32)*4,
		ptrArg(out), ptrArg(q), ptrArg(kv), ptrArg(r), ptrArg(rwb), ptrArg(rrb),
		l.i32(B), l.i32(T), l.i32(K), l.i32(H), l.i32(dh), f32Arg(attnScale(dh)))
}

// kvAppend launches kv_append_f32: one thread per element of the T new keys and values
// of each sequence, the sequences along y.
func (l *lowering) kvAppend(o *model.KVAppend) {
	if o.B < 1 || o.T < 1 || o.HD < 1 || o.H < 1 || o.HD%o.H != 0 || o.Cap < o.T || o.Start < 0 ||
		o.KOff < 0 || o.VOff < 0 || o.KOff+o.HD > o.LD || o.VOff+o.HD > o.LD {
		l.fail("bad shape B=%d T=%d LD=%d K@%d V@%d HD=%d H=%d Cap=%d", o.B, o.T, o.LD, o.KOff, o.VOff, o.HD, o.H, o.Cap)
		return
	}
	l.launch(kKVAppend, [3]uint32{l.blocks(int64(o.T)*2*int64(o.HD), elementBlock), l.gridYZ(o.B), 1}, elementBlock, 0,
		l.ptr(o.Cache), l.ptr(o.Src), l.i32(o.B), l.i32(o.T), l.i32(o.LD), l.i32(o.KOff), l.i32(o.VOff), l.i32(o.HD),
		l.i32(o.H), l.i32(o.Start), l.i32(o.Cap))
}

// cachedAttention launches cached_attention_f32: B·H·⌈T/4⌉ blocks of four warps, one
// query a warp, each warp with 2·Dh+32 floats of shared memory (3·Dh+32 with
// Transformer-XL's relative term).
func (l *lowering) cachedAttention(o *model.CachedAttention) {
	if o.B < 1 || o.T < 1 || o.H < 1 || o.Dh < 1 || o.LDQ < o.H*o.Dh || o.Past < 0 || o.Past > o.Start || o.Cap < o.Past+o.T {
		l.fail("bad shape B=%d T=%d H=%d Dh=%d LDQ=%d Past=%d Start=%d Cap=%d", o.B, o.T, o.H, o.Dh, o.LDQ, o.Past, o.Start, o.Cap)
		return
	}
	if int64(o.Start)+int64(o.T) > math.MaxInt32 {
		l.fail("positions up to %d do not fit in a 32-bit kernel argument", int64(o.Start)+int64(o.T))
		return
	}
	per := 2*o.Dh + 32
	if o.R >= 0 {
		if o.RWBias < 0 || o.RRBias < 0 {
			l.fail("a relative position table without both biases")
			return
		}
		per += o.Dh
	}
	l.launch(kCachedAttention, [3]uint32{l.blocks(int64(o.T), attWarps), l.gridYZ(o.H), l.gridYZ(o.B)}, 32*attWarps,
		attWarps*per*4,
		l.ptr(o.Out), l.ptr(o.Q), l.ptr(o.Cache), l.ptr(o.R), l.ptr(o.RWBias), l.ptr(o.RRBias),
		l.i32(o.B), l.i32(o.T), l.i32(o.H), l.i32(o.Dh), l.i32(o.LDQ), l.i32(o.Past), l.i32(o.Start), l.i32(o.Cap),
		f32Arg(attnScale(o.Dh)))
}

// attnScale is 1/√Dh in float32.
func attnScale(dh int) float32 { return float32(1 / math.Sqrt(float64(dh))) }

// rowThreads is the block size of the row-wise softmax kernels: wide rows get 1024
// threads, narrow ones 256.
func rowThreads(v int) int {
	if v >= 8192 {
		return 1024
	}
	return 256
}

func (l *lowering) adaptiveEmbed(o *model.AdaptiveEmbed) {
	n := len(o.Tables)
	if len(o.Ends) != n+1 || len(o.DEmb) != n || len(o.Projs) != n {
		l.fail("%d tables, %d ends, %d widths, %d projections", n, len(o.Ends), len(o.DEmb), len(o.Projs))
		return
	}
	for c := range n {
		if o.Projs[c] < 0 && o.DEmb[c] != o.D {
			l.fail("cluster %d has width %d ≠ d_model %d and no projection", c, o.DEmb[c], o.D)
			return
		}
		// One block of 4 warps a token; blocks of tokens in other clusters return.
		l.launch(kAdaptiveEmbed, [3]uint32{l.gridX(int64(o.N)), 1, 1}, 128, 0,
			l.ptr(o.Out), l.ptr(o.IDs), l.ptr(o.Tables[c]), l.ptr(o.Projs[c]), l.ptr(o.Pos),
			l.i32(o.N), l.i32(o.T), l.i32(o.D), l.i32(o.DEmb[c]), l.i32(o.Ends[c]), l.i32(o.Ends[c+1]), f32Arg(o.Scale))
	}
}

// matMul is a cuBLAS GEMM into Out followed, when the op has a bias, an activation or a
// residual, by the elementwise epilogue kernel. A residual that is Out itself (same
// bytes, contiguous rows, no activation) is added by the GEMM (beta 1) instead.
func (l *lowering) matMul(o *model.MatMul) {
	if o.M == 0 || o.N == 0 {
		return
	}
	if o.K <= 0 {
		l.fail("empty inner dimension %d", o.K)
		return
	}
	ldc := o.Ldc()
	ldw := o.N
	if o.TransW {
		ldw = o.K
	}
	call := rowMajorGemm(o.M, o.N, o.K, o.K, o.TransW, ldw, ldc)
	for _, v := range []int{call.M, call.N, call.K, call.LDA, call.LDB, call.LDC} {
		if v > math.MaxInt32 {
			l.fail("dimension %d exceeds cuBLAS's 32-bit arguments", v)
			return
		}
	}
	out := l.ref(o.Out)
	res := l.ref(o.Residual)
	var beta float32
	if o.Residual >= 0 && res.reg == out.reg {
		outEnd := out.off + (int64(o.M-1)*int64(ldc)+int64(o.N))*4
		resEnd := res.off + int64(o.M)*int64(o.N)*4
		if res.off < outEnd && out.off < resEnd { // the residual overlaps the output
			if res.off != out.off || ldc != o.N || o.Act != model.ActNone {
				l.fail("the residual overlaps the output in a way the GEMM cannot accumulate into")
				return
			}
			beta, res = 1, nullRef
		}
	}
	if l.tiled {
		transA := 0
		if call.TransA {
			transA = 1
		}
		l.launch(kSgemmTiled, [3]uint32{l.blocks(int64(call.M), gemmTile), l.gridYZ((call.N + gemmTile - 1) / gemmTile), 1}, 256, 0,
			l.ptr(o.W), l.ptr(o.A), ptrArg(out), l.i32(transA), l.i32(call.M), l.i32(call.N), l.i32(call.K),
			l.i32(call.LDA), l.i32(call.LDB), l.i32(call.LDC), f32Arg(beta))
	} else {
		l.steps = append(l.steps, step{gemm: &gemmStep{label: l.label, call: call, a: l.ref(o.W), b: l.ref(o.A), c: out, beta: beta}})
	}
	if o.Bias < 0 && o.Act == model.ActNone && res.reg == regNone {
		return
	}
	l.launch(kBiasAct, [3]uint32{l.blocks(int64(o.M)*int64(o.N), elementBlock), 1, 1}, elementBlock, 0,
		ptrArg(out), l.ptr(o.Bias), ptrArg(res), l.i32(o.M), l.i32(o.N), l.i32(ldc), l.i32(o.N), l.i32(int(o.Act)))
}

func (l *lowering) adaptiveLogSoftmax(o *model.AdaptiveLogSoftmax) {
	if len(o.Ends) < 2 || o.Ends[0] != 0 {
		l.fail("cluster ends %v do not start at 0", o.Ends)
		return
	}
	nc := len(o.Ends) - 2
	if nc > maxAdaptiveTails {
		l.fail("%d tail clusters; the kernel takes at most %d", nc, maxAdaptiveTails)
		return
	}
	if nc > 0 && o.Cluster < 0 {
		l.fail("%d tail clusters but no cluster logits", nc)
		return
	}
	v := o.Ends[nc+1]
	if t := l.g.Tensors[o.Logits]; t.Elems() != int64(o.N)*int64(v) {
		l.fail("logits %v are not %d×%d", t.Shape, o.N, v)
		return
	}
	if o.N == 0 {
		return
	}
	args := []arg{l.ptr(o.Logits), l.ptr(o.Cluster), l.i32(o.N), l.i32(v), l.i32(nc)}
	for c := 1; c <= maxAdaptiveTails+1; c++ {
		e := v
		if c < len(o.Ends) {
			e = o.Ends[c]
		}
		args = append(args, l.i32(e))
	}
	l.launch(kAdaptiveLogSoftmax, [3]uint32{l.gridX(int64(o.N)), 1, 1}, rowThreads(v), 0, args...)
}
