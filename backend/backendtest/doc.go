// Package backendtest is the conformance suite every backend runs from its own tests:
//
//	func TestConformance(t *testing.T) { backendtest.Run(t, func() (backend.Backend, error) { … }) }
//
// It uses only the backend.Backend and backend.Executable interfaces. Three parts:
//
//   - ops: each op kind alone, on random data with odd sizes (one head and many, M = 1,
//     column bands, memory 0, shorter and longer than the segment), against a float64
//     reference written from the op's doc comment in model/ops.go; every output sits
//     inside NaN guard bands, so a write out of bounds is caught;
//   - models: whole GPT-2, GPT-2 flex and Transformer-XL graphs on the general cases of
//     the golden README (d_embed ≠ d_model, div_val 1 with cutoffs, mem_len < tgt_len,
//     batch 3, seq = n_positions, tied and untied projections, one head and many)
//     against an independent float64 loop implementation of the README's equations, and
//     the properties (causal prefix, independent batch rows, log-probabilities that sum
//     to 1, Transformer-XL memory = one longer pass);
//   - golden: every bundle in testdata/golden through model.Build, model.LoadWeights and
//     the backend, each expected tensor within the README's tolerance, reporting the
//     first layer that diverges.
package backendtest
