package model

import (
	"fmt"

	"github.com/ltsbench/ltsbench/space"
)

// definition is what package model adds to a registered space.ModelType: the weight
// layout, the graph builder and the names of its tensors.
type definition struct {
	// embed and out prefix the adaptive embedding's tensors (or the plain table
	// embed+"weight") and the output layer's own tensors; out+"weight" is a plain tied
	// head's copy of the table that checkpoints may carry.
	embed, out string
	// bare is a prefix that checkpoints may omit (Hugging Face's GPT2Model names lack
	// "transformer."); "" for none.
	bare string
	// ignored lists what checkpoints carry beside the weights (buffers, second
	// references), as name prefixes ("x.") or suffixes (".x").
	ignored []string
	// layout adds the weights in the model's order, named with def's prefixes.
	layout func(a *space.Arch, def *definition, add addWeight)
	// build adds the ops of one forward pass.
	build func(b *builder)
	// decode adds the ops of one cached forward (decode.go).
	decode func(b *builder, ds DecodeShape)
}

// addWeight adds one weight tensor to a layout.
type addWeight func(name string, init Init, shape ...int)

// definitions holds one definition per space.ModelType name; each build_*.go file
// registers its own (TestDefinitions checks that every model type has one).
var definitions = map[string]*definition{}

// register adds d under the model type names; it returns d for a var declaration.
func register(d *definition, names ...string) *definition {
	for _, n := range names {
		if definitions[n] != nil {
			panic("model: model type " + n + " defined twice")
		}
		definitions[n] = d
	}
	return d
}

// definitionOf returns a's definition, or an error naming a model type that package
// model cannot build.
func definitionOf(a *space.Arch) (*definition, error) {
	t := a.ModelType()
	if t == nil {
		return nil, fmt.Errorf("backbone: %q is not registered", a.Backbone)
	}
	d, ok := definitions[t.Name]
	if !ok {
		return nil, fmt.Errorf("model type %s has no graph builder", t.Name)
	}
	return d, nil
}

// mustDefinition is definitionOf for architectures that passed Validate: a registered
// model type without a definition is a bug (TestDefinitions).
func mustDefinition(a *space.Arch) *definition {
	d, err := definitionOf(a)
	if err != nil {
		panic("model: " + err.Error())
	}
	return d
}
