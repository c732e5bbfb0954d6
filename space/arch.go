package space

import (
	"fmt"
	"strconv"
	"strings"
)

// Arch is one decoder architecture: the genes LTS searches (n_layer, d_model and the
// per-layer n_head and d_inner) plus the fixed settings of its search space (vocabulary,
// adaptive embedding and softmax, sequence and memory lengths).
//
// An Arch from ParseArch or from a Space is normalised: per-layer lists hold exactly
// NLayer values, DEmbed is resolved (never ≤ 0), Cutoffs is cleaned (strictly increasing,
// below NToken, NToken itself not listed) and TieProjs holds NClusters()+1 values.
type Arch struct {
	Backbone Backbone
	// Adaptive selects LTS's GPT-2 "flex" variant (adaptive embedding scaled by
	// √d_model, learned positions, projected adaptive log-softmax). False is plain
	// Hugging Face GPT-2 with an output head tied to wte. Transformer-XL is always
	// adaptive.
	Adaptive bool
	NLayer   int
	DModel   int
	NHead    []int // per layer
	DInner   []int // per layer
	DEmbed   int
	DivVal   int
	NToken   int
	Cutoffs  []int // cluster boundaries below NToken; empty = one softmax over the vocabulary
	// TgtLen is the Transformer-XL segment length, and for GPT-2 the number of learned
	// positions (n_positions), i.e. the longest sequence the model accepts.
	TgtLen   int
	MemLen   int    // Transformer-XL memory length; 0 for GPT-2
	TieProjs []bool // per softmax cluster (head first)
}

// IsAdaptive reports whether the model uses the adaptive embedding and the projected
// adaptive log-softmax (Transformer-XL, GPT-2 flex).
func (a *Arch) IsAdaptive() bool {
	t := a.ModelType()
	return t != nil && t.Adaptive
}

// NClusters is the number of tail clusters of the adaptive softmax (len(Cutoffs)).
func (a *Arch) NClusters() int { return len(a.Cutoffs) }

// Ends is [0] + Cutoffs + [NToken]: cluster c holds token ids Ends[c] ≤ v < Ends[c+1].
func (a *Arch) Ends() []int {
	e := make([]int, 0, len(a.Cutoffs)+2)
	e = append(e, 0)
	e = append(e, a.Cutoffs...)
	return append(e, a.NToken)
}

// DHead is the width of one attention head of layer i.
func (a *Arch) DHead(i int) int { return a.DModel / a.NHead[i] }

// EmbTables is the number of embedding tables of the adaptive embedding: one per
// cluster when DivVal > 1, else one table for the whole vocabulary.
func (a *Arch) EmbTables() int {
	if a.DivVal > 1 {
		return a.NClusters() + 1
	}
	return 1
}

// DEmbC is the width of cluster c's embedding table: DEmbed / DivVal^c (integer
// division); with DivVal 1 every cluster shares the one table of width DEmbed.
func (a *Arch) DEmbC(c int) int {
	if a.DivVal <= 1 {
		return a.DEmbed
	}
	d := a.DEmbed
	for range c {
		d /= a.DivVal
	}
	return d
}

// EmbProjs is the number of input projections (emb_projs) of the adaptive embedding:
// one per table when DivVal > 1; with DivVal 1 one projection if DEmbed ≠ DModel, else
// none.
func (a *Arch) EmbProjs() int {
	if a.DivVal > 1 {
		return a.NClusters() + 1
	}
	if a.DEmbed != a.DModel {
		return 1
	}
	return 0
}

// HasProj reports whether the output layer of cluster c has a projection between
// d_model and the cluster's embedding width (for DivVal 1 only when DEmbed ≠ DModel).
func (a *Arch) HasProj(c int) bool { return a.DivVal > 1 || a.DEmbed != a.DModel }

// OutProjTied reports whether cluster c's output projection is an emb_projs tensor
// (tie_projs); OwnOutProj reports whether it is a separate out_projs.c tensor.
func (a *Arch) OutProjTied(c int) bool { return a.HasProj(c) && a.TieProjs[c] }

// OwnOutProj reports whether cluster c has its own output projection out_projs.c.
func (a *Arch) OwnOutProj(c int) bool { return a.HasProj(c) && !a.TieProjs[c] }

// TiedEmbProj is the index of the emb_projs tensor that cluster c's output layer uses
// when its projection is tied.
func (a *Arch) TiedEmbProj(c int) int {
	if a.EmbProjs() >= 2 {
		return c
	}
	return 0
}

// Clone returns a deep copy.
func (a *Arch) Clone() *Arch {
	b := *a
	b.NHead = append([]int(nil), a.NHead...)
	b.DInner = append([]int(nil), a.DInner...)
	b.Cutoffs = append([]int(nil), a.Cutoffs...)
	b.TieProjs = append([]bool(nil), a.TieProjs...)
	return &b
}

// Key is a canonical, human-readable identity: two architectures with the same Key
// build the same model. Only the first NLayer per-layer values count.
func (a *Arch) Key() string {
	var sb strings.Builder
	t := a.ModelType()
	sb.WriteString(t.Name)
	fmt.Fprintf(&sb, ":L%d:d%d:h", a.NLayer, a.DModel)
	writeInts(&sb, a.NHead[:min(a.NLayer, len(a.NHead))])
	sb.WriteString(":i")
	writeInts(&sb, a.DInner[:min(a.NLayer, len(a.DInner))])
	fmt.Fprintf(&sb, ":V%d:T%d", a.NToken, a.TgtLen)
	if t.Memory {
		fmt.Fprintf(&sb, ":M%d", a.MemLen)
	}
	if t.Adaptive {
		fmt.Fprintf(&sb, ":e%d:k%d:c", a.DEmbed, a.DivVal)
		writeInts(&sb, a.Cutoffs)
		sb.WriteString(":p")
		for _, t := range a.TieProjs {
			if t {
				sb.WriteByte('1')
			} else {
				sb.WriteByte('0')
			}
		}
	}
	return sb.String()
}

func writeInts(sb *strings.Builder, xs []int) {
	for i, x := range xs {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(x))
	}
}

// Summary is a short description for tables: "L3 d512 h[2,4,8] i[1024,…]".
func (a *Arch) Summary() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "L%d d%d h[", a.NLayer, a.DModel)
	writeInts(&sb, a.NHead)
	sb.WriteString("] i[")
	writeInts(&sb, a.DInner)
	sb.WriteString("]")
	return sb.String()
}
