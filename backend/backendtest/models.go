package backendtest

import (
	"testing"

	"github.com/ltsbench/ltsbench/backend"
)

func testModels(t *testing.T, open func() (backend.Backend, error)) {}
