// Package model turns an architecture (space.Arch) into a static graph of ops for one
// forward pass: plain Hugging Face GPT-2, LTS's GPT-2 "flex" variant (adaptive embedding
// and projected adaptive log-softmax) and Transformer-XL (relative-position attention
// with memory), all with heterogeneous layers.
//
// It owns the op IR (ops.go), the graph and its tensors (graph.go), the weight layout,
// the seeded weight initialisation and the safetensors loader (weights*.go, layout.go,
// init.go, load.go), the builder (build*.go) and the memory planner (plan.go), which
// places every intermediate in one arena by liveness so that AllocPeakBytes is exact
// before anything runs. It knows nothing about devices: backends execute its graphs.
//
// Each space.ModelType has a definition here (backbone.go), registered by its build_*.go
// file: the tensor-name prefixes and the names checkpoints may use, the weight layout
// and the graph builder. Build and LayoutWeights look the definition up by the model
// type's name; nothing else in the package depends on which backbone it is.
//
// The equations are those of testdata/golden/README.md; each op's doc comment is its
// reference semantics.
package model
