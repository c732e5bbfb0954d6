package space

import (
	"fmt"
	"strings"
)

// Backbone names a model family, with the LTS/Archai spelling: the "backbone" key of
// architectures and spaces.
type Backbone string

// ModelType is one registered variant of a backbone, named as the golden bundles'
// model_type ("gpt2", "gpt2_flex", "transformer_xl"): everything package space knows
// about it. Package model adds the weight layout and the graph builder under the same
// Name. Code outside the descriptors asks a ModelType; it does not compare backbones.
type ModelType struct {
	Name     string   // the golden model_type
	Backbone Backbone // the "backbone" of its configs and spaces
	// Adaptive: adaptive embedding and projected adaptive log-softmax. A backbone with
	// only adaptive variants is always adaptive, whatever an Arch's Adaptive says.
	Adaptive bool
	Label    string   // for tables: "GPT-2", "GPT-2 (adaptive)", "Transformer-XL"
	About    string   // one line for a space's description
	Aliases  []string // other model_type spellings of Archai and Hugging Face configs
	// Memory: the model keeps mem_len rows of memory between segments (Transformer-XL).
	// Without one, mem_len is 0.
	Memory bool
	// Positions: the model has tgt_len learned positions (GPT-2's wpe, n_positions), which
	// bound the sequence length and count as embedding parameters.
	Positions bool
	// FeedForward is the feed-forward activation as configs spell it; only "gelu_new"
	// models accept Hugging Face's activation_function key.
	FeedForward string
	// LayerParams is the parameters of decoder layer l with d = d_model and f = d_inner[l];
	// it must be affine in f (Size counts by it). FinalParams is what the decoder stores
	// after its layers (GPT-2's ln_f).
	LayerParams func(d, f int64) int64
	FinalParams func(d int64) int64
	// LayerMACs is the multiply-accumulates per token of layer l (see FLOPsPerToken).
	LayerMACs func(a *Arch, l int) float64
	// Check holds rules beyond Validate's; they may read d_model and the settings of the
	// space but not the per-layer genes (Size relies on it). Nil: none.
	Check func(a *Arch) error
	// Space sets the paper's search space of the backbone (DefaultSpace); one variant
	// per backbone has it.
	Space func(s *Space)
}

// modelTypes are the registered model types; a backbone's first one is what an
// architecture without model_type and "adaptive" gets.
var modelTypes = []*ModelType{gpt2Type, gpt2FlexType, transformerXLType}

// ModelTypes lists the registered model types.
func ModelTypes() []*ModelType { return modelTypes }

// String is the model type's name.
func (t *ModelType) String() string { return t.Name }

// modelTypeOf returns the model type of backbone b: the variant with adaptive = adaptive,
// else (a backbone that is always adaptive) its only variant; nil for an unknown backbone.
func modelTypeOf(b Backbone, adaptive bool) *ModelType {
	var first *ModelType
	for _, t := range modelTypes {
		if t.Backbone != b {
			continue
		}
		if t.Adaptive == adaptive {
			return t
		}
		if first == nil {
			first = t
		}
	}
	return first
}

// exactModelType is the variant of b with adaptive = adaptive, or nil.
func exactModelType(b Backbone, adaptive bool) *ModelType {
	for _, t := range modelTypes {
		if t.Backbone == b && t.Adaptive == adaptive {
			return t
		}
	}
	return nil
}

// modelTypeNamed finds a model type by name or alias.
func modelTypeNamed(name string) *ModelType {
	for _, t := range modelTypes {
		if t.Name == name {
			return t
		}
		for _, a := range t.Aliases {
			if a == name {
				return t
			}
		}
	}
	return nil
}

// Known reports whether b is a registered backbone.
func (b Backbone) Known() bool { return modelTypeOf(b, false) != nil }

// Label is the backbone's name for people: its first variant's Label.
func (b Backbone) Label() string {
	if t := modelTypeOf(b, false); t != nil {
		return t.Label
	}
	return string(b)
}

// Backbones lists the registered backbones, each once.
func Backbones() []Backbone {
	var out []Backbone
	for _, t := range modelTypes {
		if len(out) == 0 || out[len(out)-1] != t.Backbone {
			out = append(out, t.Backbone)
		}
	}
	return out
}

// backboneList is "gpt2 or transformer_xl", for messages.
func backboneList() string {
	var names []string
	for _, b := range Backbones() {
		names = append(names, string(b))
	}
	return strings.Join(names, " or ")
}

// quotedBackbones is `"gpt2" or "transformer_xl"`, for messages about JSON.
func quotedBackbones() string {
	var names []string
	for _, b := range Backbones() {
		names = append(names, fmt.Sprintf("%q", b))
	}
	return strings.Join(names, " or ")
}

// modelTypeList is "gpt2, gpt2_flex, transformer_xl", for messages.
func modelTypeList() string {
	var names []string
	for _, t := range modelTypes {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}

// unknownBackbone is the error for a backbone that is not registered.
func unknownBackbone(b Backbone) error {
	return fmt.Errorf("backbone: %q is not %s", b, backboneList())
}

// ModelType is a's registered model type; nil when a's backbone is not registered
// (Validate reports it).
func (a *Arch) ModelType() *ModelType { return modelTypeOf(a.Backbone, a.Adaptive) }

// ModelType is the model type of the space's architectures; nil for an unknown
// backbone (Validate reports it).
func (s *Space) ModelType() *ModelType { return modelTypeOf(s.Backbone, s.Adaptive) }

// SeqLen is the sequence length a forward pass of a runs when none is asked for:
// preferred, bounded by learned positions; for a model with a memory its segment
// length tgt_len.
func (t *ModelType) SeqLen(a *Arch, preferred int) int {
	switch {
	case t.Memory:
		return a.TgtLen
	case t.Positions:
		return min(preferred, a.TgtLen)
	}
	return preferred
}

// MaxSeqLen is the longest sequence a accepts (its learned positions); 0 for no bound.
func (t *ModelType) MaxSeqLen(a *Arch) int {
	if t.Positions {
		return a.TgtLen
	}
	return 0
}
