package model

// Op is one step of a graph. Every field named like a tensor holds a tensor ID (-1 =
// absent); all tensors are row-major and contiguous unless an op says otherwise.
// Backends switch on the concrete type. The doc comment of each op is its reference
// semantics; backend/backendtest checks every backend against a float64 version of it.
type Op interface {
	// Reads and Writes list the tensor IDs the op reads and writes (for the planner).
	Reads() []int
	Writes() []int
	// Name is a short label for traces and errors.
	Name() string
}

// Act is the activation fused into a MatMul.
//
// Its values are an interface shared with the backends: the CPU kernels' kern.Act and
// the act argument of kernels/bias_act.cu take the same integers, so they are spelled
// out here and TestActMapping fails if either side drifts.
type Act uint8

// Activations.
const (
	ActNone Act = 0
	// ActGELU is gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
	ActGELU Act = 1
	// ActReLU is max(x, 0).
	ActReLU Act = 2
)

func (a Act) String() string { return [...]string{"none", "gelu", "relu"}[a] }

// Embed gathers a plain embedding table and adds learned positions (GPT-2):
//
//	Out[n, :] = Table[IDs[n], :] + Pos[n mod T, :]        n = 0..N-1 (N = B·T)
//
// Table [V, D], Pos [≥T, D] (optional), Out [N, D].
type Embed struct {
	IDs, Table, Pos, Out int
	N, T, D              int
}

// AdaptiveEmbed is Transformer-XL's AdaptiveEmbedding (also GPT-2 flex):
//
//	c = the cluster with Ends[c] ≤ v < Ends[c+1], v = IDs[n]
//	e = Tables[c][v - Ends[c], :]                        [DEmb[c]]
//	e = Projs[c] @ e   if Projs[c] ≥ 0                   (Projs[c] is [D, DEmb[c]])
//	Out[n, :] = Scale·e (+ Pos[n mod T, :] if Pos ≥ 0)
//
// A single table (div_val 1) is Ends = [0, V]. Without a projection DEmb[c] = D.
type AdaptiveEmbed struct {
	IDs    int
	Tables []int
	Projs  []int
	Ends   []int
	DEmb   []int
	Scale  float32
	Pos    int
	Out    int
	N, T   int
	D      int
}

// LayerNorm normalises each row over its D values (biased variance):
//
//	Out[r, :] = (X[r, :] - mean) / sqrt(var + Eps) · G + B
type LayerNorm struct {
	X, G, B, Out int
	Rows, D      int
	Eps          float32
}

// MatMul is a matrix product with a fused epilogue:
//
//	Out[m, n] = Act(Σ_k A[m, k]·W(k, n) + Bias[n]) + Residual[m, n]
//
// A is [M, K]. W(k, n) = W[n·K + k] when TransW (W stored [N, K], torch nn.Linear),
// else W[k·N + n] (W stored [K, N], Hugging Face Conv1D). Bias [N] and Residual [M, N]
// are optional. Out rows are LDC elements apart (LDC ≥ N; 0 means N), so a product can
// fill a column band of a wider tensor: Out is then a view whose ViewOffset is the
// band's first column and whose elements (m, n) lie at m·LDC + n from there.
// A and W never alias Out.
type MatMul struct {
	A, W, Bias, Residual, Out int
	M, N, K                   int
	TransW                    bool
	Act                       Act
	LDC                       int
}

// Ldc is the row stride of Out.
func (o *MatMul) Ldc() int {
	if o.LDC > 0 {
		return o.LDC
	}
	return o.N
}

// CausalAttention is GPT-2's masked multi-head self-attention, fused:
//
//	QKV [B, T, 3D]: q = columns 0..D-1, k = D..2D-1, v = 2D..3D-1; head h uses
//	columns h·Dh..(h+1)·Dh-1 of each (Dh = D/H)
//	s[h, t, j] = q[t, h]·k[j, h] / √Dh for j ≤ t; p = softmax over j ≤ t
//	Out[b, t, h·Dh:(h+1)·Dh] = Σ_{j≤t} p[h, t, j]·v[j, h]              Out [B, T, D]
type CausalAttention struct {
	QKV, Out   int
	B, T, D, H int
}

// RelAttention is Transformer-XL's relative-position attention with memory, fused
// (the direct form of rel_shift):
//
//	Q [B, T, H·Dh]; KV [B, K, 2·H·Dh] (keys in columns 0..H·Dh-1, values after);
//	R [K, H·Dh] with row δ = R(δ), δ = 0..K-1; RWBias, RRBias [H, Dh]; M = K - T
//	for query t, key j ≤ M + t, δ = M + t - j:
//	  s[h, t, j] = ((Q[t,h] + RWBias[h])·Kc[j,h] + (Q[t,h] + RRBias[h])·R[δ,h]) / √Dh
//	p = softmax over j ≤ M + t (keys j > M + t get probability 0)
//	Out[b, t, h·Dh:(h+1)·Dh] = Σ_j p[h, t, j]·Vc[j, h]                 Out [B, T, H·Dh]
type RelAttention struct {
	Q, KV, R, RWBias, RRBias, Out int
	B, T, K, H, Dh                int
}

// Sinusoid writes Transformer-XL's relative position embeddings for δ = 0..P-1:
//
//	Out[δ, j] = sin(δ·f_j), Out[δ, D/2 + j] = cos(δ·f_j), f_j = 1/10000^(2j/D)
//
// Out [P, D]; computed in float64 and rounded.
type Sinusoid struct {
	Out  int
	P, D int
}

// ConcatMem prepends the memory to a segment: Out[b] = concat(Mem[b], X[b]).
// Mem [B, M, D] (absent when M = 0), X [B, T, D], Out [B, M+T, D].
type ConcatMem struct {
	Mem, X, Out int
	B, M, T, D  int
}

// MemUpdate keeps the last MOut rows of each batch row: Out[b] = C[b, K-MOut:K].
// C [B, K, D], Out [B, MOut, D] (a State tensor).
type MemUpdate struct {
	C, Out     int
	B, K, MOut int
	D          int
}

// TakeLast picks the last position of each sequence: Out[b] = X[b, T-1]. X [B, T, D],
// Out [B, D].
type TakeLast struct {
	X, Out  int
	B, T, D int
}

// LogSoftmax normalises each row: Out[r, :] = X[r, :] - log Σ exp X[r, :].
// X, Out [Rows, V]; Out may be X (in place).
type LogSoftmax struct {
	X, Out  int
	Rows, V int
}

// AdaptiveLogSoftmax combines the clusters of the projected adaptive log-softmax, in
// place. On entry Logits [N, V] holds every token's raw logit (head tokens in
// columns 0..Ends[1]-1, cluster c's tail tokens in Ends[c]..Ends[c+1]-1) and Cluster
// [N, NC] the cluster logits (NC = len(Ends) - 2). On exit Logits holds log-probs:
//
//	head = log_softmax(concat(Logits[n, 0:Ends[1]], Cluster[n, :]))
//	Logits[n, v] = head[v]                                    v < Ends[1]
//	Logits[n, v] = head[Ends[1]+c-1] + log_softmax(tail c)[v - Ends[c]]   cluster c ≥ 1
type AdaptiveLogSoftmax struct {
	Logits, Cluster int
	N               int
	Ends            []int
}

func ids(xs ...int) []int {
	out := xs[:0:0]
	for _, x := range xs {
		if x >= 0 {
			out = append(out, x)
		}
	}
	return out
}

func (o *Embed) Reads() []int  { return ids(o.IDs, o.Table, o.Pos) }
func (o *Embed) Writes() []int { return []int{o.Out} }
func (o *Embed) Name() string  { return "embed" }

func (o *AdaptiveEmbed) Reads() []int {
	r := append(ids(o.IDs, o.Pos), ids(o.Tables...)...)
	return append(r, ids(o.Projs...)...)
}
func (o *AdaptiveEmbed) Writes() []int { return []int{o.Out} }
func (o *AdaptiveEmbed) Name() string  { return "adaptive_embed" }

func (o *LayerNorm) Reads() []int  { return ids(o.X, o.G, o.B) }
func (o *LayerNorm) Writes() []int { return []int{o.Out} }
func (o *LayerNorm) Name() string  { return "layer_norm" }

func (o *MatMul) Reads() []int  { return ids(o.A, o.W, o.Bias, o.Residual) }
func (o *MatMul) Writes() []int { return []int{o.Out} }
func (o *MatMul) Name() string  { return "matmul" }

func (o *CausalAttention) Reads() []int  { return []int{o.QKV} }
func (o *CausalAttention) Writes() []int { return []int{o.Out} }
func (o *CausalAttention) Name() string  { return "causal_attention" }

func (o *RelAttention) Reads() []int  { return ids(o.Q, o.KV, o.R, o.RWBias, o.RRBias) }
func (o *RelAttention) Writes() []int { return []int{o.Out} }
func (o *RelAttention) Name() string  { return "rel_attention" }

func (o *Sinusoid) Reads() []int  { return nil }
func (o *Sinusoid) Writes() []int { return []int{o.Out} }
func (o *Sinusoid) Name() string  { return "sinusoid" }

func (o *ConcatMem) Reads() []int  { return ids(o.Mem, o.X) }
func (o *ConcatMem) Writes() []int { return []int{o.Out} }
func (o *ConcatMem) Name() string  { return "concat_mem" }

func (o *MemUpdate) Reads() []int  { return []int{o.C} }
func (o *MemUpdate) Writes() []int { return []int{o.Out} }
func (o *MemUpdate) Name() string  { return "mem_update" }

func (o *TakeLast) Reads() []int  { return []int{o.X} }
func (o *TakeLast) Writes() []int { return []int{o.Out} }
func (o *TakeLast) Name() string  { return "take_last" }

func (o *LogSoftmax) Reads() []int  { return []int{o.X} }
func (o *LogSoftmax) Writes() []int { return []int{o.Out} }
func (o *LogSoftmax) Name() string  { return "log_softmax" }

func (o *AdaptiveLogSoftmax) Reads() []int  { return ids(o.Logits, o.Cluster) }
func (o *AdaptiveLogSoftmax) Writes() []int { return []int{o.Logits} }
func (o *AdaptiveLogSoftmax) Name() string  { return "adaptive_log_softmax" }
