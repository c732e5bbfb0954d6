package cpu

import (
	"fmt"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/model"
)

// matMul runs Out = Act(A·W + Bias) + Residual through kern.Gemm, with Out rows LDC
// apart (a column band of a wider tensor when LDC > N).
func (e *Executable) matMul(g *model.Graph, o *model.MatMul) (func(), error) {
	m, n, k := o.M, o.N, o.K
	ldc := o.Ldc()
	if m < 1 || n < 1 || k < 1 || ldc < n {
		return nil, fmt.Errorf("bad shape M=%d N=%d K=%d LDC=%d", m, n, k, ldc)
	}
	a, err := e.need(g, o.A, "A", m*k)
	if err != nil {
		return nil, err
	}
	w, err := e.need(g, o.W, "W", k*n)
	if err != nil {
		return nil, err
	}
	if o.Out < 0 || o.Out >= len(g.Tensors) || g.Tensors[o.Out].Elems() != int64(m*n) {
		return nil, fmt.Errorf("Out must hold %d×%d elements", m, n)
	}
	c := e.f32Strided(g, o.Out)
	if len(c) < (m-1)*ldc+n {
		return nil, fmt.Errorf("Out %s: %d elements from its start, rows %d apart need %d", g.Tensors[o.Out], len(c), ldc, (m-1)*ldc+n)
	}
	ep := &kern.Epilogue{Act: kern.Act(o.Act)}
	if o.Bias >= 0 {
		if ep.Bias, err = e.need(g, o.Bias, "Bias", n); err != nil {
			return nil, err
		}
	}
	if o.Residual >= 0 {
		if ep.Residual, err = e.need(g, o.Residual, "Residual", m*n); err != nil {
			return nil, err
		}
		ep.LDR = n
	}
	ldb := n
	if o.TransW {
		ldb = k
	}
	pool := e.pool
	return func() {
		kern.Gemm(pool, m, n, k, a, k, w, ldb, o.TransW, c, ldc, ep)
	}, nil
}
