package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/model"
)

const (
	// queryBlock is how many query rows of one (batch, head) pair a task handles: the
	// keys and values it reads are shared by that many rows while they are in cache.
	queryBlock = 16
	// keyChunk is how many keys a task scores at once. The scores of a query block
	// against one chunk (queryBlock × keyChunk floats, 8 KiB) live on the task's stack;
	// across chunks the softmax is online (running maximum and sum, the output rescaled
	// when the maximum grows), so no T×K matrix is ever stored.
	keyChunk = 128
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
			kern.Scale(f, acc)
			a.sum[i] *= f
		}
		a.max[i] = m
	}
	a.sum[i] += expScaleShift(row[:n], scale, a.max[i])
	clear(row[n:])
}

const (
	// transDhPiece is how much of a head the transposed causal path scores at once: its
	// block of queries, transposed, is transDhPiece × lanes floats (4 KiB) on the
	// task's stack; wider heads are scored in pieces added up.
	transDhPiece = 64
	// transKeyChunk is how many keys the transposed path scores at once (8 KiB).
	transKeyChunk = 128
	// transOutMax is the widest head whose output the transposed path keeps transposed
	// on the stack (8 KiB); wider heads accumulate in the output rows (accTiles).
	transOutMax = 128
)

// causalAttention is GPT-2's fused masked multi-head attention over QKV [B, T, 3D].
// A task is one (batch, head, block of up to lanes queries), run by causalBlockT with
// the queries across the vector lanes: per chunk of keys it scores the block
// (lanesTiles), folds the scores into the online softmax down the columns, and adds the
// probabilities times the value rows to the output, kept transposed on the stack
// (lanesTiles) or, for heads wider than transOutMax, in the output rows (accTiles).
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
	scale := float32(1 / math.Sqrt(float64(dh)))
	blocks := chunks(T, lanes)
	run := func(task int) {
		b, h, tb := task/(H*blocks), task/blocks%H, task%blocks
		t0 := tb * lanes
		nq := min(lanes, T-t0)
		causalBlockT(qkv, out, b, h, t0, nq, T, D, dh, scale)
	}
	tasks := B * H * blocks
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}

// causalBlockT runs one block of up to lanes queries with the queries across the
// vector lanes: the scores are stored by key (lanesTiles of the transposed queries
// against the key rows: no horizontal sums), the softmax runs down the columns, all
// queries of the block in one vector pass (colMax, colExp) with a running maximum and
// sum per query, and the output is accumulated transposed (lanesTiles of the
// probabilities against the value rows), rescaled per lane when a maximum grows, and
// transposed into the output rows at the end.
func causalBlockT(qkv, out []float32, b, h, t0, nq, T, D, dh int, scale float32) {
	ld := 3 * D
	base := b * T * ld
	qo := base + t0*ld + h*dh
	var qT [transDhPiece * lanes]float32 // query i's element d0+l at [l·lanes + i]; unused lanes 0
	if dh <= transDhPiece {
		transpose(qT[:], lanes, qkv, qo, ld, nq, dh)
	}
	acc := out[(b*T+t0)*D+h*dh:]
	var oT [transOutMax * lanes]float32 // output element c of query i at [c·lanes + i]
	inT := dh <= transOutMax
	if !inT {
		for i := range nq {
			clear(acc[i*D : i*D+dh])
		}
	}
	var sT [transKeyChunk * lanes]float32
	var mx, sum, shift, f [lanes]float32
	for i := range mx {
		mx[i] = float32(math.Inf(-1))
	}
	end := t0 + nq // keys 0..end-1; key j is masked for query t0+i when j > t0+i
	for j0 := 0; j0 < end; j0 += transKeyChunk {
		kc := min(transKeyChunk, end-j0)
		for d0 := 0; d0 < dh; d0 += transDhPiece {
			w := min(transDhPiece, dh-d0)
			if dh > transDhPiece {
				transpose(qT[:], lanes, qkv, qo+d0, ld, nq, w)
			}
			lanesTiles(sT[:], qT[:], qkv, base+j0*ld+D+h*dh+d0, ld, 1, kc, w, d0 > 0)
		}
		for j := max(j0, t0+1); j < j0+kc; j++ {
			row := sT[(j-j0)*lanes : (j-j0+1)*lanes]
			for i := range j - t0 {
				row[i] = float32(math.Inf(-1))
			}
		}
		cm := mx
		colMax(sT[:], kc, &cm)
		rescale := false
		for i := range lanes {
			f[i] = 1
			if cm[i] > mx[i] {
				if sum[i] > 0 {
					f[i] = exp32(scale * (mx[i] - cm[i]))
					sum[i] *= f[i]
					rescale = true
				}
				mx[i] = cm[i]
			}
			shift[i] = scale * mx[i]
		}
		if rescale {
			if inT {
				colScale(oT[:], dh, &f)
			} else {
				for i := range nq {
					kern.Scale(f[i], acc[i*D:i*D+dh])
				}
			}
		}
		colExp(sT[:], kc, scale, &shift, &sum)
		vo := base + j0*ld + 2*D + h*dh
		if inT {
			lanesTiles(oT[:], sT[:], qkv, vo, 1, ld, dh, kc, j0 > 0)
		} else {
			accTiles(acc, D, sT[:], 1, lanes, qkv, vo, ld, nq, kc, dh)
		}
	}
	for i := range lanes {
		f[i] = 1 / sum[i] // every lane has a key: query t0+i sees key 0; unused lanes score 0
	}
	if inT {
		colScale(oT[:], dh, &f)
		transpose(acc, D, oT[:], 0, lanes, dh, nq)
		return
	}
	for i := range nq {
		kern.Scale(f[i], acc[i*D:i*D+dh])
	}
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
			accTiles(acc, hd, s[:], kc, 1, kv, vo+j0*ldkv, ldkv, nq, kc, dh)
		}
		for i := range nq {
			kern.Scale(1/st.sum[i], acc[i*hd:i*hd+dh])
		}
	}
	tasks := B * H * blocks
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}
