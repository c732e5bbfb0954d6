// Package space owns the architectures LTS searches and the spaces it searches them in.
//
// # Architectures
//
// Arch is one GPT-2, GPT-2 flex or Transformer-XL decoder with heterogeneous layers
// (per-layer n_head and d_inner). ParseArch and LoadArch read it in the LTS/Archai key
// names, so the config object of a row of the LTS benchmark and a golden config.json are
// both valid input, and normalise it the way Archai builds its models: per-layer lists
// longer than n_layer are cut, a single integer is repeated, d_embed ≤ 0 means d_model,
// cutoffs are cleaned exactly as Archai's clean_cutoffs does (a missing list means its
// default cutoffs 19997/39997/199997; see CleanCutoffs), a missing or empty tie_projs
// means Archai's default. Keys that Hugging Face and Archai configs carry without
// changing the inference architecture (dropout, init ranges, tie_weight, a golden
// metadata object, …) are accepted; those that could contradict the model (d_head,
// activation_function, layer_norm_epsilon, attn_type, pre_lnorm, same_length, clamp_len,
// ext_len, model_type) are checked; any other key is an error that names it. Validate
// names the field and the rule it breaks, and refuses architectures whose float32
// weights would exceed MaxWeightBytes.
//
// # Model types
//
// Each backbone variant is one registered ModelType (backbone*.go), named as the golden
// bundles' model_type: gpt2, gpt2_flex and transformer_xl. It owns what this package
// knows of the variant: its label and config aliases, whether it has a memory or learned
// positions, its per-layer parameter and FLOP formulas, extra validity rules and the
// paper's default space. An Arch's ModelType follows from its backbone and adaptive
// flag; code elsewhere asks the ModelType instead of comparing backbones, and an
// unregistered backbone is an error, never a default. Package model registers the
// weight layout and graph builder of each model type under the same name.
//
// # Parameter counts
//
// DecoderParams is the LTS proxy for perplexity, Archai's "nonembedding" count: the
// parameters of the decoder layers (GPT-2 also counts its final ln_f), with d = d_model
// and F_l = d_inner[l]:
//
//	GPT-2, GPT-2 flex: Σ_l (4d² + 2d·F_l + F_l + 9d) + 2d
//	Transformer-XL:    Σ_l (5d² + 2d·F_l + F_l + 7d)
//
// AdaEmbParams is Archai's "AdaEmb" (embedding tables, input projections and GPT-2's
// learned positions wpe), OutputParams the output layer's own tensors (biases, cluster
// weights, untied projections), EmbeddingParams their sum and TotalParams everything
// stored, tied tensors once (Archai's "total"). These reproduce params.nonembedding,
// params.AdaEmb and params.total of every row of the LTS benchmark exactly, except the
// set random_GPT2_lm1b: its published counts were made with the Transformer-XL formulas
// applied to the GPT-2 configs (nonembedding = Σ_l (5d² + 2d·F_l + F_l + 7d), AdaEmb
// without wpe, total = their sum plus the output layer), which the tests check row by
// row. Counts computed here for those models follow the GPT-2 formulas.
//
// FLOPsPerToken is a second cost proxy: 2 FLOPs per multiply-accumulate of every matrix
// product of one forward pass at the configured sequence length (and, for
// Transformer-XL, memory length), attention over the causal entries averaged over
// positions, the full output layer included; its doc comment lists every term.
//
// # Search spaces
//
// Space holds the genes (n_layer, d_model, per-layer d_inner and n_head, div_val when it
// has more than one choice; d_embed is tied to d_model as in LTS) and the fixed settings
// (vocabulary, cutoffs, sequence and memory lengths), with the constraints checked
// before an architecture is measured: validity, d_inner ≥ d_inner_min_ratio·d_model in
// every layer, and decoder-parameter bounds. DefaultSpace gives the paper's settings;
// ParseSpace/LoadSpace read overrides from JSON and Set from command-line values.
// Sample, Mutate and Crossover are seeded (math/rand/v2) and only return architectures
// that pass Check; Size and Log10Size count the distinct valid architectures exactly
// by dynamic programming over layers.
package space
