package space

import (
	"math"
	"math/big"
	"testing"
)

// bruteSize enumerates every gene tuple of s (per-layer genes from the full choice
// lists, no filtering), keeps those that pass Check and counts distinct keys.
func bruteSize(s *Space) int {
	keys := map[string]bool{}
	for _, L := range s.NLayer.Values() {
		for _, d := range s.DModel.Values() {
			for _, dv := range s.divVals() {
				fs, hs := s.DInner.Values(), s.NHead
				idx := make([]int, 2*L) // odometer over (d_inner, n_head) of each layer
				for {
					nHead, dInner := make([]int, L), make([]int, L)
					for i := range L {
						dInner[i], nHead[i] = fs[idx[2*i]], hs[idx[2*i+1]]
					}
					if a := s.newArch(L, d, dv, nHead, dInner); s.Check(a) == nil {
						keys[a.Key()] = true
					}
					k := 0
					for ; k < 2*L; k++ {
						lim := len(fs)
						if k%2 == 1 {
							lim = len(hs)
						}
						if idx[k]++; idx[k] < lim {
							break
						}
						idx[k] = 0
					}
					if k == 2*L {
						break
					}
				}
			}
		}
	}
	return len(keys)
}

func TestSizeMatchesEnumeration(t *testing.T) {
	flex := &Space{
		// The bounds are the decoder params of two architectures, so that both sit
		// exactly on them: L 1, d 32, F 64 has 4096+4096+64+288+64 = 8608; L 3, d 48,
		// F 88 has 3·(9216+8448+88+432)+96 = 54648. div_val 8 leaves a cluster 0 wide
		// except at d_model 64; n_head 3 divides only 48.
		Backbone: GPT2, Adaptive: true, NLayer: Range{1, 3, 2}, DModel: Range{16, 64, 16},
		DInner: Range{16, 100, 12}, NHead: []int{1, 3}, DivVal: []int{1, 8},
		NToken: 1000, Cutoffs: []int{200, 500, 1200}, TgtLen: 8, DInnerMinRatio: 1.5,
		MinDecoderParams: 8608, MaxDecoderParams: 54648,
	}
	txl := &Space{
		Backbone: TransformerXL, Adaptive: true, NLayer: Range{1, 3, 2}, DModel: Range{60, 96, 9},
		DInner: Range{100, 300, 40}, NHead: []int{2, 4, 3}, DivVal: []int{4},
		NToken: 500, Cutoffs: []int{100}, TgtLen: 8, MemLen: 4, DInnerMinRatio: 1.7,
		// L 1, d 60, F 140 sits on the lower bound: 18000+16800+140+420.
		MinDecoderParams: 35360, MaxDecoderParams: 400_000,
	}
	plain := flex.Clone()
	plain.Adaptive = false
	plain.MaxDecoderParams = 0 // no upper bound
	for _, s := range []*Space{flex, txl, plain} {
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		want := bruteSize(s)
		if want < 50 {
			t.Fatalf("%s: only %d architectures, the test needs a richer space", s.Backbone, want)
		}
		got := s.Size()
		if got == nil || got.Int64() != int64(want) {
			t.Errorf("%s (adaptive %v): Size = %v, enumeration gives %d", s.Backbone, s.Adaptive, got, want)
		}
		l, exact := s.Log10Size()
		if !exact || math.Abs(l-math.Log10(float64(want))) > 1e-12 {
			t.Errorf("%s: Log10Size = %v, %v; want log10(%d), exact", s.Backbone, l, exact, want)
		}
	}
}

// The floating-point programme (used beyond maxExactCells) agrees with the exact one.
func TestSizeFloatAgreesWithExact(t *testing.T) {
	for _, b := range []Backbone{GPT2, TransformerXL} {
		s, _ := DefaultSpace(b)
		exact := s.Size()
		if exact == nil {
			t.Fatalf("%s: the paper's space is not counted exactly", b)
		}
		var terms []float64
		s.eachBlock(func(blk sizeBlock) { terms = append(terms, blk.log10Count()) })
		if got, want := log10Sum(terms), log10Big(exact); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: floating point %v, exact %v", b, got, want)
		}
		// A bigger space (n_layer up to 60) takes the floating-point path; it must
		// count more than the paper's.
		big := s.Clone()
		big.NLayer.Max, big.MaxDecoderParams = 60, 0
		l, ex := big.Log10Size()
		if ex || !(l > log10Big(exact)) || math.IsInf(l, 0) {
			t.Errorf("%s with 60 layers: Log10Size = %v, %v", b, l, ex)
		}
		// Larger still: an upper bound, no hang.
		huge := big.Clone()
		huge.NLayer.Max = MaxLayers
		if u, ex := huge.Log10Size(); ex || u < l {
			t.Errorf("%s with %d layers: Log10Size = %v, %v; want an inexact bound ≥ %v", b, MaxLayers, u, ex, l)
		}
	}
}

func TestSizeOfEmptySpace(t *testing.T) {
	s, _ := DefaultSpace(TransformerXL)
	s.MinDecoderParams, s.MaxDecoderParams = 5e8, 6e8
	if n := s.Size(); n == nil || n.Sign() != 0 {
		t.Errorf("Size = %v, want 0", n)
	}
	if l, ex := s.Log10Size(); !math.IsInf(l, -1) || !ex {
		t.Errorf("Log10Size = %v, %v; want -Inf, exact", l, ex)
	}
}

func TestLog10Big(t *testing.T) {
	for _, c := range []struct {
		n    string
		want float64
	}{{"1", 0}, {"1000", 3}, {"123456789012345678901234567890", 29.091514977}} {
		n, _ := new(big.Int).SetString(c.n, 10)
		if got := log10Big(n); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("log10Big(%s) = %v, want %v", c.n, got, c.want)
		}
	}
}
