package model

import (
	"fmt"

	"github.com/ltsbench/ltsbench/space"
)

// SegmentShapesSeq is the shapes of consecutive segments of seq tokens: for a model with
// a memory the first reads none and segment s reads what segment s-1 wrote, i.e. Mem = 0,
// min(mem_len, seq), min(mem_len, 2·seq), …; without a memory every shape is
// batch × seq. (The timed forward's shape is bench.Protocol.Shape: a full memory.)
func SegmentShapesSeq(a *space.Arch, batch, seq, segments int) []Shape {
	out := make([]Shape, segments)
	m, memory := 0, a.ModelType().Memory
	for i := range out {
		out[i] = Shape{Batch: batch, Seq: seq}
		if memory {
			out[i].Mem = m
			out[i].MemOut = min(a.MemLen, m+seq)
			m = out[i].MemOut
		}
	}
	return out
}

// checkShape validates s for a and fills MemOut when it is left 0 for a model with a
// memory.
func checkShape(a *space.Arch, s *Shape) error {
	if s.Batch < 1 || s.Seq < 1 {
		return fmt.Errorf("shape %d×%d: batch and sequence length must be positive", s.Batch, s.Seq)
	}
	t := a.ModelType()
	if max := t.MaxSeqLen(a); max > 0 && s.Seq > max {
		return fmt.Errorf("sequence length %d exceeds n_positions %d (the rows of wpe)", s.Seq, max)
	}
	if !t.Memory {
		if s.Mem != 0 || s.MemOut != 0 {
			return fmt.Errorf("%s has no memory: shape has mem %d → %d", a.Backbone.Label(), s.Mem, s.MemOut)
		}
		return nil
	}
	if s.Mem < 0 || s.Mem > a.MemLen {
		return fmt.Errorf("memory of %d rows: must be between 0 and mem_len %d", s.Mem, a.MemLen)
	}
	want := min(a.MemLen, s.Mem+s.Seq)
	if s.MemOut == 0 {
		s.MemOut = want
	}
	if s.MemOut != want {
		return fmt.Errorf("memory written: %d rows, but min(mem_len %d, mem %d + seq %d) is %d", s.MemOut, a.MemLen, s.Mem, s.Seq, want)
	}
	return nil
}
