package model

import (
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/space"
)

// TestDefinitions: every registered model type has a definition here, and nothing else
// does.
func TestDefinitions(t *testing.T) {
	names := map[string]bool{}
	for _, mt := range space.ModelTypes() {
		names[mt.Name] = true
		if definitions[mt.Name] == nil {
			t.Errorf("model type %s has no definition (weight layout, graph builder)", mt.Name)
		}
	}
	for n := range definitions {
		if !names[n] {
			t.Errorf("definition %s has no registered space.ModelType", n)
		}
	}
}

// TestBuildUnknownBackbone: an unknown backbone is an error, not a GPT-2.
func TestBuildUnknownBackbone(t *testing.T) {
	a := &space.Arch{Backbone: "bert", NLayer: 1, DModel: 4, NHead: []int{1}, DInner: []int{4}, DEmbed: 4, DivVal: 1, NToken: 5, TgtLen: 2}
	_, err := Build(a, Shape{Batch: 1, Seq: 2}, BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), `"bert" is not gpt2 or transformer_xl`) {
		t.Errorf("Build: %v", err)
	}
}
