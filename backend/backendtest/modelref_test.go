package backendtest

import (
	"testing"

	"github.com/ltsbench/ltsbench/space"
)

// TestReferenceCoversModelTypes: every registered model type has a float64 reference,
// so the backend suites check it.
func TestReferenceCoversModelTypes(t *testing.T) {
	for _, mt := range space.ModelTypes() {
		if refForwards[mt.Name] == nil {
			t.Errorf("model type %s has no reference forward pass", mt.Name)
		}
	}
}
