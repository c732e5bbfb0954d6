package backendtest

import (
	"testing"

	"github.com/ltsbench/ltsbench/backend"
)

// Run runs the whole conformance suite on the backends open returns (one per subtest;
// each is closed at the end of it).
func Run(t *testing.T, open func() (backend.Backend, error)) {
	t.Run("ops", func(t *testing.T) { testOps(t, open) })
	t.Run("models", func(t *testing.T) { testModels(t, open) })
	t.Run("golden", func(t *testing.T) { testGolden(t, open) })
}
