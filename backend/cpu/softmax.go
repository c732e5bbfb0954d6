package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
)

// logSumExp is log Σ exp x, shifted by the maximum (float64 sum).
func logSumExp(x []float32) float64 {
	m := maxOf(x)
	return float64(m) + math.Log(expSum(x, m))
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
		addConst(yr, xr, -float32(logSumExp(xr)))
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
		m := maxOf(head)
		for _, x := range cl {
			m = max(m, x)
		}
		s := expSum(head, m)
		for _, x := range cl {
			s += float64(exp32(x - m))
		}
		lse := float32(float64(m) + math.Log(s))
		addConst(head, head, -lse)
		for c := 1; c <= nc; c++ {
			tail := row[ends[c]:ends[c+1]]
			addConst(tail, tail, cl[c-1]-lse-float32(logSumExp(tail)))
		}
	}
	pool := e.pool
	return func() { pool.Run(n, run) }, nil
}
