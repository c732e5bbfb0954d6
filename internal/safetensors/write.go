package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/ltsbench/ltsbench/internal/atomicfile"
)

// Encode writes a safetensors file: the header (tensors in sorted-name order, metadata
// first when non-empty, padded with spaces to a multiple of 8 bytes), then each tensor's
// data in the same order. It checks every tensor before writing anything.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, order, err := encodeHeader(tensors, metadata)
	if err == nil {
		err = writeAll(w, header, order)
	}
	if err != nil {
		return fmt.Errorf("safetensors: encode: %w", err)
	}
	return nil
}

// writeAll writes the length prefix, the header and the data of order.
func writeAll(w io.Writer, header []byte, order []*Tensor) error {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for _, t := range order {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// encodeHeader validates the tensors and builds the padded JSON header; it returns the
// tensors in data order.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, []*Tensor, error) {
	order := make([]*Tensor, len(tensors))
	for i := range tensors {
		order[i] = &tensors[i]
	}
	sort.Slice(order, func(i, j int) bool { return order[i].Name < order[j].Name })
	for i, t := range order {
		if err := checkTensor(t); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		if i > 0 && order[i-1].Name == t.Name {
			return nil, nil, fmt.Errorf("tensor %q: given twice", t.Name)
		}
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("%s key %q: not valid UTF-8", metadataKey, k)
		}
	}

	var b bytes.Buffer
	b.WriteByte('{')
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(`"` + metadataKey + `":{`)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, k)
			b.WriteByte(':')
			writeJSONString(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	var offset int64
	for i, t := range order {
		if i > 0 || len(metadata) > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, t.Name)
		b.WriteString(`:{"dtype":"` + string(t.DType) + `","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		end := offset + int64(len(t.Data))
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderBytes {
		return nil, nil, fmt.Errorf("header of %d bytes exceeds the %d MB limit", b.Len(), MaxHeaderBytes/1_000_000)
	}
	return b.Bytes(), order, nil
}

// writeJSONString writes s as a JSON string, leaving <, > and & as they are (they need
// no escape outside HTML, and a config string stays readable in the header).
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string; it appends a newline
	b.Truncate(b.Len() - 1)
}

// checkTensor applies the reader's rules to a tensor about to be written.
func checkTensor(t *Tensor) error {
	if t.Name == metadataKey {
		return errors.New("name is reserved for the metadata")
	}
	if !utf8.ValidString(t.Name) {
		return errors.New("name is not valid UTF-8")
	}
	if !t.DType.Valid() {
		return fmt.Errorf("unknown dtype %q", t.DType)
	}
	dims := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("shape %v has a negative dimension", t.Shape)
		}
		dims[i] = int64(d)
	}
	want, ok := byteLen(dims, int64(t.DType.Size()))
	if !ok {
		return fmt.Errorf("shape %v of %s overflows", t.Shape, t.DType)
	}
	if int64(len(t.Data)) != want {
		return fmt.Errorf("%d data bytes, but shape %v of %s needs %d", len(t.Data), t.Shape, t.DType, want)
	}
	return nil
}

// Write writes a safetensors file at path atomically (atomicfile.Write): it checks the
// tensors, encodes into a temporary file in the same directory, syncs it and renames it
// over path, so path holds either its old contents or the whole new file. Every error
// names path.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	header, order, err := encodeHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	err = atomicfile.Write(path, func(w io.Writer) error { return writeAll(w, header, order) })
	if err != nil {
		return fmt.Errorf("safetensors: write %w", err) // err names path
	}
	return nil
}
