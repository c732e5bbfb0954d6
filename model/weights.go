package model

import "github.com/ltsbench/ltsbench/space"

// Weights holds every parameter of one architecture in one float32 slab. Tensors lists
// the weight tensors that own storage with their byte offsets (Off) in Data; every graph
// built for Arch, whatever its shape, uses this layout.
type Weights struct {
	Arch    *space.Arch
	Tensors []*Tensor
	Data    []float32 // WeightBytes/4 elements
}

// Bytes is the size of the slab in bytes.
func (w *Weights) Bytes() int64 { return int64(len(w.Data)) * 4 }

// Slice returns the elements of weight t.
func (w *Weights) Slice(t *Tensor) []float32 {
	off := t.Off / 4
	return w.Data[off : off+t.Elems()]
}
