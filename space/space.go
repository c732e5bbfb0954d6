package space

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Range is the integer choices Min, Min+Step, …, ≤ Max.
type Range struct {
	Min  int `json:"min"`
	Max  int `json:"max"`
	Step int `json:"step"`
}

// Values lists the choices of r (nil for an invalid range).
func (r Range) Values() []int {
	if r.Step <= 0 || r.Max < r.Min {
		return nil
	}
	out := make([]int, 0, (r.Max-r.Min)/r.Step+1)
	for v := r.Min; v <= r.Max; v += r.Step {
		out = append(out, v)
	}
	return out
}

// Len is the number of choices of r.
func (r Range) Len() int {
	if r.Step <= 0 || r.Max < r.Min {
		return 0
	}
	return (r.Max-r.Min)/r.Step + 1
}

// Contains reports whether v is one of r's choices.
func (r Range) Contains(v int) bool {
	return r.Step > 0 && v >= r.Min && v <= r.Max && (v-r.Min)%r.Step == 0
}

// String is "min…max step s" ("v" for a single choice).
func (r Range) String() string {
	switch {
	case r.Len() == 1:
		return fmt.Sprint(r.Min)
	case r.Step == 1:
		return fmt.Sprintf("%d…%d", r.Min, r.Max)
	default:
		return fmt.Sprintf("%d…%d step %d", r.Min, r.Max, r.Step)
	}
}

// Space is a search space: the genes LTS searches and the fixed settings of the models.
//
// The genes are n_layer, d_model, div_val (a gene only when DivVal has more than one
// choice) and, for each layer, d_inner and n_head. As in LTS, d_embed is not a gene: it
// is tied to d_model. The output projections follow Archai's default tie_projs (the
// head's untied, every tail's tied).
type Space struct {
	Backbone Backbone `json:"backbone"`
	Adaptive bool     `json:"adaptive"` // GPT-2: search the "flex" variant (the paper's setting)
	NLayer   Range    `json:"n_layer"`
	DModel   Range    `json:"d_model"`
	DInner   Range    `json:"d_inner"` // per layer
	NHead    []int    `json:"n_head"`  // per layer
	DivVal   []int    `json:"div_val"`
	NToken   int      `json:"n_token"`
	// Cutoffs as a config lists them; architectures carry them cleaned for NToken
	// (CleanCutoffs), so cutoffs at or above NToken are dropped.
	Cutoffs []int `json:"cutoffs"`
	TgtLen  int   `json:"tgt_len"`
	MemLen  int   `json:"mem_len"`
	// DInnerMinRatio requires d_inner[i] ≥ ratio·d_model for every layer.
	DInnerMinRatio float64 `json:"d_inner_min_ratio"`
	// Decoder-parameter bounds checked before anything is measured (inclusive).
	MinDecoderParams int64 `json:"min_decoder_params"`
	MaxDecoderParams int64 `json:"max_decoder_params"`
}

// DefaultSpace is the paper's space for a backbone: GPT-2 searched as the adaptive
// "flex" variant with vocabulary 50257 and 192 positions, Transformer-XL with vocabulary
// 267735 and tgt_len = mem_len = 192; n_layer 2–15 (GPT-2) or 2–16 (Transformer-XL),
// d_model 128…960 step 64, per layer d_inner 128…4032 step 64 with d_inner ≥ 1.7·d_model
// and n_head ∈ {2, 4, 8}, div_val 4, cutoffs 19997/39997/199997, decoder parameters
// 6e6–1e8 (GPT-2) or 4e6–1e8 (Transformer-XL).
func DefaultSpace(b Backbone) (*Space, error) {
	s := &Space{
		Backbone:         b,
		DModel:           Range{128, 960, 64},
		DInner:           Range{128, 4032, 64},
		NHead:            []int{2, 4, 8},
		DivVal:           []int{4},
		Cutoffs:          []int{19997, 39997, 199997},
		TgtLen:           192,
		DInnerMinRatio:   1.7,
		MaxDecoderParams: 100_000_000,
	}
	for _, t := range modelTypes {
		if t.Backbone == b && t.Space != nil {
			s.Adaptive = t.Adaptive
			t.Space(s)
			return s, nil
		}
	}
	return nil, unknownBackbone(b)
}

// Clone returns a deep copy.
func (s *Space) Clone() *Space {
	t := *s
	t.NHead = slices.Clone(s.NHead)
	t.DivVal = slices.Clone(s.DivVal)
	t.Cutoffs = slices.Clone(s.Cutoffs)
	return &t
}

// IsAdaptive reports whether the space's models use the adaptive embedding and softmax.
func (s *Space) IsAdaptive() bool {
	t := s.ModelType()
	return t != nil && t.Adaptive
}

// MaxWidth bounds a space's d_model, d_inner and head counts, and MaxTokens its
// vocabulary and sequence lengths: far above LTS's spaces (d_model ≤ 1024, d_inner ≤
// 4096, 267,735 tokens), low enough that every choice list stays small.
const (
	MaxWidth  = 1 << 16
	MaxTokens = 1 << 24
)

// Validate checks that the space itself is well formed; errors name the field.
func (s *Space) Validate() error {
	t := s.ModelType()
	if t == nil {
		return unknownBackbone(s.Backbone)
	}
	if t.Adaptive != s.Adaptive {
		if s.Adaptive {
			return fmt.Errorf("adaptive: %s has no adaptive variant", s.Backbone.Label())
		}
		return fmt.Errorf("adaptive: %s is always adaptive", s.Backbone.Label())
	}
	for _, r := range []struct {
		name string
		r    Range
	}{{"n_layer", s.NLayer}, {"d_model", s.DModel}, {"d_inner", s.DInner}} {
		switch {
		case r.r.Step <= 0:
			return fmt.Errorf("%s: step must be positive, got %d", r.name, r.r.Step)
		case r.r.Min <= 0:
			return fmt.Errorf("%s: min must be positive, got %d", r.name, r.r.Min)
		case r.r.Max < r.r.Min:
			return fmt.Errorf("%s: max %d is below min %d", r.name, r.r.Max, r.r.Min)
		}
	}
	if s.NLayer.Max > MaxLayers {
		return fmt.Errorf("n_layer: max must be at most %d, got %d", MaxLayers, s.NLayer.Max)
	}
	// Widths and the vocabulary are bounded before anything enumerates or samples
	// them: a typo such as d_model max 1e11 would otherwise list billions of choices.
	for _, r := range []struct {
		name string
		r    Range
	}{{"d_model", s.DModel}, {"d_inner", s.DInner}} {
		if r.r.Max > MaxWidth {
			return fmt.Errorf("%s: max must be at most %d, got %d", r.name, MaxWidth, r.r.Max)
		}
	}
	for i, h := range s.NHead {
		if h > MaxWidth {
			return fmt.Errorf("n_head[%d]: must be at most %d, got %d", i, MaxWidth, h)
		}
	}
	if s.NToken > MaxTokens {
		return fmt.Errorf("n_token: must be at most %d, got %d", MaxTokens, s.NToken)
	}
	if s.TgtLen > MaxTokens || s.MemLen > MaxTokens {
		return fmt.Errorf("tgt_len, mem_len: must be at most %d, got %d and %d", MaxTokens, s.TgtLen, s.MemLen)
	}
	if err := positiveSet("n_head", s.NHead); err != nil {
		return err
	}
	if s.IsAdaptive() {
		if err := positiveSet("div_val", s.DivVal); err != nil {
			return err
		}
	}
	if s.NToken <= 0 {
		return fmt.Errorf("n_token: must be positive, got %d", s.NToken)
	}
	if s.TgtLen <= 0 {
		return fmt.Errorf("tgt_len: must be positive, got %d", s.TgtLen)
	}
	if s.MemLen < 0 {
		return fmt.Errorf("mem_len: must be ≥ 0, got %d", s.MemLen)
	}
	if !t.Memory && s.MemLen != 0 {
		return fmt.Errorf("mem_len: %s has no memory, got %d", s.Backbone.Label(), s.MemLen)
	}
	if _, err := CleanCutoffs(s.Cutoffs, s.NToken); err != nil {
		return fmt.Errorf("cutoffs: %v", err)
	}
	if math.IsNaN(s.DInnerMinRatio) || math.IsInf(s.DInnerMinRatio, 0) || s.DInnerMinRatio < 0 {
		return fmt.Errorf("d_inner_min_ratio: must be a number ≥ 0, got %v", s.DInnerMinRatio)
	}
	if s.MinDecoderParams < 0 || s.MaxDecoderParams < 0 {
		return errors.New("min_decoder_params, max_decoder_params: must be ≥ 0 (0 for max means no bound)")
	}
	if s.MaxDecoderParams > 0 && s.MaxDecoderParams < s.MinDecoderParams {
		return fmt.Errorf("max_decoder_params: %d is below min_decoder_params %d", s.MaxDecoderParams, s.MinDecoderParams)
	}
	return nil
}

func positiveSet(name string, xs []int) error {
	if len(xs) == 0 {
		return fmt.Errorf("%s: needs at least one choice", name)
	}
	for i, x := range xs {
		if x <= 0 {
			return fmt.Errorf("%s[%d]: must be positive, got %d", name, i, x)
		}
		if slices.Contains(xs[:i], x) {
			return fmt.Errorf("%s[%d]: %d is listed twice", name, i, x)
		}
	}
	return nil
}

// divVals is the div_val choices that apply: plain GPT-2 has none (div_val 1).
func (s *Space) divVals() []int {
	if !s.IsAdaptive() {
		return []int{1}
	}
	return s.DivVal
}

// minDInner is the smallest d_inner the ratio constraint allows for dModel. The product
// is computed in float64; the tolerance keeps 1.7·640 = 1088 from landing a hair above
// the integer it denotes.
func (s *Space) minDInner(dModel int) int {
	m := s.DInnerMinRatio * float64(dModel)
	return int(math.Ceil(m - 1e-9*math.Max(1, m)))
}

// dInnerChoices is the per-layer d_inner choices for dModel (the ratio applied).
func (s *Space) dInnerChoices(dModel int) []int {
	lo := s.minDInner(dModel)
	var out []int
	for _, f := range s.DInner.Values() {
		if f >= lo {
			out = append(out, f)
		}
	}
	return out
}

// headChoices is the per-layer n_head choices that divide dModel.
func (s *Space) headChoices(dModel int) []int {
	var out []int
	for _, h := range s.NHead {
		if dModel%h == 0 {
			out = append(out, h)
		}
	}
	return out
}

// newArch builds the architecture of the given genes with the space's fixed settings.
func (s *Space) newArch(nLayer, dModel, divVal int, nHead, dInner []int) *Arch {
	a := &Arch{
		Backbone: s.Backbone, Adaptive: s.IsAdaptive(), NLayer: nLayer, DModel: dModel,
		NHead: nHead, DInner: dInner, DEmbed: dModel, DivVal: divVal, NToken: s.NToken,
		TgtLen: s.TgtLen, MemLen: s.MemLen,
	}
	if a.IsAdaptive() {
		a.Cutoffs, _ = CleanCutoffs(s.Cutoffs, s.NToken) // checked by Validate
		a.TieProjs = DefaultTieProjs(len(a.Cutoffs))
	} else {
		a.DivVal = 1
	}
	return a
}

// Check reports why a is outside the space or its constraints (nil if inside): a must be
// a valid architecture with the space's fixed settings, every gene one of the space's
// choices, d_inner[i] ≥ d_inner_min_ratio·d_model for every layer, and its decoder
// parameters within the bounds.
func (s *Space) Check(a *Arch) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("space: %w", err)
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if a.Backbone != s.Backbone {
		return fmt.Errorf("backbone: %s, the space is %s", a.Backbone, s.Backbone)
	}
	if a.IsAdaptive() != s.IsAdaptive() {
		return fmt.Errorf("adaptive: %v, the space's is %v", a.IsAdaptive(), s.IsAdaptive())
	}
	if !s.NLayer.Contains(a.NLayer) {
		return fmt.Errorf("n_layer: %d is not one of %s", a.NLayer, s.NLayer)
	}
	if !s.DModel.Contains(a.DModel) {
		return fmt.Errorf("d_model: %d is not one of %s", a.DModel, s.DModel)
	}
	if !slices.Contains(s.divVals(), a.DivVal) {
		return fmt.Errorf("div_val: %d is not one of %v", a.DivVal, s.divVals())
	}
	want := s.newArch(a.NLayer, a.DModel, a.DivVal, nil, nil)
	switch {
	case a.NToken != want.NToken:
		return fmt.Errorf("n_token: %d, the space's is %d", a.NToken, want.NToken)
	case a.TgtLen != want.TgtLen:
		return fmt.Errorf("tgt_len: %d, the space's is %d", a.TgtLen, want.TgtLen)
	case a.MemLen != want.MemLen:
		return fmt.Errorf("mem_len: %d, the space's is %d", a.MemLen, want.MemLen)
	case a.DEmbed != want.DEmbed:
		return fmt.Errorf("d_embed: %d, the space ties it to d_model %d", a.DEmbed, a.DModel)
	case !slices.Equal(a.Cutoffs, want.Cutoffs):
		return fmt.Errorf("cutoffs: %v, the space's are %v", a.Cutoffs, want.Cutoffs)
	case !slices.Equal(a.TieProjs, want.TieProjs):
		return fmt.Errorf("tie_projs: %v, the space's are %v", a.TieProjs, want.TieProjs)
	}
	lo := s.minDInner(a.DModel)
	for i := range a.NLayer {
		if !slices.Contains(s.NHead, a.NHead[i]) {
			return fmt.Errorf("n_head[%d]: %d is not one of %v", i, a.NHead[i], s.NHead)
		}
		if !s.DInner.Contains(a.DInner[i]) {
			return fmt.Errorf("d_inner[%d]: %d is not one of %s", i, a.DInner[i], s.DInner)
		}
		if a.DInner[i] < lo {
			return fmt.Errorf("d_inner[%d]: %d is below %g·d_model = %d", i, a.DInner[i], s.DInnerMinRatio, lo)
		}
	}
	n := a.DecoderParams()
	if n < s.MinDecoderParams {
		return fmt.Errorf("decoder params: %d is below the bound %d", n, s.MinDecoderParams)
	}
	if s.MaxDecoderParams > 0 && n > s.MaxDecoderParams {
		return fmt.Errorf("decoder params: %d is above the bound %d", n, s.MaxDecoderParams)
	}
	return nil
}
