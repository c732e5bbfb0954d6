package model

import (
	"errors"

	"github.com/ltsbench/ltsbench/space"
)

// BuildOptions select what a graph computes beyond the decoder body.
type BuildOptions struct {
	Output Output // full (default), last or none
	// KeepHidden keeps every layer's output in the "hidden_states" output
	// [n_layer+1, B, T, d] (the golden bundles' tensor) instead of reusing the memory.
	KeepHidden bool
}

// Build returns the planned graph of one forward pass of a for the shape s.
func Build(a *space.Arch, s Shape, o BuildOptions) (*Graph, error) {
	return nil, errors.New("model.Build: not implemented yet")
}

// LayoutWeights lists the weight tensors of a (names as in the golden bundles) with
// their offsets in the weight slab, and the slab size in bytes.
func LayoutWeights(a *space.Arch) ([]*Tensor, int64) {
	return nil, 0
}

// InitWeights fills a weight slab for a with a fast seeded initialisation at realistic
// scales (no denormals; speed never depends on the values).
func InitWeights(a *space.Arch, seed uint64, threads int) (*Weights, error) {
	return nil, errors.New("model.InitWeights: not implemented yet")
}

// LoadWeights reads a's weights from a safetensors file (golden, Hugging Face or
// Archai names).
func LoadWeights(a *space.Arch, path string) (*Weights, error) {
	return nil, errors.New("model.LoadWeights: not implemented yet")
}
