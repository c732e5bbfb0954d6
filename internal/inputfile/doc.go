// Package inputfile reads the files a user hands ltsbench (architectures, spaces,
// run.json, safetensors weights and inputs, benchmark JSONL) with a bound: only
// regular files (not /dev/zero, a FIFO or a directory), and none larger than the
// limit the caller names, so a wrong path cannot make a command read without end.
package inputfile
