package bench

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ltsbench/ltsbench/space"
)

// PresetInfo names a preset architecture and says what it is.
type PresetInfo struct {
	Name  string `json:"name"`
	About string `json:"about"`
}

// preset is an architecture in the LTS/Archai key names, parsed by space.ParseArch so
// that a preset is normalised and validated exactly like an architecture file.
type preset struct {
	about string
	json  string
}

// presets holds the named architectures. Each comment gives the source of the numbers.
var presets = map[string]preset{
	// GPT-2 small, as released by OpenAI (Hugging Face "gpt2" config.json: n_layer 12,
	// n_embd 768, n_head 12, n_inner 4·768, vocab_size 50257, n_positions 1024).
	"gpt2-small": {"GPT-2 small (124M): 12 × 768, 12 heads, d_inner 3072, vocab 50257, plain tied head",
		`{"backbone": "gpt2", "adaptive": false, "n_layer": 12, "d_model": 768, "n_head": 12,
		  "d_inner": 3072, "n_token": 50257, "n_positions": 1024}`},
	// GPT-2 medium (Hugging Face "gpt2-medium": n_layer 24, n_embd 1024, n_head 16).
	"gpt2-medium": {"GPT-2 medium (355M): 24 × 1024, 16 heads, d_inner 4096, vocab 50257, plain tied head",
		`{"backbone": "gpt2", "adaptive": false, "n_layer": 24, "d_model": 1024, "n_head": 16,
		  "d_inner": 4096, "n_token": 50257, "n_positions": 1024}`},
	// Smaller GPT-2s for the CPU comparison with PyTorch: DistilGPT2's shape (Hugging
	// Face "distilgpt2" config.json: n_layer 6, n_embd 768, n_head 12) and a 6 × 512 model
	// inside LTS's GPT-2 search space (d_model 512, 8 heads, d_inner 2048).
	"gpt2-distil": {"GPT-2 with DistilGPT2's shape (82M): 6 × 768, 12 heads, d_inner 3072, vocab 50257, plain tied head",
		`{"backbone": "gpt2", "adaptive": false, "n_layer": 6, "d_model": 768, "n_head": 12,
		  "d_inner": 3072, "n_token": 50257, "n_positions": 1024}`},
	"gpt2-mini": {"GPT-2 6 × 512, 8 heads, d_inner 2048, vocab 50257, plain tied head",
		`{"backbone": "gpt2", "adaptive": false, "n_layer": 6, "d_model": 512, "n_head": 8,
		  "d_inner": 2048, "n_token": 50257, "n_positions": 1024}`},
	// The GPT-2 small body with the output layer LTS searched GPT-2 with (the "flex"
	// variant; adaptive settings of space.DefaultSpace(space.GPT2): div_val 4, cutoffs
	// 19997/39997/199997, which leave two tail clusters below vocabulary 50257).
	"gpt2-flex-small": {"GPT-2 small body with LTS's adaptive embedding and softmax (d_embed 768, div_val 4, cutoffs 19997/39997)",
		`{"backbone": "gpt2", "adaptive": true, "n_layer": 12, "d_model": 768, "n_head": 12,
		  "d_inner": 3072, "d_embed": 768, "div_val": 4, "cutoffs": [19997, 39997, 199997],
		  "n_token": 50257, "n_positions": 1024}`},
	// Two-layer models with small vocabularies and heterogeneous layers, for tests.
	"gpt2-tiny": {"test model: plain GPT-2, 2 × 64, heads [2, 4], d_inner [128, 192], vocab 512, 64 positions",
		`{"backbone": "gpt2", "adaptive": false, "n_layer": 2, "d_model": 64, "n_head": [2, 4],
		  "d_inner": [128, 192], "n_token": 512, "n_positions": 64}`},
	"txl-tiny": {"test model: Transformer-XL, 2 × 64, heads [2, 4], d_inner [128, 192], vocab 1000, cutoffs 250/500, div_val 2, tgt_len = mem_len = 32",
		`{"backbone": "transformer_xl", "n_layer": 2, "d_model": 64, "n_head": [2, 4],
		  "d_inner": [128, 192], "d_embed": 64, "div_val": 2, "cutoffs": [250, 500],
		  "n_token": 1000, "tgt_len": 32, "mem_len": 32}`},
}

// The Transformer-XL base of the paper (16 layers) and the hand-designed baselines LTS
// compares its Pareto front with: the same model with 1 to 16 layers
// (microsoft/archai, branch neurips_lts, archai/nlp/nas/baseline_configs_mem_transformer.yaml:
// d_model 512, n_head 8, d_head 64, d_inner 2048, d_embed 512, div_val 4, default
// cutoffs 19997/39997/199997, tgt_len = mem_len = 192; NVIDIA's Transformer-XL base for
// WikiText-103 has the same body). Those configs say n_token 267736; we use WikiText-103's
// 267735 of space.DefaultSpace(space.TransformerXL), so that the baselines and the
// searched models share one output layer (the decoder is the same either way).
//
// The GPT-2 baselines of the same source (baseline_configs_hf_gpt2_flex.yaml) are not
// presets: they give d_model 1024 with 12 heads, which do not divide it.
func init() {
	for l := 1; l <= 16; l++ {
		name, about := fmt.Sprintf("txl-base-l%d", l), fmt.Sprintf("LTS's hand-designed baseline: Transformer-XL base with %d layers", l)
		if l == 16 {
			name, about = "txl-base", "Transformer-XL base (16 layers; LTS's baseline): 16 × 512, 8 heads, d_inner 2048, vocab 267735, div_val 4, tgt_len = mem_len = 192"
		}
		presets[name] = preset{about, fmt.Sprintf(`{"backbone": "transformer_xl", "n_layer": %d,
			"d_model": 512, "n_head": 8, "d_inner": 2048, "d_embed": 512, "div_val": 4,
			"cutoffs": [19997, 39997, 199997], "n_token": 267735, "tgt_len": 192, "mem_len": 192}`, l)}
	}
}

// Presets lists the preset architectures by name.
func Presets() []PresetInfo {
	out := make([]PresetInfo, 0, len(presets))
	for name, p := range presets {
		out = append(out, PresetInfo{name, p.about})
	}
	sort.Slice(out, func(i, j int) bool { return presetLess(out[i].Name, out[j].Name) })
	return out
}

// presetLess orders names alphabetically, runs of digits by value (txl-base-l2 before
// txl-base-l10).
func presetLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

// digits is the length of the run of ASCII digits that s starts with.
func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// Preset returns a fresh copy of the named architecture.
func Preset(name string) (*space.Arch, error) {
	p, ok := presets[name]
	if !ok {
		names := make([]string, 0, len(presets))
		for _, i := range Presets() {
			names = append(names, i.Name)
		}
		return nil, fmt.Errorf("no preset %q (presets: %s)", name, strings.Join(names, ", "))
	}
	a, err := space.ParseArch([]byte(p.json))
	if err != nil {
		return nil, fmt.Errorf("preset %s: %w", name, err) // a bug in this file
	}
	return a, nil
}
