package bench

import (
	"fmt"

	"github.com/ltsbench/ltsbench/model"
	"github.com/ltsbench/ltsbench/space"
)

// Latency statistics a search can optimise (Protocol.Statistic).
const (
	StatMedian = "median" // the default: robust to the odd slow sample
	StatMean   = "mean"   // LTS-compat: what LTS reported
)

// DefaultSeqLen is the sequence length LTS measured with (batch 1 × 192 tokens).
const DefaultSeqLen = 192

// LTS measured 2 warm-up forwards, then reported the mean of 10 timed ones.
const (
	ltsWarmup  = 2
	ltsSamples = 10
)

// DefaultProtocol is the measurement protocol of ltsbench: batch 1, the sequence length
// resolved per architecture (SeqLen 0: 192 tokens, or the GPT-2 n_positions when
// smaller; Transformer-XL's tgt_len), the full output layer, 3 warm-ups, then samples
// until at least 10 were taken and 1 s has passed, at most 200 samples or 30 s; the
// search uses the median.
func DefaultProtocol() Protocol {
	return Protocol{
		Batch:      1,
		Output:     model.OutputFull,
		Warmup:     3,
		MinSamples: 10,
		MaxSamples: 200,
		MinTimeS:   1,
		MaxTimeS:   30,
		Statistic:  StatMedian,
	}
}

// WithLTSCompat returns p with LTS's sampling: 2 warm-ups, exactly 10 samples whatever
// they take, and the mean as the latency the search uses. Shape and output settings
// are kept.
func (p Protocol) WithLTSCompat() Protocol {
	p.LTSCompat = true
	p.Warmup = ltsWarmup
	p.MinSamples, p.MaxSamples = ltsSamples, ltsSamples
	p.MinTimeS, p.MaxTimeS = 0, 0
	p.Statistic = StatMean
	return p
}

// MaxBatch and MaxSeqLen bound a forward's shape far above what LTS measures (1 ×
// 192), so that every size product (batch × seq × d_model, × vocabulary for the
// logits, in bytes) stays far inside int64 and a typo is refused before anything is
// allocated.
const (
	MaxBatch  = 1 << 16
	MaxSeqLen = 1 << 20
)

// FieldError is a setting that cannot be used, named by its JSON field ("batch",
// "min_time_s"). A command line that spells settings differently (flags) renames
// Field, and the fields in Related where Msg names them.
type FieldError struct {
	Field   string   // the setting at fault
	Msg     string   // what is wrong with it
	Related []string // other fields Msg names, as written there
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// fieldErrorf is a FieldError on field, naming the related fields in its message.
func fieldErrorf(field string, related []string, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Related: related}
}

// Validate checks the settings that do not depend on an architecture; errors are
// *FieldError naming the setting.
func (p Protocol) Validate() error {
	switch {
	case p.Batch < 1:
		return fieldErrorf("batch", nil, "must be at least 1, got %d", p.Batch)
	case p.Batch > MaxBatch:
		return fieldErrorf("batch", nil, "at most %d, got %d", MaxBatch, p.Batch)
	case p.SeqLen < 0:
		return fieldErrorf("seq_len", nil, "must be positive, got %d", p.SeqLen)
	case p.SeqLen > MaxSeqLen:
		return fieldErrorf("seq_len", nil, "at most %d, got %d", MaxSeqLen, p.SeqLen)
	case p.Warmup < 0:
		return fieldErrorf("warmup", nil, "must be ≥ 0, got %d", p.Warmup)
	case p.MinSamples < 1:
		return fieldErrorf("min_samples", nil, "must be at least 1, got %d", p.MinSamples)
	case p.MaxSamples < p.MinSamples:
		return fieldErrorf("max_samples", []string{"min_samples"}, "%d is below min_samples %d", p.MaxSamples, p.MinSamples)
	case p.MinTimeS < 0:
		return fieldErrorf("min_time_s", nil, "must be ≥ 0, got %gs", p.MinTimeS)
	case p.MaxTimeS < 0:
		return fieldErrorf("max_time_s", nil, "must be ≥ 0 (0 = no bound), got %gs", p.MaxTimeS)
	case p.MaxTimeS > 0 && p.MaxTimeS < p.MinTimeS:
		return fieldErrorf("max_time_s", []string{"min_time_s"}, "%gs is below min_time_s %gs", p.MaxTimeS, p.MinTimeS)
	case p.Threads < 0:
		return fieldErrorf("threads", nil, "must be ≥ 0, got %d", p.Threads)
	}
	if _, err := model.ParseOutput(string(p.Output)); err != nil {
		return fieldErrorf("output", nil, "%v", err)
	}
	switch p.Statistic {
	case StatMedian, StatMean:
	default:
		return fieldErrorf("statistic", nil, "%q is not %s or %s", p.Statistic, StatMedian, StatMean)
	}
	if p.LTSCompat && (p.Warmup != ltsWarmup || p.MinSamples != ltsSamples || p.MaxSamples != ltsSamples || p.Statistic != StatMean) {
		return fieldErrorf("lts_compat", nil, "fixes 2 warm-ups, 10 samples and the mean; use Protocol.WithLTSCompat()")
	}
	return nil
}

// Resolve fills what depends on the architecture's model type: the sequence length
// (SeqLen 0 means space.ModelType.SeqLen of DefaultSeqLen: DefaultSeqLen, or the GPT-2
// n_positions when smaller, or Transformer-XL's tgt_len) and the memory length. A
// sequence longer than the learned positions is an error.
func (p Protocol) Resolve(a *space.Arch) (Protocol, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	t := a.ModelType()
	if t == nil {
		return p, a.Validate() // names the unknown backbone
	}
	if p.SeqLen == 0 {
		p.SeqLen = t.SeqLen(a, DefaultSeqLen)
	}
	if max := t.MaxSeqLen(a); max > 0 && p.SeqLen > max {
		return p, fieldErrorf("seq_len", nil, "%d tokens exceed the %d learned positions (n_positions) of this %s", p.SeqLen, max, a.Backbone.Label())
	}
	if t.Memory {
		p.MemLen = a.MemLen
		return p, nil
	}
	p.MemLen = 0
	return p, nil
}

// MathMode names the GPU matrix-product precision, as --math spells it: "tf32" when
// TF32 is set, else "fp32".
func (p Protocol) MathMode() string {
	if p.TF32 {
		return "tf32"
	}
	return "fp32"
}

// Shape is the graph shape of the timed forward: B × T tokens, and for Transformer-XL
// in steady state mem_len memory rows read and written.
func (p Protocol) Shape() model.Shape {
	return model.Shape{Batch: p.Batch, Seq: p.SeqLen, Mem: p.MemLen, MemOut: p.MemLen}
}
