package emu

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Program is a list of kernel launches and GEMMs over byte regions. Encoding
// (little-endian): "LTSBEMU1", u32 region count, each region u64 size + bytes, u32 step
// count, each step u8 kind (1 launch, 2 gemm), u16+bytes label, then
//
//	launch: u16+bytes kernel name, u32 grid[3], u32 block[3], u32 dynamic shared bytes,
//	        u32 argument count, each u8 kind ('p': Ptr, 'i'/'f': u32 bits)
//	gemm:   u8 transa, u8 transb, i32 m, n, k, Ptr A, i32 lda, i64 strideA, Ptr B, i32 ldb,
//	        i64 strideB, Ptr C, i32 ldc, i64 strideC, f32 alpha, f32 beta, i32 batch
//
// with Ptr = u8 region (255: null) + u64 byte offset.
type Program struct {
	Regions [][]byte
	steps   bytes.Buffer
	n       int
}

// Ptr is a byte offset in a region; Region < 0 is the null pointer.
type Ptr struct {
	Region int
	Off    int64
}

// Null is the null pointer.
var Null = Ptr{Region: -1}

// Arg is one kernel argument.
type Arg struct {
	Kind byte // 'p', 'i' or 'f'
	Ptr  Ptr
	Bits uint32 // 'i': the int32, 'f': the float32 bits
}

// PtrArg, IntArg and FloatArg make arguments.
func PtrArg(p Ptr) Arg        { return Arg{Kind: 'p', Ptr: p} }
func IntArg(v int32) Arg      { return Arg{Kind: 'i', Bits: uint32(v)} }
func FloatArg(v float32) Arg  { return Arg{Kind: 'f', Bits: math.Float32bits(v)} }
func (p *Program) Steps() int { return p.n }

// Launch appends a kernel launch.
func (p *Program) Launch(label, kernel string, grid, block [3]uint32, smem uint32, args []Arg) {
	w := &p.steps
	w.WriteByte(1)
	writeStr(w, label)
	writeStr(w, kernel)
	for _, v := range append(grid[:], block[:]...) {
		put(w, v)
	}
	put(w, smem)
	put(w, uint32(len(args)))
	for _, a := range args {
		w.WriteByte(a.Kind)
		if a.Kind == 'p' {
			writePtr(w, a.Ptr)
		} else {
			put(w, a.Bits)
		}
	}
	p.n++
}

// Gemm is one cublasGemmStridedBatchedEx call in fp32, column-major.
type Gemm struct {
	TransA, TransB bool
	M, N, K        int
	A              Ptr
	LDA            int
	StrideA        int64
	B              Ptr
	LDB            int
	StrideB        int64
	C              Ptr
	LDC            int
	StrideC        int64
	Alpha, Beta    float32
	Batch          int
}

// AddGemm appends a GEMM.
func (p *Program) AddGemm(label string, g Gemm) {
	w := &p.steps
	w.WriteByte(2)
	writeStr(w, label)
	w.WriteByte(b2u(g.TransA))
	w.WriteByte(b2u(g.TransB))
	put(w, int32(g.M))
	put(w, int32(g.N))
	put(w, int32(g.K))
	writePtr(w, g.A)
	put(w, int32(g.LDA))
	put(w, g.StrideA)
	writePtr(w, g.B)
	put(w, int32(g.LDB))
	put(w, g.StrideB)
	writePtr(w, g.C)
	put(w, int32(g.LDC))
	put(w, g.StrideC)
	put(w, g.Alpha)
	put(w, g.Beta)
	put(w, int32(max(g.Batch, 1)))
	p.n++
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func put(w io.Writer, v any) { binary.Write(w, binary.LittleEndian, v) }

func writeStr(w *bytes.Buffer, s string) {
	put(w, uint16(len(s)))
	w.WriteString(s)
}

func writePtr(w *bytes.Buffer, p Ptr) {
	if p.Region < 0 {
		w.WriteByte(255)
		put(w, uint64(0))
		return
	}
	w.WriteByte(byte(p.Region))
	put(w, uint64(p.Off))
}

// Run executes the program in a child process, visiting the threads of each block in
// order ("forward", "reverse" or "shuffle" with seed), and returns the regions after
// it. A kernel error (divergent barrier, out-of-region access, bad launch) is returned
// with the step and label it happened at.
func (h *Harness) Run(p *Program, order string, seed int) ([][]byte, error) {
	dir, err := os.MkdirTemp("", "ltsbench-emu-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var in bytes.Buffer
	in.WriteString("LTSBEMU1")
	put(&in, uint32(len(p.Regions)))
	for _, r := range p.Regions {
		put(&in, uint64(len(r)))
		in.Write(r)
	}
	put(&in, uint32(p.n))
	in.Write(p.steps.Bytes())
	inPath, outPath := filepath.Join(dir, "program"), filepath.Join(dir, "regions")
	if err := os.WriteFile(inPath, in.Bytes(), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(h.path, inPath, outPath, order, strconv.Itoa(seed))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("emu: %s", msg)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		return nil, err
	}
	return decodeRegions(b)
}

func decodeRegions(b []byte) ([][]byte, error) {
	r := bytes.NewReader(b)
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nil, errors.New("emu: truncated output")
	}
	out := make([][]byte, n)
	for i := range out {
		var size uint64
		if err := binary.Read(r, binary.LittleEndian, &size); err != nil || size > uint64(r.Len()) {
			return nil, errors.New("emu: truncated output")
		}
		out[i] = make([]byte, size)
		io.ReadFull(r, out[i])
	}
	return out, nil
}
