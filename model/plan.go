package model

import (
	"fmt"
	"sort"
)

// Interval is the inclusive range of op indices during which a tensor's bytes are in
// use.
type Interval struct{ First, Last int }

// Overlaps reports whether two lifetimes share an op. Inclusive ends: an op may not
// read and write the same bytes through two different tensors.
func (a Interval) Overlaps(b Interval) bool { return a.First <= b.Last && b.First <= a.Last }

// Lifetimes returns the lifetime of every tensor of g that the planner places (inputs
// and activations that own storage), by ID. A view extends its base; every graph output
// lives to the last op; inputs live from op 0 to the last op, so a graph can run again
// without its token ids being rewritten.
func Lifetimes(g *Graph) (map[int]Interval, error) {
	live := map[int]Interval{}
	last := len(g.Ops) - 1
	touch := func(id, i int) {
		r := g.Root(id)
		if r.Kind != Input && r.Kind != Activation {
			return
		}
		iv, ok := live[r.ID]
		if !ok {
			live[r.ID] = Interval{i, i}
			return
		}
		live[r.ID] = Interval{min(iv.First, i), max(iv.Last, i)}
	}
	for i, op := range g.Ops {
		for _, id := range op.Reads() {
			touch(id, i)
		}
		for _, id := range op.Writes() {
			touch(id, i)
		}
	}
	for _, id := range g.Outputs {
		touch(id, last)
	}
	for _, t := range g.Tensors {
		if t.Base >= 0 || (t.Kind != Input && t.Kind != Activation) {
			continue
		}
		if t.Kind == Input {
			touch(t.ID, 0)
			touch(t.ID, last)
		}
		if _, ok := live[t.ID]; !ok {
			return nil, fmt.Errorf("plan: %s is never used", t)
		}
	}
	return live, nil
}

// Plan places every input and activation of g in one arena by liveness: tensors whose
// lifetimes overlap never share a byte, every tensor starts at a multiple of Align
// bytes. It is greedy — largest first, each in the best-fitting gap among the tensors
// already placed that are alive at the same time — and sets every Tensor.Off (views
// resolved), Graph.ArenaBytes, WeightBytes and StateBytes.
func Plan(g *Graph) error {
	for i, t := range g.Tensors {
		if t.ID != i {
			return fmt.Errorf("plan: tensor %d has ID %d", i, t.ID)
		}
		if t.Base >= 0 {
			if t.Base >= len(g.Tensors) || t.Base == i {
				return fmt.Errorf("plan: %s: bad base %d", t, t.Base)
			}
			bt := g.Tensors[t.Base]
			if t.Kind != bt.Kind || t.ViewOffset < 0 || t.ViewOffset+t.Elems() > bt.Elems() {
				return fmt.Errorf("plan: view %s does not fit in %s", t, bt)
			}
		}
	}
	if err := checkAcyclicViews(g); err != nil {
		return err
	}
	live, err := Lifetimes(g)
	if err != nil {
		return err
	}

	type item struct {
		t    *Tensor
		size int64
		iv   Interval
	}
	items := make([]item, 0, len(live))
	for id, iv := range live {
		t := g.Tensors[id]
		items = append(items, item{t, alignUp(t.Bytes()), iv})
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].size != items[j].size {
			return items[i].size > items[j].size
		}
		if items[i].iv.First != items[j].iv.First {
			return items[i].iv.First < items[j].iv.First
		}
		return items[i].t.ID < items[j].t.ID
	})

	type span struct{ lo, hi int64 }
	var placed []item
	var arena int64
	for _, it := range items {
		var busy []span
		for _, p := range placed {
			if p.iv.Overlaps(it.iv) {
				busy = append(busy, span{p.t.Off, p.t.Off + p.size})
			}
		}
		sort.Slice(busy, func(i, j int) bool { return busy[i].lo < busy[j].lo })
		// Best fit: the smallest gap that holds the tensor; else after the last busy span.
		best, bestGap := int64(-1), int64(-1)
		var at int64
		for _, s := range busy {
			if gap := s.lo - at; gap >= it.size && (bestGap < 0 || gap < bestGap) {
				best, bestGap = at, gap
			}
			at = max(at, s.hi)
		}
		if best < 0 {
			best = at
		}
		it.t.Off = best
		arena = max(arena, best+it.size)
		placed = append(placed, it)
	}
	g.ArenaBytes = arena

	g.WeightBytes, g.StateBytes = 0, 0
	for _, t := range g.Tensors {
		if t.Base >= 0 {
			continue
		}
		switch t.Kind {
		case Weight:
			g.WeightBytes = max(g.WeightBytes, alignUp(t.Off+t.Bytes()))
		case State:
			g.StateBytes = max(g.StateBytes, alignUp(t.Off+t.Bytes()))
		}
	}
	for _, t := range g.Tensors {
		if t.Base >= 0 {
			t.Off = viewOff(g, t)
		}
	}
	return nil
}

// viewOff is the byte offset of a view: its base's plus its element offset.
func viewOff(g *Graph, t *Tensor) int64 {
	if t.Base < 0 {
		return t.Off
	}
	return viewOff(g, g.Tensors[t.Base]) + t.ViewOffset*t.DType.Size()
}

// checkAcyclicViews rejects view chains that loop (which would hang Root).
func checkAcyclicViews(g *Graph) error {
	for _, t := range g.Tensors {
		n := 0
		for u := t; u.Base >= 0; u = g.Tensors[u.Base] {
			if n++; n > len(g.Tensors) {
				return fmt.Errorf("plan: the views of %s form a cycle", t)
			}
		}
	}
	return nil
}
