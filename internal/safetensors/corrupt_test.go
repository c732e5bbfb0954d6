package safetensors

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// validImage is a small good file: "a" F32 [2,2] then "b" I64 [2], 32 data bytes.
func validImage(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := Encode(&buf, []Tensor{
		F32("a", []int{2, 2}, []float32{1, 2, 3, 4}),
		I64("b", []int{2}, []int64{5, 6}),
	}, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func entry(name, dtype, shape string, begin, end int) string {
	return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape +
		`,"data_offsets":[` + strconv.Itoa(begin) + `,` + strconv.Itoa(end) + `]}`
}

func TestCorruptFiles(t *testing.T) {
	good := validImage(t)
	n := int(binary.LittleEndian.Uint64(good))
	data16 := make([]byte, 16)
	withLength := func(length uint64) []byte {
		b := append([]byte(nil), good...)
		binary.LittleEndian.PutUint64(b, length)
		return b
	}
	cases := []struct {
		name  string
		image []byte
		want  []string // all must appear in the error
	}{
		{"truncated data", good[:len(good)-4],
			[]string{`tensor "b"`, "end past the data section (28 bytes; truncated file?)"}},
		{"truncated header", good[:8+n/2],
			[]string{"header: length", "truncated header"}},
		{"truncated length prefix", good[:5],
			[]string{"header: file is 5 bytes", "truncated file"}},
		{"overlapping tensors", file("{"+entry("x", "F32", "[4]", 0, 16)+","+entry("y", "F32", "[2]", 8, 16)+"}", data16),
			[]string{`tensors "x" [0, 16) and "y" [8, 16) overlap`}},
		{"wrong byte length", file("{"+entry("x", "F32", "[2,2]", 0, 12)+"}", data16),
			[]string{`tensor "x"`, "span 12 bytes, but shape [2 2] of F32 needs 16"}},
		{"offsets past the end", file("{"+entry("x", "F32", "[8]", 0, 32)+"}", data16),
			[]string{`tensor "x"`, "data_offsets [0, 32] end past the data section (16 bytes"}},
		{"huge header length", withLength(1 << 62),
			[]string{"header: length 4611686018427387904 exceeds the 100 MB limit"}},
		{"max header length", withLength(^uint64(0)),
			[]string{"header: length 18446744073709551615 exceeds the 100 MB limit"}},
		{"header longer than file", withLength(uint64(len(good))),
			[]string{"header: length", "exceeds the", "truncated header"}},
		{"bad dtype", file("{"+entry("x", "F8_E4M3", "[16]", 0, 16)+"}", data16),
			[]string{`tensor "x": unknown dtype "F8_E4M3"`}},
		{"shape overflow", file("{"+entry("x", "F32", "[4294967296,4294967296,2]", 0, 16)+"}", data16),
			[]string{`tensor "x": shape [4294967296 4294967296 2] of F32 overflows`}},
		{"shape overflow by the dtype size", file("{"+entry("x", "I64", "[2305843009213693952]", 0, 16)+"}", data16),
			[]string{`tensor "x": shape [2305843009213693952] of I64 overflows`}},
		{"huge shape that fits", file("{"+entry("x", "F32", "[1099511627776]", 0, 16)+"}", data16),
			[]string{`tensor "x"`, "needs 4398046511104"}},
		{"negative dimension", file("{"+entry("x", "F32", "[-4]", 0, 16)+"}", data16),
			[]string{`tensor "x": shape[0] = -4 is not a non-negative integer`}},
		{"fractional dimension", file("{"+entry("x", "F32", "[1.5]", 0, 16)+"}", data16),
			[]string{`tensor "x": shape[0] = 1.5 is not a non-negative integer`}},
		{"begin after end", file("{"+entry("x", "F32", "[0]", 8, 4)+"}", data16),
			[]string{`tensor "x": data_offsets [8, 4] begin after end`}},
		{"negative offset", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, data16),
			[]string{`tensor "x": data_offsets[0] = -4`}},
		{"offset past int64", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}`, data16),
			[]string{`tensor "x": data_offsets[1] = 99999999999999999999`}},
		{"offset as a string", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}}`, data16),
			[]string{`tensor "x": data_offsets[1] = "4" is not`}},
		{"dimension in exponent form", file(`{"x":{"dtype":"F32","shape":[4e0],"data_offsets":[0,16]}}`, data16),
			[]string{`tensor "x": shape[0] = 4e0 is not`}},
		{"three offsets", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, data16),
			[]string{`tensor "x": data_offsets has 3 values`}},
		{"no dtype", file(`{"x":{"shape":[1],"data_offsets":[0,4]}}`, data16),
			[]string{`tensor "x": no dtype`}},
		{"no shape", file(`{"x":{"dtype":"F32","data_offsets":[0,4]}}`, data16),
			[]string{`tensor "x": no shape`}},
		{"entry not an object", file(`{"x":[1,2]}`, data16),
			[]string{`tensor "x": not a {dtype, shape, data_offsets} object`}},
		{"duplicate tensor", file("{"+entry("x", "F32", "[1]", 0, 4)+","+entry("x", "F32", "[1]", 4, 8)+"}", data16),
			[]string{`tensor "x": listed twice`}},
		{"duplicate via escape", file("{"+entry("x", "F32", "[1]", 0, 4)+","+entry(`\u0078`, "F32", "[1]", 4, 8)+"}", data16),
			[]string{`tensor "x": listed twice`}},
		{"metadata not strings", file(`{"__metadata__":{"n_layer":3}}`, nil),
			[]string{"header: __metadata__ must map strings to strings"}},
		{"metadata twice", file(`{"__metadata__":{},"__metadata__":{}}`, nil),
			[]string{"header: __metadata__ appears twice"}},
		{"not JSON", file(`{"x":`, data16),
			[]string{"header:"}},
		{"empty header", file(``, data16),
			[]string{"header: not a JSON object"}},
		{"array header", file(`[1,2]`, data16),
			[]string{"header: not a JSON object"}},
		{"data after the object", file(`{} {}`, nil),
			[]string{"header: data after the JSON object"}},
		{"NUL padding", file("{}\x00\x00", nil),
			[]string{"header:"}},
		{"invalid UTF-8", file("{\"\xff\":1}", nil),
			[]string{"header: not valid UTF-8"}},
	}
	for _, c := range cases {
		_, err := Parse(c.image)
		if err == nil {
			t.Errorf("%s: Parse accepted the file", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q is not one line", c.name, err)
		}
	}
}

// TestCorruptFileNamesPath: through Open the same errors also name the file.
func TestCorruptFileNamesPath(t *testing.T) {
	good := validImage(t)
	path := filepath.Join(t.TempDir(), "cut.safetensors")
	if err := os.WriteFile(path, good[:len(good)-1], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if err == nil || !strings.HasPrefix(err.Error(), "safetensors: "+path+`: tensor "b": `) {
		t.Errorf("Open error %v, want it to start with the path and the tensor", err)
	}
}

// TestEdgeCasesAccepted: valid corner cases that a too strict reader would reject.
func TestEdgeCasesAccepted(t *testing.T) {
	cases := map[string][]byte{
		"no tensors":                  file(`{}`, nil),
		"metadata null":               file(`{"__metadata__":null}`, nil),
		"leading and trailing spaces": file(" \n{}\t ", nil),
		"zero-size tensors share an offset with data": file("{"+entry("e", "F32", "[0,5]", 4, 4)+","+
			entry("x", "F32", "[2]", 0, 8)+","+entry("f", "BF16", "[7,0]", 8, 8)+"}", make([]byte, 8)),
		"unreferenced trailing bytes": file("{"+entry("x", "I32", "[1]", 0, 4)+"}", make([]byte, 9)),
	}
	for name, image := range cases {
		if _, err := Parse(image); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
