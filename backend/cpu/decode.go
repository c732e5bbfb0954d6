package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/model"
)

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

// kvAppend copies the new positions' keys and values into their cache slots.
func (e *Executable) kvAppend(g *model.Graph, o *model.KVAppend) (func(), error) {
	B, T, LD, HD, Cap := o.B, o.T, o.LD, o.HD, o.Cap
	if B < 1 || T < 1 || HD < 1 || Cap < T || o.Start < 0 ||
		o.KOff < 0 || o.VOff < 0 || o.KOff+HD > LD || o.VOff+HD > LD {
		return nil, fmt.Errorf("bad shape B=%d T=%d LD=%d K@%d V@%d HD=%d Cap=%d", B, T, LD, o.KOff, o.VOff, HD, Cap)
	}
	src, err := e.need(g, o.Src, "Src", B*T*LD)
	if err != nil {
		return nil, err
	}
	cache, err := e.need(g, o.Cache, "Cache", B*Cap*2*HD)
	if err != nil {
		return nil, err
	}
	return func() {
		for b := range B {
			for t := range T {
				row := src[(b*T+t)*LD:]
				slot := (o.Start + t) % Cap
				dst := cache[(b*Cap+slot)*2*HD:]
				copy(dst[:HD], row[o.KOff:o.KOff+HD])
				copy(dst[HD:2*HD], row[o.VOff:o.VOff+HD])
			}
		}
	}, nil
}

// cachedAttention runs the new queries over the cache. A task is one (batch, query,
// head): it scores the visible keys into its own row of a scratch buffer made here
// (so that nothing allocates while running), takes the softmax and adds up the value
// rows. Keys and values are read in slot order, one or two contiguous runs of the
// ring.
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
	cache, err := e.need(g, o.Cache, "Cache", B*Cap*2*HD)
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
	// Per task: K scores, then the two biased queries (Transformer-XL).
	width := K + 2*Dh
	tasks := B * T * H
	scratch := make([]float32, tasks*width)
	scale := float32(1 / math.Sqrt(float64(Dh)))
	run := func(task int) {
		b, t, h := task/(T*H), task/H%T, task%H
		buf := scratch[task*width : (task+1)*width]
		qh := q[(b*T+t)*LDQ+h*Dh:][:Dh]
		qk, qr := qh, qh
		if r != nil {
			qk, qr = buf[K:K+Dh], buf[K+Dh:K+2*Dh]
			for c := range Dh {
				qk[c] = qh[c] + rw[h*Dh+c]
				qr[c] = qh[c] + rr[h*Dh+c]
			}
		}
		now := o.Start + t   // this query's absolute position
		lo := o.Start - Past // the first visible key
		n := now - lo + 1    // visible keys
		s := buf[:n]
		base := b * Cap * 2 * HD
		for j := range n {
			p := lo + j
			k := cache[base+(p%Cap)*2*HD+h*Dh:][:Dh]
			v := kern.Dot(qk, k)
			if r != nil {
				v += kern.Dot(qr, r[(now-p)*HD+h*Dh:][:Dh])
			}
			s[j] = v * scale
		}
		kern.Scale(1/expScaleShift(s, 1, maxOf(s)), s)
		dst := out[(b*T+t)*HD+h*Dh:][:Dh]
		clear(dst)
		for j := range n {
			p := lo + j
			w := s[j]
			for c, x := range cache[base+(p%Cap)*2*HD+HD+h*Dh:][:Dh] {
				dst[c] += w * x
			}
		}
	}
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}
