package cpu_test

import (
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/backendtest"
	"github.com/ltsbench/ltsbench/backend/cpu"
)

func TestDecodeConformance(t *testing.T) {
	for _, threads := range []int{1, 2} {
		t.Run(map[int]string{1: "threads1", 2: "threads2"}[threads], func(t *testing.T) {
			backendtest.RunDecode(t, func() (backend.Backend, error) {
				return cpu.New(backend.Options{Threads: threads}), nil
			})
		})
	}
}
