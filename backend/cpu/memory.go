package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
)

// sinusoidRows is how many consecutive δ one sinusoid task writes: the angles of its
// first row come from math.Sincos, the others by rotating through the angle f_j.
const sinusoidRows = 32

// sinusoid writes Transformer-XL's position embeddings R(δ), δ = 0..P-1, in float64:
// per frequency f_j one Sincos at the task's first δ and one of f_j, then each next δ
// is a rotation, (sin, cos)(θ+f) = (sin θ·cos f + cos θ·sin f, cos θ·cos f - sin θ·sin f),
// which adds about one float64 rounding per step (far below float32's).
func (e *Executable) sinusoid(g *model.Graph, o *model.Sinusoid) (func(), error) {
	p, d := o.P, o.D
	if p < 1 || d < 2 || d%2 != 0 {
		return nil, fmt.Errorf("bad shape P=%d D=%d (D must be even)", p, d)
	}
	out, err := e.need(g, o.Out, "Out", p*d)
	if err != nil {
		return nil, err
	}
	half := d / 2
	run := func(task int) {
		d0, d1 := task*sinusoidRows, min((task+1)*sinusoidRows, p)
		for j := range half {
			f := 1 / math.Pow(10000, float64(2*j)/float64(d))
			s, c := math.Sincos(float64(d0) * f)
			sf, cf := math.Sincos(f)
			for delta := d0; delta < d1; delta++ {
				row := out[delta*d : (delta+1)*d]
				row[j], row[half+j] = float32(s), float32(c)
				s, c = s*cf+c*sf, c*cf-s*sf
			}
		}
	}
	tasks := chunks(p, sinusoidRows)
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}

// concatMem writes concat(Mem[b], X[b]) per batch row.
func (e *Executable) concatMem(g *model.Graph, o *model.ConcatMem) (func(), error) {
	B, M, T, D := o.B, o.M, o.T, o.D
	if B < 1 || M < 0 || T < 1 || D < 1 {
		return nil, fmt.Errorf("bad shape B=%d M=%d T=%d D=%d", B, M, T, D)
	}
	var mem []float32
	var err error
	if M > 0 {
		if mem, err = e.need(g, o.Mem, "Mem", B*M*D); err != nil {
			return nil, err
		}
	}
	x, err := e.need(g, o.X, "X", B*T*D)
	if err != nil {
		return nil, err
	}
	out, err := e.need(g, o.Out, "Out", B*(M+T)*D)
	if err != nil {
		return nil, err
	}
	return func() {
		for b := range B {
			dst := out[b*(M+T)*D:]
			copy(dst[:M*D], mem[b*M*D:])
			copy(dst[M*D:(M+T)*D], x[b*T*D:])
		}
	}, nil
}

// memUpdate keeps the last MOut of K rows per batch row.
func (e *Executable) memUpdate(g *model.Graph, o *model.MemUpdate) (func(), error) {
	B, K, MOut, D := o.B, o.K, o.MOut, o.D
	if B < 1 || K < 1 || MOut < 1 || MOut > K || D < 1 {
		return nil, fmt.Errorf("bad shape B=%d K=%d MOut=%d D=%d", B, K, MOut, D)
	}
	c, err := e.need(g, o.C, "C", B*K*D)
	if err != nil {
		return nil, err
	}
	out, err := e.need(g, o.Out, "Out", B*MOut*D)
	if err != nil {
		return nil, err
	}
	return func() {
		for b := range B {
			copy(out[b*MOut*D:(b+1)*MOut*D], c[(b*K+K-MOut)*D:])
		}
	}, nil
}

// takeLast copies the last position of each sequence.
func (e *Executable) takeLast(g *model.Graph, o *model.TakeLast) (func(), error) {
	B, T, D := o.B, o.T, o.D
	if B < 1 || T < 1 || D < 1 {
		return nil, fmt.Errorf("bad shape B=%d T=%d D=%d", B, T, D)
	}
	x, err := e.need(g, o.X, "X", B*T*D)
	if err != nil {
		return nil, err
	}
	out, err := e.need(g, o.Out, "Out", B*D)
	if err != nil {
		return nil, err
	}
	return func() {
		for b := range B {
			copy(out[b*D:(b+1)*D], x[(b*T+T-1)*D:])
		}
	}, nil
}
