package safetensors

import (
	"fmt"

	"github.com/ltsbench/ltsbench/internal/inputfile"
)

// TensorInfo describes one tensor of a file; Begin and End are byte offsets in the data
// section, End − Begin = product(Shape) × DType.Size().
type TensorInfo struct {
	Name       string
	DType      DType
	Shape      []int
	Begin, End int64
}

// Elems is the number of elements, product(Shape) (1 for a scalar).
func (t *TensorInfo) Elems() int {
	if !t.DType.Valid() {
		return 0
	}
	return int((t.End - t.Begin) / int64(t.DType.Size()))
}

// File is a parsed, validated safetensors file held in memory.
type File struct {
	Metadata map[string]string // the "__metadata__" map; nil when the file has none

	path  string // for error messages; empty for Parse
	infos map[string]*TensorInfo
	names []string // sorted
	data  []byte   // the data section
}

// MaxFileBytes bounds a file Open reads whole: the header's limit and 64 GiB of
// tensors, far above any model ltsbench builds.
const MaxFileBytes = 8 + MaxHeaderBytes + 64<<30

// Open reads and validates the file at path. Every error names path.
func Open(path string) (*File, error) {
	data, err := inputfile.ReadFile(path, MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err) // *PathError already names path
	}
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	f.path = path
	return f, nil
}

// Parse validates a whole file image. The File keeps data (no copy): do not modify it
// while the File is in use.
func Parse(data []byte) (*File, error) {
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

// Names lists the tensor names in sorted order (the metadata key is not a tensor).
func (f *File) Names() []string { return append([]string(nil), f.names...) }

// Info describes the tensor name; the result is a copy.
func (f *File) Info(name string) (*TensorInfo, bool) {
	t, ok := f.infos[name]
	if !ok {
		return nil, false
	}
	c := *t
	c.Shape = append([]int{}, t.Shape...)
	return &c, true
}

// Tensor returns the tensor name as stored. Data aliases the file's bytes: copy it
// before modifying.
func (f *File) Tensor(name string) (Tensor, error) {
	t, err := f.lookup(name)
	if err != nil {
		return Tensor{}, err
	}
	return Tensor{
		Name:  name,
		DType: t.DType,
		Shape: append([]int{}, t.Shape...),
		Data:  f.data[t.Begin:t.End:t.End],
	}, nil
}

func (f *File) lookup(name string) (*TensorInfo, error) {
	t, ok := f.infos[name]
	if !ok {
		return nil, f.errorf(name, "not in the file")
	}
	return t, nil
}

// errorf formats an error about tensor name, naming the file when it has a path.
func (f *File) errorf(name, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if f.path != "" {
		return fmt.Errorf("safetensors: %s: tensor %q: %s", f.path, name, msg)
	}
	return fmt.Errorf("safetensors: tensor %q: %s", name, msg)
}
