// Package proxy is the proxy study of LiteTransformerSearch: how well a cost proxy
// computed from an architecture alone ranks trained models by perplexity.
//
// It reads trained models as the LTS benchmark publishes them (one JSON object a line,
// {"set", "backbone", "config", "ppl"}), computes each model's decoder parameters, total
// parameters and FLOPs per token from its config (the formulas of package space, by the
// model's own backbone) and gives Spearman's ρ and Kendall's τ-b of each proxy against a
// perplexity. The paper's finding, checked by this package's tests on the paper's data:
// decoder parameters rank the models almost perfectly (ρ ≤ −0.95 on every random set),
// and on WikiText-103 far better than total parameters.
package proxy
