package space

import "encoding/json"

// archJSON is the canonical JSON form of an Arch, in the LTS/Archai key names.
type archJSON struct {
	Backbone Backbone `json:"backbone"`
	Adaptive bool     `json:"adaptive"`
	NLayer   int      `json:"n_layer"`
	DModel   int      `json:"d_model"`
	NHead    []int    `json:"n_head"`
	DInner   []int    `json:"d_inner"`
	DEmbed   int      `json:"d_embed"`
	DivVal   int      `json:"div_val"`
	NToken   int      `json:"n_token"`
	Cutoffs  []int    `json:"cutoffs"`
	TgtLen   int      `json:"tgt_len"`
	MemLen   int      `json:"mem_len"`
	TieProjs []bool   `json:"tie_projs"`
}

// MarshalJSON writes the canonical form: per-layer lists of exactly n_layer values,
// d_embed resolved, cutoffs cleaned (without n_token).
func (a *Arch) MarshalJSON() ([]byte, error) {
	j := archJSON{
		Backbone: a.Backbone, Adaptive: a.IsAdaptive(), NLayer: a.NLayer, DModel: a.DModel,
		NHead: a.NHead[:min(a.NLayer, len(a.NHead))], DInner: a.DInner[:min(a.NLayer, len(a.DInner))],
		DEmbed: a.DEmbed, DivVal: a.DivVal, NToken: a.NToken, Cutoffs: a.Cutoffs,
		TgtLen: a.TgtLen, MemLen: a.MemLen, TieProjs: a.TieProjs,
	}
	if j.Cutoffs == nil {
		j.Cutoffs = []int{}
	}
	if j.TieProjs == nil {
		j.TieProjs = []bool{}
	}
	return json.Marshal(j)
}

// UnmarshalJSON is ParseArch.
func (a *Arch) UnmarshalJSON(data []byte) error {
	b, err := ParseArch(data)
	if err != nil {
		return err
	}
	*a = *b
	return nil
}
