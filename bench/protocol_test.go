package bench

import (
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/model"
)

func TestDefaultProtocol(t *testing.T) {
	p := DefaultProtocol()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Protocol{Batch: 1, Output: model.OutputFull, Warmup: 3, MinSamples: 10, MaxSamples: 200,
		MinTimeS: 1, MaxTimeS: 30, Statistic: StatMedian}
	if p != want {
		t.Fatalf("DefaultProtocol() = %+v, want %+v", p, want)
	}
}

func TestResolveSeqLen(t *testing.T) {
	for _, tc := range []struct {
		preset        string
		seq           int
		wantSeq, mem  int
		wantErrSubstr string
	}{
		{"gpt2-small", 0, 192, 0, ""},          // 192 < n_positions 1024
		{"gpt2-tiny", 0, 64, 0, ""},            // n_positions 64 < 192
		{"gpt2-tiny", 64, 64, 0, ""},           // at the limit
		{"gpt2-tiny", 65, 0, 0, "n_positions"}, // past the learned positions
		{"txl-tiny", 0, 32, 32, ""},            // tgt_len, steady memory mem_len
		{"txl-tiny", 100, 100, 32, ""},         // any length: positions are relative
		{"txl-base", 0, 192, 192, ""},
	} {
		a, err := Preset(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		p := DefaultProtocol()
		p.SeqLen = tc.seq
		got, err := p.Resolve(a)
		if tc.wantErrSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
				t.Errorf("%s seq %d: error %v, want one about %s", tc.preset, tc.seq, err, tc.wantErrSubstr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s seq %d: %v", tc.preset, tc.seq, err)
		}
		if got.SeqLen != tc.wantSeq || got.MemLen != tc.mem {
			t.Errorf("%s seq %d: resolved to seq %d mem %d, want %d and %d", tc.preset, tc.seq, got.SeqLen, got.MemLen, tc.wantSeq, tc.mem)
		}
		s := got.Shape()
		if s.Batch != 1 || s.Seq != tc.wantSeq || s.Mem != tc.mem || s.MemOut != tc.mem {
			t.Errorf("%s: shape %+v", tc.preset, s)
		}
	}
}

func TestValidateNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Protocol)
		flag string
	}{
		{func(p *Protocol) { p.Batch = 0 }, "--batch"},
		{func(p *Protocol) { p.SeqLen = -1 }, "--seq-len"},
		{func(p *Protocol) { p.Warmup = -1 }, "--warmup"},
		{func(p *Protocol) { p.MinSamples = 0 }, "--min-samples"},
		{func(p *Protocol) { p.MaxSamples = 5 }, "--max-samples"},
		{func(p *Protocol) { p.MinTimeS = -1 }, "--min-time"},
		{func(p *Protocol) { p.MaxTimeS = 0.5 }, "--max-time"},
		{func(p *Protocol) { p.Output = "all" }, "--output"},
		{func(p *Protocol) { p.Threads = -2 }, "--threads"},
	} {
		p := DefaultProtocol()
		tc.edit(&p)
		if err := p.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.flag+":") {
			t.Errorf("%+v: error %v, want one naming %s", p, err, tc.flag)
		}
	}
}
