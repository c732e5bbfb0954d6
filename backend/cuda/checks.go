package cuda

import (
	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/model"
)

// checkIDs validates the token ids of graph g (index gi) as every backend does
// (backend.CheckIDs) and returns the arena byte offset they go to.
func checkIDs(g *model.Graph, gi int, ids []int32) (int64, error) {
	t, err := backend.CheckIDs(g, gi, ids)
	if err != nil {
		return 0, err
	}
	return t.Off, nil
}

// checkRead validates a Read of tensor id of graph g (index gi) into dst
// (backend.CheckRead) and returns where the tensor lies.
func checkRead(g *model.Graph, gi, id int, dst []float32) (devRef, error) {
	t, err := backend.CheckRead(g, gi, id, dst)
	if err != nil {
		return nullRef, err
	}
	return devRef{regionOf(g.Root(id).Kind), t.Off}, nil
}
