package backendtest

import (
	"testing"

	"github.com/ltsbench/ltsbench/backend"
)

func testOps(t *testing.T, open func() (backend.Backend, error)) {}
