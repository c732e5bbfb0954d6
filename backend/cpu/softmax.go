package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
)

// logSumExp is log Σ exp x, shifted by the maximum (float64 sum).
func logSumExp(x []float32) float64 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var s float64
	for _, v := range x {
		s += float64(exp32(v - m))
	}
	return float64(m) + math.Log(s)
}

// logSoftmax normalises each row (in place when Out is X).
func (e *Executable) logSoftmax(g *model.Graph, o *model.LogSoftmax) (func(), error) {
	rows, v := o.Rows, o.V
	if rows < 1 || v < 1 {
		return nil, fmt.Errorf("bad shape Rows=%d V=%d", rows, v)
	}
	x, err := e.need(g, o.X, "X", rows*v)
	if err != nil {
		return nil, err
	}
	out, err := e.need(g, o.Out, "Out", rows*v)
	if err != nil {
		return nil, err
	}
	run := func(r int) {
		xr, yr := x[r*v:(r+1)*v], out[r*v:(r+1)*v]
		lse := float32(logSumExp(xr))
		for i, a := range xr {
			yr[i] = a - lse
		}
	}
	pool := e.pool
	return func() { pool.Run(rows, run) }, nil
}

// adaptiveLogSoftmax turns the raw logits of the head and the tail clusters into
// log-probabilities in place: head tokens and cluster logits share one softmax, each
// tail token adds its cluster's head log-probability to its log-softmax within the
// cluster.
func (e *Executable) adaptiveLogSoftmax(g *model.Graph, o *model.AdaptiveLogSoftmax) (func(), error) {
	n, ends := o.N, o.Ends
	nc := len(ends) - 2
	if n < 1 || nc < 1 || ends[0] != 0 {
		return nil, fmt.Errorf("bad shape N=%d ends %v (needs at least one cutoff)", n, ends)
	}
	for c := range nc + 1 {
		if ends[c+1] <= ends[c] {
			return nil, fmt.Errorf("ends %v are not increasing", ends)
		}
	}
	v := ends[nc+1]
	logits, err := e.need(g, o.Logits, "Logits", n*v)
	if err != nil {
		return nil, err
	}
	cluster, err := e.need(g, o.Cluster, "Cluster", n*nc)
	if err != nil {
		return nil, err
	}
	run := func(r int) {
		row := logits[r*v : (r+1)*v]
		cl := cluster[r*nc : (r+1)*nc]
		head := row[:ends[1]]
		// log Σ exp over the head tokens and the cluster logits together.
		m := float32(math.Inf(-1))
		for _, x := range head {
			m = max(m, x)
		}
		for _, x := range cl {
			m = max(m, x)
		}
		var s float64
		for _, x := range head {
			s += float64(exp32(x - m))
		}
		for _, x := range cl {
			s += float64(exp32(x - m))
		}
		lse := float32(float64(m) + math.Log(s))
		for i := range head {
			head[i] -= lse
		}
		for c := 1; c <= nc; c++ {
			tail := row[ends[c]:ends[c+1]]
			shift := cl[c-1] - lse - float32(logSumExp(tail))
			for i := range tail {
				tail[i] += shift
			}
		}
	}
	pool := e.pool
	return func() { pool.Run(n, run) }, nil
}
