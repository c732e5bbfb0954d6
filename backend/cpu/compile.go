package cpu

import (
	"fmt"

	"github.com/ltsbench/ltsbench/model"
)

// compile turns each op of g into a step over fixed slices of the executable's
// buffers. Sizes are checked here, once, so a malformed graph is an error rather than
// an index panic inside a worker.
func (e *Executable) compile(g *model.Graph) (*compiled, error) {
	if g.ArenaBytes > int64(len(e.arena))*4 {
		return nil, fmt.Errorf("arena of %d bytes, have %d", g.ArenaBytes, len(e.arena)*4)
	}
	for _, t := range g.Tensors {
		r := g.Root(t.ID)
		end := (r.Off + r.Bytes()) / 4
		if t.Off < 0 || t.Off%4 != 0 || t.Off/4+t.Elems() > end || end > int64(len(e.region(t.Kind))) {
			return nil, fmt.Errorf("tensor %s at byte %d does not fit its %s region", t, t.Off, t.Kind)
		}
	}
	c := &compiled{g: g}
	if g.IDs >= 0 {
		if g.IDs >= len(g.Tensors) || g.Tensors[g.IDs].DType != model.I32 || g.Tensors[g.IDs].Kind != model.Input {
			return nil, fmt.Errorf("token ids: tensor %d is not an int32 input", g.IDs)
		}
		c.ids = e.i32(g, g.IDs)
	}
	for i, op := range g.Ops {
		s, err := e.step(g, op)
		if err != nil {
			return nil, fmt.Errorf("op %d (%s): %w", i, op.Name(), err)
		}
		c.steps = append(c.steps, s)
	}
	return c, nil
}

// step returns the closure that runs one op.
func (e *Executable) step(g *model.Graph, op model.Op) (func(), error) {
	switch o := op.(type) {
	case *model.Embed:
		return e.embed(g, o)
	case *model.AdaptiveEmbed:
		return e.adaptiveEmbed(g, o)
	case *model.LayerNorm:
		return e.layerNorm(g, o)
	case *model.MatMul:
		return e.matMul(g, o)
	case *model.CausalAttention:
		return e.causalAttention(g, o)
	case *model.RelAttention:
		return e.relAttention(g, o)
	case *model.Sinusoid:
		return e.sinusoid(g, o)
	case *model.ConcatMem:
		return e.concatMem(g, o)
	case *model.MemUpdate:
		return e.memUpdate(g, o)
	case *model.TakeLast:
		return e.takeLast(g, o)
	case *model.LogSoftmax:
		return e.logSoftmax(g, o)
	case *model.AdaptiveLogSoftmax:
		return e.adaptiveLogSoftmax(g, o)
	}
	return e.decodeStep(g, op)
}

// need returns tensor id's elements after checking that it holds exactly n of them.
func (e *Executable) need(g *model.Graph, id int, what string, n int) ([]float32, error) {
	if id < 0 || id >= len(g.Tensors) {
		return nil, fmt.Errorf("%s: no tensor %d", what, id)
	}
	t := g.Tensors[id]
	if t.DType != model.F32 {
		return nil, fmt.Errorf("%s: %s is not float32", what, t)
	}
	if t.Elems() != int64(n) {
		return nil, fmt.Errorf("%s: %s has %d elements, the op needs %d", what, t, t.Elems(), n)
	}
	return e.f32(g, id), nil
}

// needAtLeast is need for tensors that may be longer than what the op reads (Pos).
func (e *Executable) needAtLeast(g *model.Graph, id int, what string, n int) ([]float32, error) {
	if id < 0 || id >= len(g.Tensors) {
		return nil, fmt.Errorf("%s: no tensor %d", what, id)
	}
	t := g.Tensors[id]
	if t.DType != model.F32 || t.Elems() < int64(n) {
		return nil, fmt.Errorf("%s: %s has %d elements, the op needs at least %d", what, t, t.Elems(), n)
	}
	return e.f32(g, id)[:n], nil
}

// chunks splits n items into tasks of about size each, at most n tasks.
func chunks(n, size int) int { return max((n+size-1)/size, 1) }
