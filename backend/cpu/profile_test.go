package cpu_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/backend/cpu"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// ProfileKind is the registered kind of this package: a host device, no accelerator.
func TestProfileKind(t *testing.T) {
	if k, ok := backend.KindOf(cpu.ProfileKind); !ok || k.Accelerator {
		t.Errorf("kind %q: registered %v, accelerator %v", cpu.ProfileKind, ok, k.Accelerator)
	}
}

func profileOf(t *testing.T, a *space.Arch, s model.Shape, out model.Output, forwards int) (*cpu.Profile, *model.Graph) {
	t.Helper()
	g, err := model.Build(a, s, model.BuildOptions{Output: out})
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.InitWeights(a, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cpu.ProfileForward(w, g, 2, 2, forwards)
	if err != nil {
		t.Fatal(err)
	}
	return p, g
}

// Every op of GPT-2's graph is counted once, under the kind its role in the layer gives
// it, with the FLOPs of its shape (plain GPT-2's full output is the logits: no softmax).
func TestProfileKindsGPT2(t *testing.T) {
	a, err := bench.Preset("gpt2-tiny") // 2 layers, d 64, d_inner [128, 192], vocab 512
	if err != nil {
		t.Fatal(err)
	}
	const T = 32
	p, g := profileOf(t, a, model.Shape{Batch: 1, Seq: T}, model.OutputFull, 3)
	got := map[string]cpu.OpKind{}
	n := 0
	for _, k := range p.Kinds {
		got[k.Kind] = k
		n += k.Count
	}
	if n != len(g.Ops) {
		t.Errorf("the kinds count %d ops, the graph has %d", n, len(g.Ops))
	}
	d := 64.0
	want := map[string]struct {
		count int
		flops float64
	}{
		"embedding":        {1, 0},
		"layernorm":        {5, 0}, // ln_1, ln_2 per layer and ln_f
		"matmul qkv":       {2, 2 * 2 * T * 3 * d * d},
		"attention":        {2, 4*2*T*(T+1)/2*32 + 4*4*T*(T+1)/2*16}, // heads 2 and 4, Dh 32 and 16
		"matmul attn proj": {2, 2 * 2 * T * d * d},
		"matmul fc+gelu":   {2, 2 * T * d * (128 + 192)},
		"matmul fc proj":   {2, 2 * T * d * (128 + 192)},
		"matmul head":      {1, 2 * T * d * 512},
	}
	for kind, w := range want {
		k, ok := got[kind]
		if !ok {
			t.Errorf("kind %q missing from the profile (have %v)", kind, p.Kinds)
			continue
		}
		if k.Count != w.count || math.Abs(k.FLOPs-w.flops) > 0.5 {
			t.Errorf("%s: count %d, %g FLOPs; want %d, %g", kind, k.Count, k.FLOPs, w.count, w.flops)
		}
		if k.Ms <= 0 || (w.flops > 0) != (k.GFLOPS > 0) {
			t.Errorf("%s: %g ms, %g GFLOP/s", kind, k.Ms, k.GFLOPS)
		}
	}
	if len(got) != len(want) {
		t.Errorf("kinds %v, want exactly %d", p.Kinds, len(want))
	}
	if got["matmul fc+gelu"].Shape != "several" || got["matmul head"].Shape != "32×512×64" {
		t.Errorf("shapes: fc %q (d_inner differs by layer), head %q", got["matmul fc+gelu"].Shape, got["matmul head"].Shape)
	}
	var buf bytes.Buffer
	if err := p.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for kind := range want {
		if !strings.Contains(buf.String(), kind) {
			t.Errorf("the table lacks %q:\n%s", kind, buf.String())
		}
	}
}

// Transformer-XL's ops (memory, relative attention, adaptive head) all get a named kind:
// no matmul falls back to a tensor name.
func TestProfileKindsTXL(t *testing.T) {
	a, err := bench.Preset("txl-tiny")
	if err != nil {
		t.Fatal(err)
	}
	p, g := profileOf(t, a, model.Shape{Batch: 1, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}, model.OutputFull, 3)
	known := map[string]bool{
		"adaptive embedding": true, "sinusoid": true, "concat_mem": true, "mem_update": true,
		"matmul q": true, "matmul kv": true, "matmul r (positions)": true, "rel attention": true,
		"matmul attn proj": true, "layernorm": true, "matmul fc+relu": true, "matmul fc proj": true,
		"matmul head": true, "matmul head proj": true, "matmul head clusters": true, "adaptive log-softmax": true,
	}
	n := 0
	for _, k := range p.Kinds {
		n += k.Count
		if !known[k.Kind] {
			t.Errorf("unexpected kind %q", k.Kind)
		}
	}
	if n != len(g.Ops) {
		t.Errorf("the kinds count %d ops, the graph has %d", n, len(g.Ops))
	}
	// Relative attention, by hand: per layer H·Dh = 64 (2×32, 4×16); query t of 32
	// sees the 32 memory positions and t+1 new ones, 32·32 + 32·33/2 = 1552 scores per
	// head, each 3 products of Dh (q+u)·k, (q+w)·R and the PV sum, 2 FLOPs apiece.
	const relFLOPs = 2 * 6 * 64 * 1552
	for _, k := range p.Kinds {
		if k.Kind == "rel attention" && (k.FLOPs != relFLOPs || !(k.GFLOPS > 0)) {
			t.Errorf("rel attention: %g FLOPs at %g GFLOP/s, want %d", k.FLOPs, k.GFLOPS, relFLOPs)
		}
	}
	for _, kind := range []string{"rel attention", "concat_mem", "mem_update", "matmul kv", "adaptive log-softmax"} {
		found := false
		for _, k := range p.Kinds {
			found = found || k.Kind == kind
		}
		if !found {
			t.Errorf("kind %q missing", kind)
		}
	}
}

// The per-op times add up to a whole forward: the fastest profiled forward (the sum of
// its ops' times) is within 20 % of the fastest forward run without op timers
// (interleaved; the fastest, as other work on the machine only adds time; a model large
// enough that an op takes far longer than a clock read), and the table's kinds add up to
// the sum of the ops' medians.
func TestProfileSumMatchesForward(t *testing.T) {
	if testing.Short() {
		t.Skip("times forwards")
	}
	a, err := space.ParseArch([]byte(`{"backbone": "gpt2", "adaptive": false, "n_layer": 3, "d_model": 256,
		"n_head": 4, "d_inner": 1024, "n_token": 4096, "n_positions": 128}`))
	if err != nil {
		t.Fatal(err)
	}
	var last *cpu.Profile
	for range 3 { // other work on the machine can disturb one try
		p, _ := profileOf(t, a, model.Shape{Batch: 1, Seq: 96}, model.OutputFull, 21)
		last = p
		var kinds float64
		for _, k := range p.Kinds {
			kinds += k.Ms
		}
		if math.Abs(kinds-p.OpsMs) > 1e-9*p.OpsMs || p.OpsMs <= 0 || p.OpsMs > 1.2*p.ProfiledMs {
			t.Fatalf("kinds add up to %g ms, the ops' medians to %g, a profiled forward takes %g", kinds, p.OpsMs, p.ProfiledMs)
		}
		if r := p.ProfiledMinMs / p.ForwardMinMs; r > 0.8 && r < 1.2 {
			return
		}
	}
	t.Errorf("the fastest profiled forward %.3f ms, the fastest whole forward %.3f ms: more than 20 %% apart", last.ProfiledMinMs, last.ForwardMinMs)
}

// A decode step of gpt2-tiny at context 16: the cache append and cached attention of
// each layer are kinds of their own, the products are one row, and each kind's bytes
// are what it must read, by hand: d 64, heads 2 and 4 (H·Dh = 64 in both layers).
func TestProfileDecodeGPT2(t *testing.T) {
	a, err := bench.Preset("gpt2-tiny") // 2 layers, d 64, d_inner [128, 192], vocab 512
	if err != nil {
		t.Fatal(err)
	}
	const C = 16
	shapes := bench.GenerationShapes(a, 1, bench.GenerationProtocol{Mode: bench.ModeDecode, Context: C})
	graphs, err := bench.GenerationGraphs(a, shapes)
	if err != nil {
		t.Fatal(err)
	}
	w, err := model.InitWeights(a, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cpu.ProfileDecode(w, graphs[0], graphs[1], 2, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Mode != "decode" {
		t.Errorf("mode %q", p.Mode)
	}
	got := map[string]cpu.OpKind{}
	n := 0
	for _, k := range p.Kinds {
		got[k.Kind] = k
		n += k.Count
	}
	if n != len(graphs[1].Ops) {
		t.Errorf("the kinds count %d ops, the step has %d", n, len(graphs[1].Ops))
	}
	const d = 64.0
	want := map[string]struct {
		count        int
		flops, bytes float64
	}{
		// The step at position C sees C+1 keys: per head a score and a PV term of Dh
		// products each (2·2·Dh FLOPs a key), H·Dh = 64 in both layers; it reads C+1
		// keys and values of 64 floats each.
		"cached attention": {2, 2 * 4 * (C + 1) * 64, 2 * (C + 1) * 2 * 64 * 4},
		"kv append":        {2, 0, 0},
		"matmul qkv":       {2, 2 * 2 * 3 * d * d, 2 * (3*d*d + 3*d) * 4},
		"matmul head":      {1, 2 * d * 512, d * 512 * 4},
		"matmul fc+gelu":   {2, 2 * d * (128 + 192), (d*(128+192) + 128 + 192) * 4},
	}
	for kind, wk := range want {
		k, ok := got[kind]
		if !ok {
			t.Errorf("kind %q missing (have %v)", kind, p.Kinds)
			continue
		}
		if k.Count != wk.count || k.FLOPs != wk.flops || k.Bytes != wk.bytes {
			t.Errorf("%s: count %d, %g FLOPs, %g bytes; want %d, %g, %g", kind, k.Count, k.FLOPs, k.Bytes, wk.count, wk.flops, wk.bytes)
		}
		if (wk.bytes > 0) != (k.GBPerS > 0) {
			t.Errorf("%s: %g GB/s", kind, k.GBPerS)
		}
	}
	if s := got["matmul qkv"].Shape; s != "1×192×64" {
		t.Errorf("qkv shape %q, want one row", s)
	}
	var buf bytes.Buffer
	if err := p.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "GB/s") || !strings.Contains(out, "cached attention") || !strings.Contains(out, "read a step") {
		t.Errorf("the decode table lacks its read rates:\n%s", out)
	}
}
