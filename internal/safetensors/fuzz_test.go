package safetensors

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/snapshot"
)

// FuzzParse: no input makes Parse or an accessor panic, errors are one line, and an
// accepted file re-encodes and re-parses to the same tensors and metadata (the second
// encoding is byte-identical to the first).
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		var tensors []Tensor
		for _, name := range file.Names() {
			info, ok := file.Info(name)
			if !ok {
				t.Fatalf("Names lists %q but Info does not know it", name)
			}
			tn, err := file.Tensor(name)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if info.DType.IsFloat() {
				v, _, err := file.Float32(name)
				if err != nil {
					t.Fatal(err)
				}
				n = len(v)
			} else {
				v, _, err := file.Int64(name)
				if err != nil {
					t.Fatal(err)
				}
				n = len(v)
			}
			if n*info.DType.Size() != len(tn.Data) {
				t.Fatalf("%q: %d values from %d bytes of %s", name, n, len(tn.Data), info.DType)
			}
			tensors = append(tensors, tn)
		}
		var first bytes.Buffer
		if err := Encode(&first, tensors, file.Metadata); err != nil {
			t.Fatalf("re-encoding an accepted file: %v", err)
		}
		again, err := Parse(first.Bytes())
		if err != nil {
			t.Fatalf("re-parsing our own encoding: %v", err)
		}
		if len(file.Metadata)+len(again.Metadata) > 0 && !reflect.DeepEqual(file.Metadata, again.Metadata) {
			t.Fatalf("metadata %v became %v", file.Metadata, again.Metadata)
		}
		if !reflect.DeepEqual(file.Names(), again.Names()) {
			t.Fatalf("names %q became %q", file.Names(), again.Names())
		}
		var second []Tensor
		for i, name := range again.Names() {
			tn, _ := again.Tensor(name)
			want := tensors[i]
			if tn.DType != want.DType || !bytes.Equal(tn.Data, want.Data) || len(tn.Shape) != len(want.Shape) {
				t.Fatalf("%q: %s %v (%d bytes) became %s %v (%d bytes)", name, want.DType, want.Shape, len(want.Data), tn.DType, tn.Shape, len(tn.Data))
			}
			for j := range tn.Shape {
				if tn.Shape[j] != want.Shape[j] {
					t.Fatalf("%q: shape %v became %v", name, want.Shape, tn.Shape)
				}
			}
			second = append(second, tn)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, second, again.Metadata); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), first.Bytes()) {
			t.Fatal("encoding is not canonical: a second round trip changed the bytes")
		}
	})
}

// fuzzSeeds are the committed seed inputs of FuzzParse: small valid files, including
// one in a foreign layout, and one broken file per corruption the reader detects.
func fuzzSeeds(t *testing.T) map[string][]byte {
	good := validImage(t)
	n := int(good[0]) // the header is shorter than 256 bytes
	var all bytes.Buffer
	err := Encode(&all, []Tensor{
		F32("f32", []int{2}, []float32{1, float32(math.Inf(-1))}),
		F16("f16", []int{3}, []float32{1, 6e-8, float32(math.NaN())}),
		BF16("bf16", []int{1, 1}, []float32{-3}),
		F64("f64", nil, []float64{0.1}),
		I64("i64", []int{1}, []int64{-7}),
		I32("i32", []int{2, 1}, []int32{1, 2}),
		F32("empty", []int{0, 4}, nil),
	}, map[string]string{"format": "pt", "config": `{"n_layer": 2}`})
	if err != nil {
		t.Fatal(err)
	}
	data16 := make([]byte, 16)
	huge := append([]byte(nil), good...)
	copy(huge, []byte{0, 0, 0, 0, 0, 0, 0, 0x40})
	return map[string][]byte{
		"valid_small":      good,
		"valid_all_dtypes": all.Bytes(),
		"valid_foreign": file(`{"z":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},`+
			`"a":{"shape":[1],"data_offsets":[8,12],"dtype":"I32"}}`,
			[]byte{0x00, 0x3c, 0x00, 0xc0, 0xee, 0xee, 0xee, 0xee, 0xfe, 0xff, 0xff, 0xff}),
		"valid_no_tensors":   file(`{"__metadata__":{"k":"v"}}`, nil),
		"bad_truncated_data": good[:len(good)-4],
		"bad_truncated_head": good[:8+n/2],
		"bad_overlap":        file("{"+entry("x", "F32", "[4]", 0, 16)+","+entry("y", "F32", "[2]", 8, 16)+"}", data16),
		"bad_wrong_length":   file("{"+entry("x", "F32", "[2,2]", 0, 12)+"}", data16),
		"bad_past_end":       file("{"+entry("x", "F32", "[8]", 0, 32)+"}", data16),
		"bad_huge_header":    huge,
		"bad_dtype":          file("{"+entry("x", "F8_E4M3", "[16]", 0, 16)+"}", data16),
		"bad_shape_overflow": file("{"+entry("x", "F32", "[4294967296,4294967296,2]", 0, 16)+"}", data16),
		"bad_duplicate":      file("{"+entry("x", "F32", "[1]", 0, 4)+","+entry("x", "F32", "[1]", 4, 8)+"}", data16),
		"bad_metadata":       file(`{"__metadata__":{"n_layer":3}}`, nil),
	}
}

// TestFuzzSeedCorpus keeps testdata/fuzz/FuzzParse equal to fuzzSeeds; regenerate with
// LTSBENCH_UPDATE_GOLDEN=1 go test ./internal/safetensors -run TestFuzzSeedCorpus
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	for name, data := range fuzzSeeds(t) {
		_, err := Parse(data)
		if valid := strings.HasPrefix(name, "valid_"); valid != (err == nil) {
			t.Errorf("seed %s: Parse error %v", name, err)
		}
		want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		path := filepath.Join(dir, name)
		if snapshot.Update() {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("seed %s is missing or stale (%v); rerun with "+snapshot.Env+"=1", path, err)
		}
	}
}
