package space

import (
	"errors"
	"math/rand/v2"
)

// Range is the integer choices Min, Min+Step, …, ≤ Max.
type Range struct {
	Min  int `json:"min"`
	Max  int `json:"max"`
	Step int `json:"step"`
}

// Space is a search space: the genes LTS searches and the fixed settings of the models.
type Space struct {
	Backbone Backbone `json:"backbone"`
	Adaptive bool     `json:"adaptive"` // GPT-2: search the "flex" variant (the paper's setting)
	NLayer   Range    `json:"n_layer"`
	DModel   Range    `json:"d_model"`
	DInner   Range    `json:"d_inner"` // per layer
	NHead    []int    `json:"n_head"`  // per layer
	DivVal   []int    `json:"div_val"`
	NToken   int      `json:"n_token"`
	Cutoffs  []int    `json:"cutoffs"`
	TgtLen   int      `json:"tgt_len"`
	MemLen   int      `json:"mem_len"`
	// DInnerMinRatio requires d_inner[i] ≥ ratio·d_model for every layer.
	DInnerMinRatio float64 `json:"d_inner_min_ratio"`
	// Decoder-parameter bounds checked before anything is measured.
	MinDecoderParams int64 `json:"min_decoder_params"`
	MaxDecoderParams int64 `json:"max_decoder_params"`
}

var errTODO = errors.New("space: not implemented yet")

// DefaultSpace is the paper's space for a backbone.
func DefaultSpace(b Backbone) (*Space, error) { return nil, errTODO }

// Check reports why a is outside the space or its constraints (nil if inside).
func (s *Space) Check(a *Arch) error { return errTODO }

// Sample draws a valid architecture inside the space's constraints.
func (s *Space) Sample(rng *rand.Rand) (*Arch, error) { return nil, errTODO }

// Mutate redraws each gene of a (per-layer genes included) with probability p.
func (s *Space) Mutate(a *Arch, p float64, rng *rand.Rand) *Arch { return nil }

// Crossover takes each gene from a or b with probability p (uniform crossover).
func (s *Space) Crossover(a, b *Arch, p float64, rng *rand.Rand) *Arch { return nil }
