package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestEncodeLayout pins the writer's bytes: sorted names, metadata first, offsets in
// name order, spaces up to a multiple of 8, then the data in the same order.
func TestEncodeLayout(t *testing.T) {
	var buf bytes.Buffer
	err := Encode(&buf, []Tensor{
		I64("b", []int{2}, []int64{1, -1}),
		F32("a", []int{}, []float32{1.5}),
	}, map[string]string{"format": "pt", "note": "a<b & \"c\">d\n"})
	if err != nil {
		t.Fatal(err)
	}
	header := `{"__metadata__":{"format":"pt","note":"a<b & \"c\">d\n"},` +
		`"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},` +
		`"b":{"dtype":"I64","shape":[2],"data_offsets":[4,20]}}`
	padded := header + strings.Repeat(" ", (8-len(header)%8)%8)
	want := binary.LittleEndian.AppendUint64(nil, uint64(len(padded)))
	want = append(want, padded...)
	want = append(want, 0x00, 0x00, 0xc0, 0x3f) // 1.5f
	want = append(want, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Encode =\n%q\nwant\n%q", buf.Bytes(), want)
	}
}

// TestRoundTripEveryDType writes one tensor of each dtype (with edge values) through
// Write and reads it back with Open.
func TestRoundTripEveryDType(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	sub := math.Float32frombits(1) // smallest float32 subnormal
	tensors := []Tensor{
		F32("f32", []int{2, 3}, []float32{0, -1.25, math.MaxFloat32, sub, inf, nan}),
		F16("f16", []int{6}, []float32{1, -2, 65504, 5.9604645e-08, -inf, nan}),
		BF16("bf16", []int{3, 2}, []float32{1, -2, 3.140625, math.Float32frombits(0x00010000), inf, nan}),
		F64("f64", []int{1, 4}, []float64{1.0 / 3, -1e300, 1e-320, math.Inf(-1)}),
		I64("i64", []int{2, 2}, []int64{0, -1, math.MaxInt64, math.MinInt64}),
		I32("i32", []int{4}, []int32{0, -1, math.MaxInt32, math.MinInt32}),
		F32("scalar", nil, []float32{7}),
		F32("empty", []int{0, 3}, nil),
		I64("empty_ids", []int{4, 0}, nil),
	}
	wantF := map[string][]float32{
		"f32":    {0, -1.25, math.MaxFloat32, sub, inf, nan},
		"f16":    {1, -2, 65504, 5.9604645e-08, -inf, nan},
		"bf16":   {1, -2, 3.140625, math.Float32frombits(0x00010000), inf, nan},
		"f64":    {float32(1.0 / 3), float32(math.Inf(-1)), 0, float32(math.Inf(-1))}, // -1e300 overflows float32
		"scalar": {7},
		"empty":  {},
	}
	wantI := map[string][]int64{
		"i64":       {0, -1, math.MaxInt64, math.MinInt64},
		"i32":       {0, -1, math.MaxInt32, math.MinInt32},
		"empty_ids": {},
	}
	meta := map[string]string{"format": "pt", "config": `{"n_layer": 3, "quote": "\""}`, "ünï": "cödé"}
	path := filepath.Join(t.TempDir(), "all.safetensors")
	if err := Write(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, meta) {
		t.Errorf("metadata = %v, want %v", f.Metadata, meta)
	}
	wantNames := []string{"bf16", "empty", "empty_ids", "f16", "f32", "f64", "i32", "i64", "scalar"}
	if got := f.Names(); !reflect.DeepEqual(got, wantNames) {
		t.Errorf("Names = %v, want %v", got, wantNames)
	}
	for _, in := range tensors {
		got, err := f.Tensor(in.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType != in.DType || len(got.Shape) != len(in.Shape) || !bytes.Equal(got.Data, in.Data) {
			t.Errorf("%s: read back %s %v %x, wrote %s %v %x", in.Name, got.DType, got.Shape, got.Data, in.DType, in.Shape, in.Data)
		}
		for i := range in.Shape {
			if got.Shape[i] != in.Shape[i] {
				t.Errorf("%s: shape %v, want %v", in.Name, got.Shape, in.Shape)
			}
		}
		if want, ok := wantF[in.Name]; ok {
			v, shape, err := f.Float32(in.Name)
			if err != nil {
				t.Fatal(err)
			}
			if len(shape) != len(in.Shape) || len(v) != len(want) {
				t.Fatalf("%s: Float32 gave %d values of shape %v, want %d", in.Name, len(v), shape, len(want))
			}
			for i := range want {
				if v[i] != want[i] && !(math.IsNaN(float64(v[i])) && math.IsNaN(float64(want[i]))) {
					t.Errorf("%s[%d] = %g, want %g", in.Name, i, v[i], want[i])
				}
			}
		}
		if want, ok := wantI[in.Name]; ok {
			v, _, err := f.Int64(in.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v, want) {
				t.Errorf("%s = %v, want %v", in.Name, v, want)
			}
		}
	}
	// The F16 bytes are the hand-derived bit patterns (little-endian).
	t16, _ := f.Tensor("f16")
	wantBits := []uint16{0x3c00, 0xc000, 0x7bff, 0x0001, 0xfc00, 0x7e00}
	for i, w := range wantBits {
		if got := binary.LittleEndian.Uint16(t16.Data[2*i:]); got != w {
			t.Errorf("f16 element %d stored as %#04x, want %#04x", i, got, w)
		}
	}
	// Layout: header padded to 8, tensors back to back in name order.
	raw, _ := os.ReadFile(path)
	n := binary.LittleEndian.Uint64(raw)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	var end int64
	for _, name := range f.Names() {
		info, _ := f.Info(name)
		if info.Begin != end {
			t.Errorf("%s begins at %d, want %d (sorted, contiguous)", name, info.Begin, end)
		}
		end = info.End
	}
	if int64(len(raw)) != 8+int64(n)+end {
		t.Errorf("file is %d bytes, want %d", len(raw), 8+int64(n)+end)
	}
}

// TestForeignLayout reads a file laid out the way other writers may: unpadded header,
// tensors listed out of order, stored in a different order, gaps between them.
func TestForeignLayout(t *testing.T) {
	header := `{"z":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},` +
		`"a":{"shape":[1],"data_offsets":[8,12],"dtype":"I32","extra":true}}`
	data := []byte{0x00, 0x3c, 0x00, 0xc0, 0xee, 0xee, 0xee, 0xee, 0xfe, 0xff, 0xff, 0xff, 0xaa}
	f, err := Parse(file(header, data))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Names(); !reflect.DeepEqual(got, []string{"a", "z"}) {
		t.Errorf("Names = %v", got)
	}
	if f.Metadata != nil {
		t.Errorf("Metadata = %v, want nil", f.Metadata)
	}
	z, _, err := f.Float32("z")
	if err != nil || !reflect.DeepEqual(z, []float32{1, -2}) {
		t.Errorf("z = %v, %v; want [1 -2]", z, err)
	}
	a, shape, err := f.Int64("a")
	if err != nil || !reflect.DeepEqual(a, []int64{-2}) || !reflect.DeepEqual(shape, []int{1}) {
		t.Errorf("a = %v %v, %v; want [-2] [1]", a, shape, err)
	}
	info, ok := f.Info("a")
	if !ok || info.Begin != 8 || info.End != 12 || info.DType != DTypeI32 || info.Elems() != 1 {
		t.Errorf("Info(a) = %+v, %v", info, ok)
	}
	info.Shape[0] = 99 // Info returns a copy
	if again, _ := f.Info("a"); again.Shape[0] != 1 {
		t.Error("Info exposes the file's own shape slice")
	}
}

func TestAccessorErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ids.safetensors")
	if err := Write(path, []Tensor{I64("ids", []int{1}, []int64{3}), F32("w", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		err  error
		want string
	}{
		{second(f.Float32("ids")), `tensor "ids": dtype I64 is not a float type`},
		{second(f.Int64("w")), `tensor "w": dtype F32 is not an integer type`},
		{second(f.Float32("missing")), `tensor "missing": not in the file`},
		{second(f.Tensor("missing")), `tensor "missing": not in the file`},
	}
	for _, c := range checks {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) || !strings.Contains(c.err.Error(), path) {
			t.Errorf("error %v, want one naming %s and %q", c.err, path, c.want)
		}
	}
	if _, ok := f.Info("missing"); ok {
		t.Error("Info(missing) reported a tensor")
	}
}

// second returns the error of a multi-value call.
func second(args ...any) error {
	err, _ := args[len(args)-1].(error)
	return err
}

func TestEncodeRejects(t *testing.T) {
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"short data", []Tensor{F32("w", []int{2, 2}, []float32{1, 2, 3})}, nil, `tensor "w": 12 data bytes, but shape [2 2] of F32 needs 16`},
		{"negative dim", []Tensor{F32("w", []int{-1}, nil)}, nil, `tensor "w": shape [-1] has a negative dimension`},
		{"bad dtype", []Tensor{{Name: "w", DType: "F8", Shape: []int{1}, Data: []byte{0}}}, nil, `tensor "w": unknown dtype "F8"`},
		{"overflow", []Tensor{{Name: "w", DType: DTypeF32, Shape: []int{math.MaxInt, math.MaxInt, 2}}}, nil, `] of F32 overflows`},
		{"duplicate", []Tensor{F32("w", nil, []float32{1}), F32("w", nil, []float32{2})}, nil, `tensor "w": given twice`},
		{"reserved name", []Tensor{F32("__metadata__", nil, []float32{1})}, nil, `reserved for the metadata`},
		{"bad utf8 name", []Tensor{F32("w\xff", nil, []float32{1})}, nil, `not valid UTF-8`},
		{"bad utf8 metadata", nil, map[string]string{"k": "\xff"}, `__metadata__ key "k": not valid UTF-8`},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := Encode(&buf, c.tensors, c.meta)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Encode error %v, want %q", c.name, err, c.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: Encode wrote %d bytes before failing", c.name, buf.Len())
		}
	}
}

// TestWriteAtomic: a failed Write leaves the old file and no temporary file behind; a
// good one replaces the file and leaves nothing else.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.safetensors")
	if err := Write(path, []Tensor{F32("old", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	err := Write(path, []Tensor{F32("bad", []int{3}, []float32{1})}, nil)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `tensor "bad"`) {
		t.Errorf("Write error %v, want one naming %s and the tensor", err, path)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("a failed Write changed the existing file")
	}
	if err := Write(path, []Tensor{F32("new", []int{2}, []float32{1, 2})}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil || !reflect.DeepEqual(f.Names(), []string{"new"}) {
		t.Fatalf("after rewrite: %v, %v", f, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		names := []string{}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only out.safetensors", names)
	}
	missing := filepath.Join(dir, "no", "such", "dir", "x.safetensors")
	if err := Write(missing, nil, nil); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Write into a missing directory: %v, want an error naming %s", err, missing)
	}
}

func TestOpenMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.safetensors")
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Open error %v, want one naming %s", err, path)
	}
}

// file builds a safetensors image from a header text and a data section.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}
