package cpu

import (
	"fmt"

	"github.com/ltsbench/ltsbench/model"
)

// rowsPerTask is how many rows one pool task handles in the row-parallel ops: enough
// work to hide the hand-off, small enough to balance two threads on a few rows.
const rowsPerTask = 8

const (
	// embedRows is how many tokens an adaptive-embedding task handles, grouped by
	// cluster so that each projection is applied to four tokens at a time.
	embedRows = 32
	// embedMaxWidth bounds d_model and the cluster widths for which the four gathered
	// rows and their products fit the task's stack buffers (2 × 16 KiB).
	embedMaxWidth = 1024
)

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
// row, projected to D when the cluster has a projection, scaled, plus positions. A task
// takes embedRows tokens and runs them cluster by cluster.
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
	tasks := chunks(n, embedRows)
	run := func(task int) {
		r0, r1 := task*embedRows, min((task+1)*embedRows, n)
		var rows [embedRows]int // this task's tokens of one cluster
		var buf [4 * embedMaxWidth]float32
		var prod [4 * embedMaxWidth]float32
		finish := func(r int, e []float32) { // out row r = scale·e (+ positions)
			dst := out[r*d : (r+1)*d]
			if pos != nil {
				p := pos[(r%t)*d : (r%t+1)*d]
				for j := range dst {
					dst[j] = scale*e[j] + p[j]
				}
				return
			}
			for j := range dst {
				dst[j] = scale * e[j]
			}
		}
		for c := range nc {
			nr := 0
			for r := r0; r < r1; r++ {
				if v := int(ids[r]); v >= ends[c] && v < ends[c+1] {
					rows[nr] = r
					nr++
				}
			}
			de, table, proj := demb[c], tables[c], projs[c]
			row := func(r int) []float32 {
				v := int(ids[r]) - ends[c]
				return table[v*de : (v+1)*de]
			}
			switch {
			case proj == nil:
				for _, r := range rows[:nr] {
					finish(r, row(r))
				}
			case de <= embedMaxWidth && d <= embedMaxWidth:
				// Four tokens at a time against all of P [D, de]: P is read once per
				// four tokens, their rows gathered into buf.
				for g := 0; g < nr; g += 4 {
					m := min(4, nr-g)
					for i, r := range rows[g : g+m] {
						copy(buf[i*de:(i+1)*de], row(r))
					}
					dotTiles(prod[:], d, buf[:], 0, de, proj, 0, de, m, d, de)
					for i, r := range rows[g : g+m] {
						finish(r, prod[i*d:(i+1)*d])
					}
				}
			default:
				// Wider than the stack buffers: one token at a time, written in place.
				for _, r := range rows[:nr] {
					v := int(ids[r]) - ends[c]
					dst := out[r*d : (r+1)*d]
					dotTiles(dst, 1, proj, 0, de, table, v*de, 0, d, 1, de)
					finish(r, dst)
				}
			}
		}
	}
	pool := e.pool
	return func() { pool.Run(tasks, run) }, nil
}
