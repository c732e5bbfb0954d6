package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
)

const (
	// queryBlock is how many query rows of one (batch, head) pair a task handles: the
	// keys and values it reads are shared by that many rows while they are in cache.
	queryBlock = 16
	// keyChunk is how many keys a task scores at once. The scores of a query block
	// against one chunk (queryBlock × keyChunk floats, 16 KiB) live on the task's stack;
	// across chunks the softmax is online (running maximum and sum, the output rescaled
	// when the maximum grows), so no T×K matrix is ever stored.
	keyChunk = 256
)

// attnRows is the online-softmax state of a query block: per row the running maximum
// of the scaled scores and the running sum of their exponentials.
type attnRows struct {
	max [queryBlock]float32
	sum [queryBlock]float32
}

func (a *attnRows) start(nq int) {
	for i := range nq {
		a.max[i], a.sum[i] = float32(math.Inf(-1)), 0
	}
}

// fold turns row i's first n raw scores into e^(scale·s - max), with the running
// maximum raised first if this chunk holds a larger score (the output row acc rescaled
// to match), clears the rest of the row, and adds the exponentials to the sum.
func (a *attnRows) fold(i int, row []float32, n int, scale float32, acc []float32) {
	if n <= 0 {
		clear(row)
		return
	}
	if m := maxOf(row[:n]) * scale; m > a.max[i] {
		if a.sum[i] > 0 {
			f := exp32(a.max[i] - m)
			scal(f, acc)
			a.sum[i] *= f
		}
		a.max[i] = m
	}
	a.sum[i] += expScaleShift(row[:n], scale, a.max[i])
	clear(row[n:])
}

// causalAttention is GPT-2's fused masked multi-head attention over QKV [B, T, 3D].
// A task is one (batch, head, block of queryBlock queries); per chunk of keys it scores
// the block (dotTiles), folds the scores into the online softmax, and adds the
// probabilities times the value rows (accTiles) to the output rows, which serve as the
// accumulator.
func (e *Executable) causalAttention(g *model.Graph, o *model.CausalAttention) (func(), error) {
	B, T, D, H := o.B, o.T, o.D, o.H
	if B < 1 || T < 1 || H < 1 || D < H || D%H != 0 {
		return nil, fmt.Errorf("bad shape B=%d T=%d D=%d H=%d", B, T, D, H)
	}
	qkv, err := e.need(g, o.QKV, "QKV", B*T*3*D)
	if err != nil {
		return nil, err
	}
	out, err := e.need(g, o.Out, "Out", B*T*D)
	if err != nil {
		return nil, err
	}
	dh := D / H
	ld := 3 * D
	scale := float32(1 / math.Sqrt(float64(dh)))
	blocks := chunks(T, queryBlock)
	run := func(task int) {
		b, h, tb := task/(H*blocks), task/blocks%H, task%blocks
		t0 := tb * queryBlock
		nq := min(queryBlock, T-t0)
		base := b * T * ld
		qo := base + t0*ld + h*dh
		acc := out[(b*T+t0)*D+h*dh:]
		for i := range nq {
			clear(acc[i*D : i*D+dh])
		}
		var s [queryBlock * keyChunk]float32
		var st attnRows
		st.start(nq)
		for j0 := 0; j0 < t0+nq; j0 += keyChunk {
			kc := min(keyChunk, t0+nq-j0)
			dotTiles(s[:], kc, qkv, qo, ld, qkv, base+j0*ld+D+h*dh, ld, nq, kc, dh)
			for i := range nq {
				n := min(kc, t0+i+1-j0) // keys j ≤ t0+i
				st.fold(i, s[i*kc:(i+1)*kc], n, scale, acc[i*D:i*D+dh])
			}
			accTiles(acc, D, s[:], kc, qkv, base+j0*ld+2*D+h*dh, ld, nq, kc, dh)
		}
		for i := range nq {
			scal(1/st.sum[i], acc[i*D:i*D+dh])
		}
	}
	tasks := B * H * blocks
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}

// relAttention is Transformer-XL's relative-position attention with memory: queries
// for the T new positions, keys and values for all K = M + T, R(δ) for δ = 0..K-1.
//
// The score of query t and key j ≤ M + t is (q_t·k_j + u·k_j + q_t·R(δ) + w·R(δ))/√Dh
// with δ = M + t - j (u, w the two position biases). Per chunk of keys a task computes
// the q·k block and the u·k row; the position terms it computes by δ, not by key: for
// its query rows t0..t0+nq-1 the chunk needs δ from M+t0-(j1-1) up to δhi = M+t0+nq-1-j0,
// so it scores the queries against R rows δhi, δhi-1, … (dotTiles walking R backwards),
// and row i's terms for keys j0.. are then the contiguous run starting at nq-1-i. That
// is the rel_shift of the paper done by indexing, with nq-1 extra dot products per row
// and chunk instead of a full T×K position-score matrix.
func (e *Executable) relAttention(g *model.Graph, o *model.RelAttention) (func(), error) {
	B, T, K, H, dh := o.B, o.T, o.K, o.H, o.Dh
	if B < 1 || T < 1 || K < T || H < 1 || dh < 1 {
		return nil, fmt.Errorf("bad shape B=%d T=%d K=%d H=%d Dh=%d", B, T, K, H, dh)
	}
	hd := H * dh
	q, err := e.need(g, o.Q, "Q", B*T*hd)
	if err != nil {
		return nil, err
	}
	kv, err := e.need(g, o.KV, "KV", B*K*2*hd)
	if err != nil {
		return nil, err
	}
	r, err := e.need(g, o.R, "R", K*hd)
	if err != nil {
		return nil, err
	}
	rw, err := e.need(g, o.RWBias, "RWBias", hd)
	if err != nil {
		return nil, err
	}
	rr, err := e.need(g, o.RRBias, "RRBias", hd)
	if err != nil {
		return nil, err
	}
	out, err := e.need(g, o.Out, "Out", B*T*hd)
	if err != nil {
		return nil, err
	}
	M := K - T
	ldkv := 2 * hd
	scale := float32(1 / math.Sqrt(float64(dh)))
	blocks := chunks(T, queryBlock)
	const wideChunk = keyChunk + queryBlock - 1 // δ values one chunk needs at most
	run := func(task int) {
		b, h, tb := task/(H*blocks), task/blocks%H, task%blocks
		t0 := tb * queryBlock
		nq := min(queryBlock, T-t0)
		qo := (b*T+t0)*hd + h*dh
		ko := b*K*ldkv + h*dh
		vo := ko + hd
		acc := out[qo:]
		for i := range nq {
			clear(acc[i*hd : i*hd+dh])
		}
		var s [queryBlock * keyChunk]float32
		var pos [queryBlock * wideChunk]float32 // q·R(δhi - y) at [i·W + y]
		var uk [keyChunk]float32                // u·k_j
		var wr [wideChunk]float32               // w·R(δhi - y)
		var st attnRows
		st.start(nq)
		last := M + t0 + nq - 1 // the last key any row of the block sees
		for j0 := 0; j0 <= last; j0 += keyChunk {
			kc := min(keyChunk, last+1-j0)
			dotTiles(s[:], kc, q, qo, hd, kv, ko+j0*ldkv, ldkv, nq, kc, dh)
			dotTiles(uk[:], 1, kv, ko+j0*ldkv, ldkv, rw, h*dh, 0, kc, 1, dh)
			dhi := last - j0
			w := min(kc+nq-1, dhi+1) // R rows δhi down to δhi-w+1 ≥ 0
			dotTiles(pos[:], w, q, qo, hd, r, dhi*hd+h*dh, -hd, nq, w, dh)
			dotTiles(wr[:], 1, r, dhi*hd+h*dh, -hd, rr, h*dh, 0, w, 1, dh)
			for i := range nq {
				row := s[i*kc : (i+1)*kc]
				n := min(kc, M+t0+i+1-j0) // keys j ≤ M+t0+i
				if n > 0 {
					y := nq - 1 - i
					addTo(row[:n], uk[:n])
					addTo(row[:n], pos[i*w+y:i*w+y+n])
					addTo(row[:n], wr[y:y+n])
				}
				st.fold(i, row, n, scale, acc[i*hd:i*hd+dh])
			}
			accTiles(acc, hd, s[:], kc, kv, vo+j0*ldkv, ldkv, nq, kc, dh)
		}
		for i := range nq {
			scal(1/st.sum[i], acc[i*hd:i*hd+dh])
		}
	}
	tasks := B * H * blocks
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}
