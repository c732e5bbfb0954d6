package model

import (
	"fmt"

	"github.com/ltsbench/ltsbench/space"
)

// Align is the byte alignment of every weight and every planned arena tensor: a cache
// line multiple, and what GPU allocators guarantee for a buffer's start.
const Align = 256

func alignUp(n int64) int64 { return (n + Align - 1) / Align * Align }

// Init scales of the seeded initialisation (InitWeights): GPT-2's and Archai's 0.02
// for matrices and tables, their 0.01 for positions and projections, small nonzero
// biases and LayerNorm gains of 1.
var (
	initMatrix = Init{Std: 0.02}
	initProj   = Init{Std: 0.01}
	initBias   = Init{Std: 0.01}
	initGain   = Init{Mean: 1}
)

// LayoutWeights lists the weight tensors of a (names as in the golden bundles) with
// their offsets in the weight slab, and the slab size in bytes. The order follows the
// model's definition and depends on the architecture alone; every tensor starts at a
// multiple of Align bytes. Tensor i has ID i.
func LayoutWeights(a *space.Arch) ([]*Tensor, int64) {
	var ts []*Tensor
	var off int64
	add := func(name string, init Init, shape ...int) {
		t := &Tensor{ID: len(ts), Name: name, Kind: Weight, DType: F32, Shape: shape, Base: -1, Off: off, Init: init}
		ts = append(ts, t)
		off = alignUp(off + t.Bytes())
	}
	def := mustDefinition(a)
	def.layout(a, def, add)
	return ts, off
}

// adaptiveEmbedding adds the tables and projections of an AdaptiveEmbedding under
// prefix.
func adaptiveEmbedding(a *space.Arch, prefix string, add addWeight) {
	ends := a.Ends()
	for c := range a.EmbTables() {
		rows := a.NToken
		if a.DivVal > 1 {
			rows = ends[c+1] - ends[c]
		}
		add(fmt.Sprintf("%semb_layers.%d.weight", prefix, c), initMatrix, rows, a.DEmbC(c))
	}
	for c := range a.EmbProjs() {
		add(fmt.Sprintf("%semb_projs.%d", prefix, c), initProj, a.DModel, a.DEmbC(c))
	}
}

// adaptiveSoftmax adds what a ProjectedAdaptiveLogSoftmax stores beyond the tied tables
// under prefix: per-token biases, untied projections, cluster head.
func adaptiveSoftmax(a *space.Arch, prefix string, add addWeight) {
	ends := a.Ends()
	for c := range a.EmbTables() {
		rows := a.NToken
		if a.DivVal > 1 {
			rows = ends[c+1] - ends[c]
		}
		add(fmt.Sprintf("%sout_layers_biases.%d", prefix, c), initBias, rows)
	}
	for c := range a.NClusters() + 1 {
		if a.OwnOutProj(c) {
			add(fmt.Sprintf("%sout_projs.%d", prefix, c), initProj, a.DModel, a.DEmbC(c))
		}
	}
	if a.NClusters() > 0 {
		add(prefix+"cluster_weight", initMatrix, a.NClusters(), a.DEmbed)
		add(prefix+"cluster_bias", initBias, a.NClusters())
	}
}
