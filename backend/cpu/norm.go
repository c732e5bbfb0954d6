package cpu

import (
	"fmt"
	"math"

	"github.com/ltsbench/ltsbench/model"
)

// layerNorm normalises each row over D values (biased variance from the float64 sums
// of x and x², see sumSq), then applies gain and bias.
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
			sum, sq := sumSq(xr)
			mean := sum / float64(d)
			variance := max(sq/float64(d)-mean*mean, 0)
			normRow(yr, xr, gain, bias, float32(mean), float32(1/math.Sqrt(variance+eps)))
		}
	}
	tasks := chunks(rows, rowsPerTask)
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}
