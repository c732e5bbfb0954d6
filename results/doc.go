// Package results owns the files a search writes and the reports made from them.
//
// A run directory holds three files:
//
//	run.json       RunInfo: space, search settings (SearchInfo), protocol and environment
//	               (WriteRunInfo, ReadRunInfo)
//	archive.jsonl  one Record a line, appended the moment an architecture is measured
//	               (OpenArchive, Archive.Append, ReadArchive)
//	pareto.jsonl   the current Pareto front, rewritten whole each iteration (WriteJSONL)
//
// and, after `run --also-measure`, devices.jsonl: the final front on each device class,
// one DeviceMeasurement a line (WriteDevices, ReadDevices), which the reports show
// under the run's front.
//
// A search keeps the last two through a Store (OpenStore), the seam search.Run writes
// through. run.json's "search" object holds the settings every algorithm has and the
// algorithm's own parameters under its name; a run.json from before that object (the
// settings at the top level) is still read, its sizes in SearchInfo.Sizes.
//
// The archive is the source of truth: every line is written with one write call and
// synced before Append returns, so a killed process leaves at most one partial last
// line, which ReadArchive reports and skips and OpenArchive removes before appending.
// run.json and pareto.jsonl are replaced atomically (temporary file, fsync, rename), so a
// reader sees either the old or the new file, never half of one.
//
// LoadRun reads a run directory into a Run, its Pareto front recomputed from the archive
// with the dominance the search used. WriteReport prints one or several runs as a
// terminal table, Markdown, LaTeX (booktabs), CSV, JSON or the Go benchmark format that
// benchstat reads; WritePlot draws decoder parameters against latency and memory with
// gonum/plot.
//
// Units: latency in milliseconds, memory in bytes in every file; reports print memory in
// MiB (2^20 bytes, the unit LTS and PyTorch call "MB") and parameters in millions.
package results
