package bench

import (
	"encoding/json"
	"errors"
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

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		edit  func(*Protocol)
		field string
	}{
		{func(p *Protocol) { p.Batch = 0 }, "batch"},
		{func(p *Protocol) { p.SeqLen = -1 }, "seq_len"},
		{func(p *Protocol) { p.Warmup = -1 }, "warmup"},
		{func(p *Protocol) { p.MinSamples = 0 }, "min_samples"},
		{func(p *Protocol) { p.MaxSamples = 5 }, "max_samples"},
		{func(p *Protocol) { p.MinTimeS = -1 }, "min_time_s"},
		{func(p *Protocol) { p.MaxTimeS = 0.5 }, "max_time_s"},
		{func(p *Protocol) { p.Output = "all" }, "output"},
		{func(p *Protocol) { p.Threads = -2 }, "threads"},
		{func(p *Protocol) { p.Statistic = "mode" }, "statistic"},
		{func(p *Protocol) { p.LTSCompat = true }, "lts_compat"},
	} {
		p := DefaultProtocol()
		tc.edit(&p)
		err := p.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.HasPrefix(err.Error(), tc.field+": ") {
			t.Errorf("%+v: error %v, want a FieldError on %s", p, err, tc.field)
		}
	}
	// The JSON names are the protocol's own: a renamed struct tag breaks this.
	withAll := DefaultProtocol().WithLTSCompat()
	withAll.Threads = 1
	data, err := json.Marshal(withAll)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"batch", "seq_len", "warmup", "min_samples", "max_samples", "min_time_s", "max_time_s", "output", "threads", "statistic", "lts_compat"} {
		if !strings.Contains(string(data), `"`+f+`":`) {
			t.Errorf("Protocol's JSON has no field %q: %s", f, data)
		}
	}
}
