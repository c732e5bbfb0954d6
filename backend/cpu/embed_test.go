package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// The adaptive embedding at preset widths (four-token tiles, clusters mixed within a
// task) and wider than the stack buffers (one token at a time), against float64.
func TestAdaptiveEmbedWidths(t *testing.T) {
	for _, c := range []struct {
		ends, demb []int
		d, n, t    int
	}{
		{[]int{0, 50, 90, 130}, []int{64, 16, 8}, 64, 70, 35}, // div_val 4 at d 64
		{[]int{0, 40, 60}, []int{1030, 515}, 1030, 9, 9},      // wider than the buffers
		{[]int{0, 30, 80}, []int{768, 192}, 768, 37, 37},      // GPT-2 flex small's widths
	} {
		t.Run(fmt.Sprint(c.ends, c.demb, c.d), func(t *testing.T) {
			paths(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(c.n), 3))
				ob := newOpBench(2)
				defer ob.e.pool.Close()
				nc := len(c.demb)
				ids := make([]int32, c.n)
				for i := range ids {
					ids[i] = int32(rng.IntN(c.ends[nc]))
				}
				idT := ob.tensor(model.Input, make([]float32, c.n), c.n)
				ob.g.Tensors[idT].DType = model.I32
				copy(ob.e.i32(ob.g, idT), ids)
				op := &model.AdaptiveEmbed{IDs: idT, Ends: c.ends, DEmb: c.demb, Scale: 1.5, N: c.n, T: c.t, D: c.d}
				var tables, projs [][]float32
				for k, de := range c.demb {
					tb := randVec(rng, (c.ends[k+1]-c.ends[k])*de, 1)
					pr := randVec(rng, c.d*de, 0.2)
					tables, projs = append(tables, tb), append(projs, pr)
					op.Tables = append(op.Tables, ob.tensor(model.Weight, tb, c.ends[k+1]-c.ends[k], de))
					op.Projs = append(op.Projs, ob.tensor(model.Weight, pr, c.d, de))
				}
				pos := randVec(rng, c.t*c.d, 1)
				op.Pos = ob.tensor(model.Weight, pos, c.t, c.d)
				op.Out = ob.tensor(model.Activation, nil, c.n, c.d)
				ob.g.Arch = &space.Arch{NToken: c.ends[nc]}
				step, err := ob.e.adaptiveEmbed(ob.g, op)
				if err != nil {
					t.Fatal(err)
				}
				step()
				got := ob.e.f32(ob.g, op.Out)
				for r, id := range ids {
					k := 0
					for int(id) >= c.ends[k+1] {
						k++
					}
					de := c.demb[k]
					e := tables[k][(int(id)-c.ends[k])*de:]
					for i := range c.d {
						var want, mag float64
						for l := range de {
							p := float64(projs[k][i*de+l]) * float64(e[l])
							want += p
							mag += math.Abs(p)
						}
						want = 1.5*want + float64(pos[(r%c.t)*c.d+i])
						if g := float64(got[r*c.d+i]); math.Abs(g-want) > 1e-5*(1+1.5*mag) {
							t.Fatalf("token %d (id %d) [%d] = %g, want %g", r, id, i, g, want)
						}
					}
				}
			})
		})
	}
}
