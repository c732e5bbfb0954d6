package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
)

const (
	// queryBlock is how many query rows of one (batch, head) pair a task handles.
	queryBlock = 16
	// keyChunk is how many scores a row keeps at once, on the stack: the softmax is
	// online (running maximum and sum, output rescaled when the maximum grows), so no
	// row of K scores, let alone a T×K matrix, is ever stored.
	keyChunk = 64
	// dimChunk bounds the stack copy of q + bias in relative attention; wider heads
	// are summed in pieces.
	dimChunk = 256
)

// causalAttention is GPT-2's fused masked multi-head attention over QKV [B, T, 3D].
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
	blocks := chunks(T, queryBlock)
	run := func(task int) {
		b, h, tb := task/(H*blocks), task/blocks%H, task%blocks
		base := b * T * 3 * D
		for t := tb * queryBlock; t < min((tb+1)*queryBlock, T); t++ {
			q := qkv[base+t*3*D+h*dh:][:dh]
			acc := out[(b*T+t)*D+h*dh:][:dh]
			var s [keyChunk]float32
			var os onlineSoftmax
			os.start(acc)
			for j0 := 0; j0 <= t; j0 += keyChunk {
				j1 := min(j0+keyChunk, t+1)
				sc := s[:j1-j0]
				for j := j0; j < j1; j++ {
					sc[j-j0] = scale * dot(q, qkv[base+j*3*D+D+h*dh:])
				}
				os.add(sc, acc, func(j int) []float32 { return qkv[base+(j0+j)*3*D+2*D+h*dh:] })
			}
			os.finish(acc)
		}
	}
	tasks := B * H * blocks
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}

// relAttention is Transformer-XL's relative-position attention with memory: queries
// for the T new positions, keys and values for all K = M + T, R(δ) for δ = 0..K-1.
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
	scale := float32(1 / math.Sqrt(float64(dh)))
	blocks := chunks(T, queryBlock)
	run := func(task int) {
		b, h, tb := task/(H*blocks), task/blocks%H, task%blocks
		u, w := rw[h*dh:(h+1)*dh], rr[h*dh:(h+1)*dh]
		kvb := kv[b*K*2*hd:]
		for t := tb * queryBlock; t < min((tb+1)*queryBlock, T); t++ {
			qt := q[(b*T+t)*hd+h*dh:][:dh]
			acc := out[(b*T+t)*hd+h*dh:][:dh]
			var s [keyChunk]float32
			var qu, qw [dimChunk]float32
			var os onlineSoftmax
			os.start(acc)
			last := M + t // the last key this query sees
			for j0 := 0; j0 <= last; j0 += keyChunk {
				j1 := min(j0+keyChunk, last+1)
				sc := s[:j1-j0]
				clear(sc)
				for d0 := 0; d0 < dh; d0 += dimChunk {
					d1 := min(d0+dimChunk, dh)
					a, c := qu[:d1-d0], qw[:d1-d0]
					for i := range a {
						a[i] = qt[d0+i] + u[d0+i]
						c[i] = qt[d0+i] + w[d0+i]
					}
					for j := j0; j < j1; j++ {
						kj := kvb[j*2*hd+h*dh+d0:]
						rd := r[(last-j)*hd+h*dh+d0:]
						sc[j-j0] += dot(a, kj) + dot(c, rd)
					}
				}
				scal(scale, sc)
				os.add(sc, acc, func(j int) []float32 { return kvb[(j0+j)*2*hd+hd+h*dh:] })
			}
			os.finish(acc)
		}
	}
	tasks := B * H * blocks
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}

// onlineSoftmax accumulates Σ_j softmax(s)_j·v_j over chunks of scores: the running
// maximum keeps exp from overflowing, and the accumulator is rescaled whenever it grows.
type onlineSoftmax struct {
	max float32
	sum float64
}

func (o *onlineSoftmax) start(acc []float32) {
	clear(acc)
	o.max, o.sum = float32(math.Inf(-1)), 0
}

// add folds the scores s with value rows value(j) (at least len(acc) long) into acc.
func (o *onlineSoftmax) add(s, acc []float32, value func(j int) []float32) {
	m := o.max
	for _, x := range s {
		m = max(m, x)
	}
	if m > o.max {
		if o.sum > 0 {
			f := exp32(o.max - m)
			scal(f, acc)
			o.sum *= float64(f)
		}
		o.max = m
	}
	for j, x := range s {
		p := exp32(x - o.max)
		o.sum += float64(p)
		axpy(p, value(j), acc)
	}
}

func (o *onlineSoftmax) finish(acc []float32) { scal(float32(1/o.sum), acc) }
