package model

import (
	"encoding/binary"
	"fmt"
	"github.com/ltsbench/ltsbench/internal/hugemem"
	"math"
	"slices"
	"strings"

	"github.com/ltsbench/ltsbench/internal/safetensors"
	"github.com/ltsbench/ltsbench/space"
)

// LoadWeights reads a's weights from a safetensors file (golden, Hugging Face or
// Archai names).
//
// Accepted names: the golden ones (LayoutWeights); the same with the "model." prefix of
// Archai's training checkpoints; for GPT-2 also Hugging Face's GPT2Model names without
// "transformer.". Ignored: lm_head.shared_out_projs.* (a second reference to the
// emb_projs) and the attention mask buffers *.attn.bias and *.attn.masked_bias.
// Tied copies — crit./lm_head.out_layers_weights.{c}, out_projs.{c} of a tied cluster,
// GPT-2's lm_head.weight — are accepted only when equal to the tensor they are tied
// to: the architecture has no untied output tables, so a different one is an error
// rather than a silently different model. Float dtypes (F32, F16, BF16, F64) are
// converted; every other problem (missing tensor, wrong shape, unexpected tensor,
// integer dtype, damaged file) is one error naming the tensor and the file.
func LoadWeights(a *space.Arch, path string) (*Weights, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("load weights: %w", err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	ts, n := LayoutWeights(a)
	w := &Weights{Arch: a, Tensors: ts, Data: hugemem.Floats(int(n / 4))}
	byName := map[string]*Tensor{}
	for _, t := range ts {
		byName[t.Name] = t
	}
	tied := tiedCopies(a)

	loaded := map[string]string{} // layout name → file name
	var copies []string           // file names of tied copies, checked once all is loaded
	for _, name := range f.Names() {
		lname, ok := resolveName(a, name, byName, tied)
		switch {
		case ok && tied[lname] != "":
			copies = append(copies, name)
			continue
		case ok:
		case ignoredName(a, name):
			continue
		default:
			return nil, fmt.Errorf("%s: unexpected tensor %q (not a weight of this %s architecture)", path, name, a.ModelType())
		}
		if prev, dup := loaded[lname]; dup {
			return nil, fmt.Errorf("%s: tensors %q and %q are both %s", path, prev, name, lname)
		}
		t := byName[lname]
		if err := checkInfo(f, name, t.Shape); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := readFloat32(f, name, w.Slice(t)); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		loaded[lname] = name
	}
	for _, t := range ts {
		if _, ok := loaded[t.Name]; !ok {
			return nil, fmt.Errorf("%s: missing tensor %q %v", path, t.Name, t.Shape)
		}
	}
	for _, name := range copies {
		lname, _ := resolveName(a, name, byName, tied)
		target := byName[tied[lname]]
		if err := checkInfo(f, name, target.Shape); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		v, _, err := f.Float32(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if !slices.Equal(v, w.Slice(target)) {
			return nil, fmt.Errorf("%s: tensor %q differs from %q, which it is tied to (untied output weights are not supported)", path, name, target.Name)
		}
	}
	return w, nil
}

// tiedCopies maps the names of tensors a file may hold as copies of a tied weight to
// the weight they must equal.
func tiedCopies(a *space.Arch) map[string]string {
	m := map[string]string{}
	def := mustDefinition(a)
	emb, out := def.embed, def.out
	if !a.IsAdaptive() {
		m[out+"weight"] = emb + "weight"
		return m
	}
	for c := range a.EmbTables() {
		m[fmt.Sprintf("%sout_layers_weights.%d", out, c)] = fmt.Sprintf("%semb_layers.%d.weight", emb, c)
	}
	for c := range a.NClusters() + 1 {
		if a.OutProjTied(c) {
			m[fmt.Sprintf("%sout_projs.%d", out, c)] = fmt.Sprintf("%semb_projs.%d", emb, a.TiedEmbProj(c))
		}
	}
	return m
}

// resolveName maps a file's tensor name to a layout or tied-copy name.
func resolveName(a *space.Arch, name string, byName map[string]*Tensor, tied map[string]string) (string, bool) {
	cands := []string{name}
	if s, ok := strings.CutPrefix(name, "model."); ok {
		cands = append(cands, s)
	}
	if bare := mustDefinition(a).bare; bare != "" {
		for _, c := range cands {
			cands = append(cands, bare+c)
		}
	}
	for _, c := range cands {
		if _, ok := byName[c]; ok {
			return c, true
		}
		if _, ok := tied[c]; ok {
			return c, true
		}
	}
	return "", false
}

// ignoredName reports tensors that checkpoints carry beside the weights: buffers and
// second references (the definition's ignored names).
func ignoredName(a *space.Arch, name string) bool {
	name = strings.TrimPrefix(name, "model.")
	for _, x := range mustDefinition(a).ignored {
		if strings.HasPrefix(x, ".") && strings.HasSuffix(name, x) || strings.HasPrefix(name, x) {
			return true
		}
	}
	return false
}

// checkInfo checks a tensor's dtype and shape.
func checkInfo(f *safetensors.File, name string, shape []int) error {
	info, _ := f.Info(name)
	if !info.DType.IsFloat() {
		return fmt.Errorf("tensor %q has dtype %s, want a float type (F32, F16, BF16 or F64)", name, info.DType)
	}
	if !slices.Equal(info.Shape, shape) {
		return fmt.Errorf("tensor %q has shape %v, the architecture needs %v", name, info.Shape, shape)
	}
	return nil
}

// readFloat32 copies a float tensor into dst, decoding F32 in place and converting
// the other float dtypes.
func readFloat32(f *safetensors.File, name string, dst []float32) error {
	t, err := f.Tensor(name)
	if err != nil {
		return err
	}
	if t.DType == safetensors.DTypeF32 {
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
		return nil
	}
	v, _, err := f.Float32(name)
	if err != nil {
		return err
	}
	copy(dst, v)
	return nil
}
