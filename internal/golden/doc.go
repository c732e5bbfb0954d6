// Package golden reads and writes the golden bundles' tensors (testdata/golden/README.md):
// the token ids of inputs.safetensors, the outputs of a compiled decoder under the
// bundles' names (logits, log_probs, hidden_states, final_hidden, mems_after, with a
// _seg{s} suffix for Transformer-XL), and the comparison of such outputs with
// expected.safetensors within the README's tolerance.
//
// `ltsbench forward` and the backend test suite both use it, so the command and the
// tests read and name the tensors the same way.
package golden
