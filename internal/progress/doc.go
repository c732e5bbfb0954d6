// Package progress reports how far a search has come on stderr: a single redrawn line
// when the writer is a terminal, plain log lines otherwise (one per iteration and one
// each time another tenth of the budget has been measured), so that a log file or a CI
// console gets a readable record instead of a stream of carriage returns.
//
// A report shows the iteration, the architectures measured against the budget, the
// size of the Pareto front, the time elapsed and the time remaining. The remaining
// time extrapolates from the architectures measured by this process only: records
// taken over from an archive on --resume cost no time and would make the estimate lie.
package progress
