// Package atomicfile replaces files so that a reader, or a crash, sees the old file or
// the new one and never half of one: the result files of a search (run.json,
// pareto.jsonl, plots) and the safetensors files of ltsbench forward are all written
// through Write.
package atomicfile
