package cpu

import (
	"fmt"

	"github.com/ltsbench/ltsbench/model"
)

// rowsPerTask is how many rows one pool task handles in the row-parallel ops: enough
// work to hide the hand-off, small enough to balance two threads on a few rows.
const rowsPerTask = 8

// embed gathers table rows and adds learned positions (GPT-2).
func (e *Executable) embed(g *model.Graph, o *model.Embed) (func(), error) {
	n, t, d := o.N, o.T, o.D
	if n < 1 || t < 1 || d < 1 || n%t != 0 {
		return nil, fmt.Errorf("bad shape N=%d T=%d D=%d", n, t, d)
	}
	ids := e.i32(g, o.IDs)
	if len(ids) != n {
		return nil, fmt.Errorf("IDs has %d elements, want %d", len(ids), n)
	}
	vd := int(g.Tensors[o.Table].Elems())
	if vd%d != 0 || len(g.Tensors[o.Table].Shape) != 2 || g.Tensors[o.Table].Shape[1] != d {
		return nil, fmt.Errorf("Table %s is not [V, %d]", g.Tensors[o.Table], d)
	}
	if vd/d < g.Arch.NToken {
		return nil, fmt.Errorf("Table %s has fewer rows than the %d token ids SetIDs accepts", g.Tensors[o.Table], g.Arch.NToken)
	}
	table, err := e.need(g, o.Table, "Table", vd)
	if err != nil {
		return nil, err
	}
	var pos []float32
	if o.Pos >= 0 {
		if pos, err = e.needAtLeast(g, o.Pos, "Pos", t*d); err != nil {
			return nil, err
		}
	}
	out, err := e.need(g, o.Out, "Out", n*d)
	if err != nil {
		return nil, err
	}
	tasks := chunks(n, rowsPerTask)
	run := func(task int) {
		for r := task * rowsPerTask; r < min((task+1)*rowsPerTask, n); r++ {
			v := int(ids[r])
			dst := out[r*d : (r+1)*d]
			copy(dst, table[v*d:(v+1)*d])
			if pos != nil {
				p := pos[(r%t)*d : (r%t+1)*d]
				for j := range dst {
					dst[j] += p[j]
				}
			}
		}
	}
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}

// adaptiveEmbed is Transformer-XL's AdaptiveEmbedding: per token, its cluster's table
// row, projected to D when the cluster has a projection, scaled, plus positions.
func (e *Executable) adaptiveEmbed(g *model.Graph, o *model.AdaptiveEmbed) (func(), error) {
	n, t, d := o.N, o.T, o.D
	nc := len(o.Tables)
	if n < 1 || t < 1 || d < 1 || n%t != 0 || nc < 1 || len(o.Projs) != nc || len(o.DEmb) != nc || len(o.Ends) != nc+1 || o.Ends[0] != 0 {
		return nil, fmt.Errorf("bad shape N=%d T=%d D=%d with %d tables, %d projections, %d widths, ends %v", n, t, d, nc, len(o.Projs), len(o.DEmb), o.Ends)
	}
	if o.Ends[nc] != g.Arch.NToken {
		return nil, fmt.Errorf("ends %v do not end at the vocabulary size %d", o.Ends, g.Arch.NToken)
	}
	ids := e.i32(g, o.IDs)
	if len(ids) != n {
		return nil, fmt.Errorf("IDs has %d elements, want %d", len(ids), n)
	}
	tables := make([][]float32, nc)
	projs := make([][]float32, nc)
	for c := range nc {
		rows := o.Ends[c+1] - o.Ends[c]
		var err error
		if tables[c], err = e.need(g, o.Tables[c], fmt.Sprintf("Tables[%d]", c), rows*o.DEmb[c]); err != nil {
			return nil, err
		}
		if o.Projs[c] >= 0 {
			if projs[c], err = e.need(g, o.Projs[c], fmt.Sprintf("Projs[%d]", c), d*o.DEmb[c]); err != nil {
				return nil, err
			}
		} else if o.DEmb[c] != d {
			return nil, fmt.Errorf("cluster %d has width %d and no projection to %d", c, o.DEmb[c], d)
		}
	}
	var pos []float32
	var err error
	if o.Pos >= 0 {
		if pos, err = e.needAtLeast(g, o.Pos, "Pos", t*d); err != nil {
			return nil, err
		}
	}
	out, err := e.need(g, o.Out, "Out", n*d)
	if err != nil {
		return nil, err
	}
	ends, demb, scale := o.Ends, o.DEmb, o.Scale
	tasks := chunks(n, rowsPerTask)
	run := func(task int) {
		for r := task * rowsPerTask; r < min((task+1)*rowsPerTask, n); r++ {
			v := int(ids[r])
			c := 0
			for v >= ends[c+1] {
				c++
			}
			de := demb[c]
			row := tables[c][(v-ends[c])*de : (v-ends[c]+1)*de]
			dst := out[r*d : (r+1)*d]
			if p := projs[c]; p != nil {
				// dst = scale·(P @ row), P [D, de]: one dot product per output.
				for i := range dst {
					dst[i] = scale * dot(p[i*de:(i+1)*de], row)
				}
			} else {
				for i, x := range row {
					dst[i] = scale * x
				}
			}
			if pos != nil {
				p := pos[(r%t)*d : (r%t+1)*d]
				for j := range dst {
					dst[j] += p[j]
				}
			}
		}
	}
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}
