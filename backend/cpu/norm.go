package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
)

// layerNorm normalises each row over D values (biased variance, two passes in float64
// so a large mean does not eat the variance), then applies gain and bias.
func (e *Executable) layerNorm(g *model.Graph, o *model.LayerNorm) (func(), error) {
	rows, d := o.Rows, o.D
	if rows < 1 || d < 1 {
		return nil, fmt.Errorf("bad shape Rows=%d D=%d", rows, d)
	}
	x, err := e.need(g, o.X, "X", rows*d)
	if err != nil {
		return nil, err
	}
	gain, err := e.need(g, o.G, "G", d)
	if err != nil {
		return nil, err
	}
	bias, err := e.need(g, o.B, "B", d)
	if err != nil {
		return nil, err
	}
	out, err := e.need(g, o.Out, "Out", rows*d)
	if err != nil {
		return nil, err
	}
	eps := float64(o.Eps)
	run := func(task int) {
		for r := task * rowsPerTask; r < min((task+1)*rowsPerTask, rows); r++ {
			xr, yr := x[r*d:(r+1)*d], out[r*d:(r+1)*d]
			var sum float64
			for _, v := range xr {
				sum += float64(v)
			}
			mean := sum / float64(d)
			var ss float64
			for _, v := range xr {
				c := float64(v) - mean
				ss += c * c
			}
			rstd := float32(1 / math.Sqrt(ss/float64(d)+eps))
			m := float32(mean)
			for i, v := range xr {
				yr[i] = (v-m)*rstd*gain[i] + bias[i]
			}
		}
	}
	tasks := chunks(rows, rowsPerTask)
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}
