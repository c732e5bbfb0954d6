package inputfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Sizes callers use: architecture and space JSON are a few KiB, run.json a few KiB
// plus its space; a benchmark JSONL a few MiB.
const (
	MaxJSONBytes  = 4 << 20
	MaxJSONLBytes = 256 << 20
)

// Open opens path for reading if it is a regular file of at most max bytes; the
// error names the file and says what is wrong with it.
func Open(path string, max int64) (*os.File, error) {
	// Stat before opening: opening a FIFO would wait for a writer.
	st, err := os.Stat(path)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			pe.Op = "open" // what a reader was about to do: "open x.json: no such file"
		}
		return nil, err // *PathError names path
	}
	if !st.Mode().IsRegular() {
		what := "not a regular file"
		if st.IsDir() {
			what = "a directory, not a file"
		}
		return nil, fmt.Errorf("%s: %s", path, what)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d this input may have", path, st.Size(), max)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st2, err := f.Stat(); err != nil || !st2.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return f, nil
}

// ReadFile reads path whole if Open accepts it. A file that grows past max while it
// is read is refused too.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than the %d bytes this input may have", path, max)
	}
	return data, nil
}
