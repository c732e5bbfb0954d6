// Package snapshot is the one update switch for the tests that compare an output with a
// committed file (golden reports, golden command outputs, the fuzz seed corpus).
//
// A test calls Check (or, for files it writes itself, Update): normally the output must
// equal the file byte for byte; with the environment variable LTSBENCH_UPDATE_GOLDEN=1
// the file is rewritten instead, for every package at once:
//
//	LTSBENCH_UPDATE_GOLDEN=1 go test ./...
//
// Read the diff before committing the rewritten files.
package snapshot
