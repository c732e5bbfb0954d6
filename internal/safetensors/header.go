package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderBytes bounds the JSON header, so a corrupt length cannot drive a huge
// allocation or parse (the upstream format uses the same 100 MB limit).
const MaxHeaderBytes = 100_000_000

// metadataKey is the header key that holds the string→string metadata, not a tensor.
const metadataKey = "__metadata__"

// headerEntry is one tensor's header record; numbers stay raw JSON so that a value that
// is not a non-negative integer (1.5, 1e3, "4") gets our own error naming the tensor.
type headerEntry struct {
	DType   *string           `json:"dtype"`
	Shape   []json.RawMessage `json:"shape"`
	Offsets []json.RawMessage `json:"data_offsets"`
}

// parse validates the whole file image and returns a File whose data section aliases
// data. Errors name the tensor or "header" but not the file; callers add that.
func parse(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("header: file is %d bytes, shorter than the 8-byte header length (truncated file?)", len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > MaxHeaderBytes {
		return nil, fmt.Errorf("header: length %d exceeds the %d MB limit (corrupt file?)", n, MaxHeaderBytes/1_000_000)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header: length %d exceeds the %d bytes after the length prefix (truncated header?)", n, len(data)-8)
	}
	header := data[8 : 8+n]
	section := data[8+n:]
	if !utf8.Valid(header) {
		return nil, errors.New("header: not valid UTF-8")
	}
	f := &File{infos: map[string]*TensorInfo{}, data: section}
	if err := f.decodeHeader(header); err != nil {
		return nil, err
	}
	if err := f.checkOverlap(); err != nil {
		return nil, err
	}
	f.names = make([]string, 0, len(f.infos))
	for name := range f.infos {
		f.names = append(f.names, name)
	}
	sort.Strings(f.names)
	return f, nil
}

// decodeHeader walks the top-level JSON object token by token, so that duplicate names
// (which a map decode would silently merge) are an error.
func (f *File) decodeHeader(header []byte) error {
	dec := json.NewDecoder(bytes.NewReader(header))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("header: not a JSON object: %v", jsonErr(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("header: not a JSON object")
	}
	seenMetadata := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("header: %v", jsonErr(err))
		}
		name := tok.(string) // inside an object the decoder yields only string keys
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("header: value of %q: %v", name, jsonErr(err))
		}
		if name == metadataKey {
			if seenMetadata {
				return fmt.Errorf("header: %s appears twice", metadataKey)
			}
			seenMetadata = true
			if err := json.Unmarshal(raw, &f.Metadata); err != nil {
				return fmt.Errorf("header: %s must map strings to strings: %v", metadataKey, jsonErr(err))
			}
			continue
		}
		if _, dup := f.infos[name]; dup {
			return fmt.Errorf("tensor %q: listed twice in the header", name)
		}
		info, err := f.checkEntry(name, raw)
		if err != nil {
			return fmt.Errorf("tensor %q: %v", name, err)
		}
		f.infos[name] = info
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return fmt.Errorf("header: %v", jsonErr(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("header: data after the JSON object")
	}
	return nil
}

// checkEntry validates one tensor record against the data section.
func (f *File) checkEntry(name string, raw json.RawMessage) (*TensorInfo, error) {
	var e headerEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("not a {dtype, shape, data_offsets} object: %v", jsonErr(err))
	}
	if e.DType == nil {
		return nil, errors.New("no dtype")
	}
	dt := DType(*e.DType)
	if !dt.Valid() {
		return nil, fmt.Errorf("unknown dtype %q (want F32, F16, BF16, F64, I64 or I32)", *e.DType)
	}
	if e.Shape == nil {
		return nil, errors.New("no shape")
	}
	dims := make([]int64, len(e.Shape))
	for i, s := range e.Shape {
		d, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("shape[%d] = %s is not a non-negative integer", i, s)
		}
		dims[i] = d
	}
	want, ok := byteLen(dims, int64(dt.Size()))
	if !ok {
		return nil, fmt.Errorf("shape %v of %s overflows (more than 2^63 bytes)", dims, dt)
	}
	if len(e.Offsets) != 2 {
		return nil, fmt.Errorf("data_offsets has %d values, want [begin, end]", len(e.Offsets))
	}
	var off [2]int64
	for i, s := range e.Offsets {
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("data_offsets[%d] = %s is not a non-negative 63-bit integer", i, s)
		}
		off[i] = v
	}
	begin, end := off[0], off[1]
	if begin > end {
		return nil, fmt.Errorf("data_offsets [%d, %d] begin after end", begin, end)
	}
	if end > int64(len(f.data)) {
		return nil, fmt.Errorf("data_offsets [%d, %d] end past the data section (%d bytes; truncated file?)", begin, end, len(f.data))
	}
	if end-begin != want {
		return nil, fmt.Errorf("data_offsets [%d, %d] span %d bytes, but shape %v of %s needs %d", begin, end, end-begin, dims, dt, want)
	}
	shape := make([]int, len(dims))
	for i, d := range dims {
		if d > math.MaxInt { // only a 32-bit platform, with another dimension 0
			return nil, fmt.Errorf("shape[%d] = %d does not fit in an int on this platform", i, d)
		}
		shape[i] = int(d)
	}
	return &TensorInfo{Name: name, DType: dt, Shape: shape, Begin: begin, End: end}, nil
}

// byteLen is product(dims) × size, false if that exceeds MaxInt64. A zero dimension
// makes the product zero whatever the other dimensions are.
func byteLen(dims []int64, size int64) (int64, bool) {
	for _, d := range dims {
		if d == 0 {
			return 0, true
		}
	}
	n := size
	for _, d := range dims {
		if n > math.MaxInt64/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// checkOverlap rejects two tensors that share a byte; empty tensors share none. Gaps
// and unreferenced bytes are allowed.
func (f *File) checkOverlap() error {
	list := make([]*TensorInfo, 0, len(f.infos))
	for _, t := range f.infos {
		if t.End > t.Begin {
			list = append(list, t)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Begin != list[j].Begin {
			return list[i].Begin < list[j].Begin
		}
		return list[i].Name < list[j].Name
	})
	for i := 1; i < len(list); i++ {
		a, b := list[i-1], list[i]
		if b.Begin < a.End {
			return fmt.Errorf("tensors %q [%d, %d) and %q [%d, %d) overlap", a.Name, a.Begin, a.End, b.Name, b.Begin, b.End)
		}
	}
	return nil
}

// jsonErr shortens encoding/json's messages, which name Go types, to the useful part.
func jsonErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := te.Field
		if where == "" {
			where = "value"
		}
		return fmt.Sprintf("%s is a JSON %s", where, te.Value)
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return "JSON ends early"
	}
	return err.Error()
}
