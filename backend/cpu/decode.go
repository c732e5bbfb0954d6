package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/model"
)

// biasedMax is the widest head whose Transformer-XL biased queries cachedAttention
// keeps on its task's stack (4 KiB for the two): every head of the paper's spaces
// (d_model ≤ 960, at least 2 heads).
const biasedMax = 512

// decodeStep returns the closure of an op of the cached forward pass (model.KVAppend,
// model.CachedAttention), or the error for an op this backend does not know.
func (e *Executable) decodeStep(g *model.Graph, op model.Op) (func(), error) {
	switch o := op.(type) {
	case *model.KVAppend:
		return e.kvAppend(g, o)
	case *model.CachedAttention:
		return e.cachedAttention(g, o)
	}
	return nil, fmt.Errorf("op %T is not supported by the cpu backend", op)
}

// kvAppend copies the new positions' keys and values into their cache slots, head by
// head (the cache is [B, 2, H, Cap, Dh]: model.KVAppend).
func (e *Executable) kvAppend(g *model.Graph, o *model.KVAppend) (func(), error) {
	B, T, LD, HD, H, Cap := o.B, o.T, o.LD, o.HD, o.H, o.Cap
	if B < 1 || T < 1 || HD < 1 || H < 1 || HD%H != 0 || Cap < T || o.Start < 0 ||
		o.KOff < 0 || o.VOff < 0 || o.KOff+HD > LD || o.VOff+HD > LD {
		return nil, fmt.Errorf("bad shape B=%d T=%d LD=%d K@%d V@%d HD=%d H=%d Cap=%d", B, T, LD, o.KOff, o.VOff, HD, H, Cap)
	}
	Dh := HD / H
	src, err := e.need(g, o.Src, "Src", B*T*LD)
	if err != nil {
		return nil, err
	}
	cache, err := e.need(g, o.Cache, "Cache", B*2*H*Cap*Dh)
	if err != nil {
		return nil, err
	}
	return func() {
		for b := range B {
			for t := range T {
				row := src[(b*T+t)*LD:]
				slot := (o.Start + t) % Cap
				for h := range H {
					k := ((b*2+0)*H+h)*Cap + slot
					v := ((b*2+1)*H+h)*Cap + slot
					copy(cache[k*Dh:(k+1)*Dh], row[o.KOff+h*Dh:o.KOff+(h+1)*Dh])
					copy(cache[v*Dh:(v+1)*Dh], row[o.VOff+h*Dh:o.VOff+(h+1)*Dh])
				}
			}
		}
	}, nil
}

// cachedAttention runs the new queries over the cache. A task is one (batch, query,
// head): it scores the visible keys a chunk of keyChunk at a time into an array on its
// stack and folds each chunk into an online softmax (running maximum and sum, the
// output row rescaled when the maximum grows), adding the value rows to the output as
// it goes (kern.Axpy). So the op needs no memory beyond the arena, the state and the
// task's fixed stack frame, whatever the number of cached positions, and a run
// allocates nothing.
// Keys and values are read in position order, slot p mod Cap of the ring: one head's
// are one stretch of the cache ([B, 2, H, Cap, Dh]), which the hardware prefetchers
// follow.
//
// Transformer-XL's score of key p is (q+u)·k_p + (q+w)·R(now-p); the biased queries
// q+u and q+w live on the stack too for heads up to biasedMax wide, and wider heads
// add u·k_p and w·R(now-p) as dot products of their own.
func (e *Executable) cachedAttention(g *model.Graph, o *model.CachedAttention) (func(), error) {
	B, T, H, Dh, LDQ, Past, Cap := o.B, o.T, o.H, o.Dh, o.LDQ, o.Past, o.Cap
	HD := H * Dh
	if B < 1 || T < 1 || H < 1 || Dh < 1 || LDQ < HD || Past < 0 || Past > o.Start || Cap < Past+T {
		return nil, fmt.Errorf("bad shape B=%d T=%d H=%d Dh=%d LDQ=%d Past=%d Start=%d Cap=%d", B, T, H, Dh, LDQ, Past, o.Start, Cap)
	}
	q, err := e.needAtLeast(g, o.Q, "Q", B*T*LDQ-(LDQ-HD))
	if err != nil {
		return nil, err
	}
	cache, err := e.need(g, o.Cache, "Cache", B*2*H*Cap*Dh)
	if err != nil {
		return nil, err
	}
	out, err := e.need(g, o.Out, "Out", B*T*HD)
	if err != nil {
		return nil, err
	}
	K := Past + T
	var r, rw, rr []float32
	if o.R >= 0 {
		if r, err = e.needAtLeast(g, o.R, "R", K*HD); err != nil {
			return nil, err
		}
		if rw, err = e.need(g, o.RWBias, "RWBias", HD); err != nil {
			return nil, err
		}
		if rr, err = e.need(g, o.RRBias, "RRBias", HD); err != nil {
			return nil, err
		}
	}
	tasks := B * T * H
	scale := float32(1 / math.Sqrt(float64(Dh)))
	run := func(task int) {
		b, t, h := task/(T*H), task/H%T, task%H
		qh := q[(b*T+t)*LDQ+h*Dh:][:Dh]
		var qb [2 * biasedMax]float32
		qk, qr := qh, qh
		var u, w []float32 // the biases, for heads too wide for qb
		if r != nil {
			if Dh <= biasedMax {
				qk, qr = qb[:Dh], qb[biasedMax:biasedMax+Dh]
				for c := range Dh {
					qk[c] = qh[c] + rw[h*Dh+c]
					qr[c] = qh[c] + rr[h*Dh+c]
				}
			} else {
				u, w = rw[h*Dh:][:Dh], rr[h*Dh:][:Dh]
			}
		}
		now := o.Start + t               // this query's absolute position
		lo := o.Start - Past             // the first visible key
		n := now - lo + 1                // visible keys
		kb := ((b*2+0)*H + h) * Cap * Dh // head h's keys, slot by slot
		vb := ((b*2+1)*H + h) * Cap * Dh // and values
		dst := out[(b*T+t)*HD+h*Dh:][:Dh]
		clear(dst)
		var s [keyChunk]float32
		m, sum := float32(math.Inf(-1)), float32(0)
		for j0 := 0; j0 < n; j0 += keyChunk {
			row := s[:min(keyChunk, n-j0)]
			for j := range row {
				p := lo + j0 + j
				k := cache[kb+(p%Cap)*Dh:][:Dh]
				v := kern.Dot(qk, k)
				if r != nil {
					rp := r[(now-p)*HD+h*Dh:][:Dh]
					v += kern.Dot(qr, rp)
					if u != nil {
						v += kern.Dot(u, k) + kern.Dot(w, rp)
					}
				}
				row[j] = v
			}
			if cm := maxOf(row) * scale; cm > m {
				if sum > 0 {
					f := exp32(m - cm)
					kern.Scale(f, dst)
					sum *= f
				}
				m = cm
			}
			sum += expScaleShift(row, scale, m)
			for j, pw := range row {
				p := lo + j0 + j
				kern.Axpy(pw, cache[vb+(p%Cap)*Dh:][:Dh], dst)
			}
		}
		kern.Scale(1/sum, dst)
	}
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}
