package model

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/internal/safetensors"
	"github.com/ltsbench/ltsbench/space"
)

var goldenBundles = []string{"gpt2_hetero_small_init", "gpt2_hetero_stress", "gpt2_flex_adaptive_div2", "txl_hetero_plain_softmax", "txl_hetero_adaptive_div2"}

func goldenArch(t *testing.T, bundle string) *space.Arch {
	t.Helper()
	a, err := space.LoadArch(filepath.Join("..", "testdata", "golden", bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestLayoutMatchesGoldenFiles: the layout names exactly the tensors of every golden
// model file, with their shapes, aligned and without overlap, and holds TotalParams
// floats.
func TestLayoutMatchesGoldenFiles(t *testing.T) {
	for _, b := range goldenBundles {
		a := goldenArch(t, b)
		f, err := safetensors.Open(filepath.Join("..", "testdata", "golden", b, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		ts, n := LayoutWeights(a)
		var names []string
		var params, end int64
		for i, w := range ts {
			names = append(names, w.Name)
			info, ok := f.Info(w.Name)
			if !ok {
				t.Errorf("%s: layout has %s, the file does not", b, w.Name)
				continue
			}
			if !slices.Equal(info.Shape, w.Shape) {
				t.Errorf("%s: %s is %v in the layout, %v in the file", b, w.Name, w.Shape, info.Shape)
			}
			if w.ID != i || w.Off%Align != 0 || w.Off < end {
				t.Errorf("%s: %s has ID %d, offset %d (previous end %d)", b, w.Name, w.ID, w.Off, end)
			}
			end = w.Off + w.Bytes()
			params += w.Elems()
		}
		slices.Sort(names)
		if !slices.Equal(names, f.Names()) {
			t.Errorf("%s: layout names %v, file names %v", b, names, f.Names())
		}
		if n != alignUp(end) {
			t.Errorf("%s: slab %d bytes, last tensor ends at %d", b, n, end)
		}
		if params != a.TotalParams() {
			t.Errorf("%s: layout holds %d parameters, TotalParams says %d", b, params, a.TotalParams())
		}
	}
}

// TestGraphsShareWeights: every graph of one architecture starts with the layout's
// weights, whatever its shape and options, and weights are viewed, never copied.
func TestGraphsShareWeights(t *testing.T) {
	for _, b := range goldenBundles {
		a := goldenArch(t, b)
		ts, n := LayoutWeights(a)
		shapes := SegmentShapesSeq(a, 2, a.TgtLen, 3)
		shapes = append(shapes, Shape{Batch: 1, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen})
		for _, s := range shapes {
			for _, o := range []Output{OutputFull, OutputLast, OutputNone} {
				g, err := Build(a, s, BuildOptions{Output: o, KeepHidden: o == OutputFull})
				if err != nil {
					t.Fatalf("%s %+v %s: %v", b, s, o, err)
				}
				if g.WeightBytes != n {
					t.Errorf("%s %+v: weight slab %d bytes, layout %d", b, s, g.WeightBytes, n)
				}
				for i, w := range ts {
					x := g.Tensors[i]
					if x.Name != w.Name || x.Off != w.Off || !slices.Equal(x.Shape, w.Shape) || x.Kind != Weight {
						t.Fatalf("%s: graph tensor %d is %s at %d, layout has %s at %d", b, i, x, x.Off, w, w.Off)
					}
				}
				for _, x := range g.Tensors[len(ts):] {
					if x.Kind == Weight && x.Base < 0 {
						t.Errorf("%s: weight %s is not in the layout", b, x)
					}
				}
			}
		}
	}
}

// TestOneVocabularyBuffer: the adaptive head writes every cluster into one [N, V]
// tensor (column bands) and normalises it in place.
func TestOneVocabularyBuffer(t *testing.T) {
	for _, b := range []string{"gpt2_flex_adaptive_div2", "txl_hetero_adaptive_div2", "txl_hetero_plain_softmax"} {
		a := goldenArch(t, b)
		s := Shape{Batch: 2, Seq: a.TgtLen, Mem: a.MemLen, MemOut: a.MemLen}
		g, err := Build(a, s, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range g.Tensors {
			if x.Base < 0 && x.Kind == Activation && x.Elems() >= int64(s.Batch*s.Seq*a.NToken) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d vocabulary-wide activations, want 1", b, n)
		}
		if g.Outputs["log_probs"] != g.Root(g.Outputs["log_probs"]).ID {
			t.Errorf("%s: log_probs is a view", b)
		}
	}
}

func TestSegmentShapesSeq(t *testing.T) {
	for _, c := range []struct {
		js   string
		want []Shape
	}{
		{`{"model_type": "transformer_xl", "n_layer": 1, "d_model": 8, "n_head": 1, "d_inner": 8, "vocab_size": 9, "tgt_len": 12, "mem_len": 20}`,
			[]Shape{{2, 12, 0, 12}, {2, 12, 12, 20}, {2, 12, 20, 20}}},
		{`{"model_type": "transformer_xl", "n_layer": 1, "d_model": 8, "n_head": 1, "d_inner": 8, "vocab_size": 9, "tgt_len": 6, "mem_len": 4}`,
			[]Shape{{2, 6, 0, 4}, {2, 6, 4, 4}, {2, 6, 4, 4}}},
		{`{"model_type": "transformer_xl", "n_layer": 1, "d_model": 8, "n_head": 1, "d_inner": 8, "vocab_size": 9, "tgt_len": 6, "mem_len": 0}`,
			[]Shape{{2, 6, 0, 0}, {2, 6, 0, 0}, {2, 6, 0, 0}}},
		{`{"model_type": "gpt2", "n_layer": 1, "d_model": 8, "n_head": 1, "d_inner": 8, "vocab_size": 9, "n_positions": 7}`,
			[]Shape{{2, 7, 0, 0}, {2, 7, 0, 0}, {2, 7, 0, 0}}},
	} {
		a := mustArch(t, c.js)
		if got := SegmentShapesSeq(a, 2, a.TgtLen, 3); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", a.Key(), got, c.want)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	gpt := mustArch(t, `{"model_type": "gpt2", "n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 8, "vocab_size": 9, "n_positions": 7}`)
	txl := mustArch(t, `{"model_type": "transformer_xl", "n_layer": 1, "d_model": 8, "n_head": 2, "d_inner": 8, "vocab_size": 9, "tgt_len": 6, "mem_len": 4}`)
	for _, c := range []struct {
		a    *space.Arch
		s    Shape
		o    BuildOptions
		want string
	}{
		{gpt, Shape{Batch: 1, Seq: 8}, BuildOptions{}, "exceeds n_positions"},
		{gpt, Shape{Batch: 0, Seq: 4}, BuildOptions{}, "must be positive"},
		{gpt, Shape{Batch: 1, Seq: 4, Mem: 2}, BuildOptions{}, "no memory"},
		{gpt, Shape{Batch: 1, Seq: 4}, BuildOptions{Output: "all"}, "not full, last or none"},
		{txl, Shape{Batch: 1, Seq: 6, Mem: 5}, BuildOptions{}, "between 0 and mem_len"},
		{txl, Shape{Batch: 1, Seq: 6, Mem: 2, MemOut: 3}, BuildOptions{}, "memory written"},
	} {
		_, err := Build(c.a, c.s, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v %+v: error %v, want one about %q", c.s, c.o, err, c.want)
		}
	}
	// MemOut left 0 is filled in.
	g, err := Build(txl, Shape{Batch: 1, Seq: 6, Mem: 2}, BuildOptions{})
	if err != nil || g.Shape.MemOut != 4 {
		t.Errorf("MemOut not filled: %v %+v", err, g)
	}
}
