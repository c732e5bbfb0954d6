package cuda

// argKind is the type of one kernel parameter as the CUDA C source declares it.
type argKind uint8

const (
	argPtr argKind = iota // a device pointer: 8 bytes (.param .u64)
	argI32                // int: 4 bytes (.param .u32/.s32)
	argF32                // float: 4 bytes (.param .f32)
)

// size is the parameter's size in bytes, which is also its alignment.
func (k argKind) size() int {
	if k == argPtr {
		return 8
	}
	return 4
}

func (k argKind) String() string { return [...]string{"pointer", "int32", "float32"}[k] }

// kernelSig is a kernel of package kernels: its entry name, the PTX module (.cu file)
// that holds it and its parameters in order. It must match the extern "C" declaration
// in the .cu file: the tests check it against the PTX .entry and against the C++
// compiler (the emulator's trampolines).
type kernelSig struct {
	Name   string
	Module string
	Params []argKind
	// MaxThreads is the kernel's __launch_bounds__ (.maxntid in the PTX): no launch may
	// use more threads per block.
	MaxThreads int
}

func params(spec string) []argKind {
	ks := make([]argKind, len(spec))
	for i, c := range spec {
		switch c {
		case 'p':
			ks[i] = argPtr
		case 'i':
			ks[i] = argI32
		case 'f':
			ks[i] = argF32
		default:
			panic("cuda: bad parameter spec " + spec)
		}
	}
	return ks
}

// The kernels the executor launches. Parameter letters: p pointer, i int, f float.
var (
	// embed_f32(out, ids, table, pos, N, T, D)
	kEmbed = &kernelSig{"embed_f32", "embedding", params("ppppiii"), 256}
	// adaptive_embed_f32(out, ids, table, proj, pos, N, T, D, demb, lo, hi, scale)
	kAdaptiveEmbed = &kernelSig{"adaptive_embed_f32", "embedding", params("pppppiiiiiif"), 128}
	// layernorm_f32(out, x, g, b, rows, D, eps)
	kLayerNorm = &kernelSig{"layernorm_f32", "layernorm", params("ppppiif"), 256}
	// bias_act_residual_f32(out, bias, res, M, N, ldc, ldr, act)
	kBiasAct = &kernelSig{"bias_act_residual_f32", "bias_act", params("pppiiiii"), 256}
	// causal_attention_f32(out, qkv, B, T, H, Dh, scale)
	kCausalAttention = &kernelSig{"causal_attention_f32", "attention", params("ppiiiif"), 128}
	// rel_attention_f32(out, q, kv, r, rwb, rrb, B, T, K, H, Dh, scale)
	kRelAttention = &kernelSig{"rel_attention_f32", "rel_attention", params("ppppppiiiiif"), 128}
	// kv_append_f32(cache, src, B, T, LD, koff, voff, HD, start, cap)
	kKVAppend = &kernelSig{"kv_append_f32", "decode", params("ppiiiiiiiii"), 256}
	// cached_attention_f32(out, q, cache, r, rwb, rrb, B, T, H, Dh, ldq, past, start, cap, scale)
	kCachedAttention = &kernelSig{"cached_attention_f32", "decode", params("ppppppiiiiiiiif"), 128}
	// log_softmax_f32(out, x, rows, V)
	kLogSoftmax = &kernelSig{"log_softmax_f32", "softmax", params("ppii"), 1024}
	// adaptive_log_softmax_f32(logits, cluster, N, V, nc, e1, .., e7)
	kAdaptiveLogSoftmax = &kernelSig{"adaptive_log_softmax_f32", "softmax", params("ppiiiiiiiiii"), 1024}
	// copy_rows_f32(dst, src, nb, nr, cols, dsb, dsr, ssb, ssr)
	kCopyRows = &kernelSig{"copy_rows_f32", "copy", params("ppiiiiiii"), 256}
	// sinusoid_f32(out, P, D)
	kSinusoid = &kernelSig{"sinusoid_f32", "sinusoid", params("pii"), 256}
	// sgemm_tiled_f32(A, B, C, transa, m, n, k, lda, ldb, ldc, beta): the GEMM without
	// cuBLAS, in cuBLAS's column-major terms (gemm.cu)
	kSgemmTiled = &kernelSig{"sgemm_tiled_f32", "gemm", params("pppiiiiiiif"), 256}
)

// allKernels lists every kernel the executor may launch; Open loads them all.
var allKernels = []*kernelSig{
	kEmbed, kAdaptiveEmbed, kLayerNorm, kBiasAct, kCausalAttention, kRelAttention,
	kKVAppend, kCachedAttention, kLogSoftmax, kAdaptiveLogSoftmax, kCopyRows, kSinusoid, kSgemmTiled,
}

// Launch geometry shared with the .cu files.
const (
	attWarps         = 4   // ATT_WARPS in attention.cu, RATT_WARPS in rel_attention.cu and DEC_WARPS in decode.cu: queries per block
	maxAdaptiveTails = 6   // tail clusters adaptive_log_softmax_f32 takes (e1..e7)
	elementBlock     = 256 // threads per block of the elementwise kernels
	gemmTile         = 64  // GEMM_TILE in gemm.cu: rows and columns of C per block of sgemm_tiled_f32

	// defaultDynamicSmem is the dynamic shared memory a launch may use without an
	// opt-in; above it the kernel's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES must
	// be raised first (cuFuncSetAttribute), or the launch fails with
	// CUDA_ERROR_INVALID_VALUE. The attention kernels need 4·(2·Dh+32)·4 and
	// 4·(3·Dh+32)·4 bytes: past 48 KiB from Dh 1521 (GPT-2) and 1014 (Transformer-XL).
	defaultDynamicSmem = 48 << 10
	// maxDynamicSmem is the most dynamic shared memory any GPU grants a block with the
	// opt-in (sm_90: 227 KiB; sm_80: 163 KiB; sm_86/89: 99 KiB); Compile checks the
	// device's own limit (CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN).
	maxDynamicSmem = 227 << 10
)
