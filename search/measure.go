package search

import (
	"context"

	"github.com/ltsbench/ltsbench/space"
)

// GenerationMeasurer is a Measurer that measures a generation's candidates together,
// for example on a fleet of devices at once. Run gives it each generation's
// candidates that the store does not hold yet, in the order proposed, and appends
// their records to the store in that order, so that the archive is the one a
// Measurer measuring them one by one would write.
type GenerationMeasurer interface {
	Measurer
	// MeasureGeneration measures as and reports one Attempt per architecture, in the
	// order of as. An Attempt's error means that architecture cannot run (or every
	// try to measure it failed): it is recorded as infeasible, with the error. An
	// error of the call means the generation could not be measured at all (a lost
	// server, the end of ctx): the search stops without recording any of as, and a
	// resumed run measures them again (a measurer that keeps results, as the fleet
	// does, then finds them).
	MeasureGeneration(ctx context.Context, as []*space.Arch) ([]Attempt, error)
}

// Attempt is a GenerationMeasurer's report on one architecture: a measurement or
// why there is none.
type Attempt struct {
	Measurement *Measurement
	Err         error
}
