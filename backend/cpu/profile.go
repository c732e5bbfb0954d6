package cpu

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/internal/stats"
	"github.com/ltsbench/ltsbench/model"
)

// ProfileKind is the device kind whose ops ProfileForward times: this package's
// registered kind.
const ProfileKind = "cpu"

// OpKind is one kind of op's share of a forward (Profile): the ops of that kind, their
// time and, for matrix products and attention, their arithmetic rate.
type OpKind struct {
	Kind  string  `json:"kind"`            // e.g. "matmul qkv", "attention", "layernorm"
	Count int     `json:"count"`           // ops of this kind per forward
	Shape string  `json:"shape,omitempty"` // M×N×K of the matmuls when they all have one shape
	Ms    float64 `json:"ms"`              // the sum over these ops of each op's median time
	Share float64 `json:"share"`           // Ms / Profile.OpsMs
	FLOPs float64 `json:"flops,omitempty"` // per forward (matmul: 2·M·N·K; attention: QKᵀ and PV over the visible keys, and Transformer-XL's position term)
	// GFLOPS is FLOPs / Ms: the rate these ops ran at.
	GFLOPS float64 `json:"gflops,omitempty"`
}

// Profile is where a forward's time goes, op by op.
type Profile struct {
	Forwards int `json:"forwards"` // profiled forwards (and as many whole ones, interleaved)
	Threads  int `json:"threads"`
	// OpsMs is the sum over the graph's ops of each op's median time (the table's
	// total; on a quiet machine close to ProfiledMs, below it when other work disturbed
	// some forwards: each op's median skips the disturbed ones).
	OpsMs float64 `json:"ops_ms"`
	// ProfiledMs is the median over the profiled forwards of the sum of their ops' times.
	ProfiledMs float64 `json:"profiled_ms"`
	// ForwardMs is the median of the whole forwards run without timers between the ops,
	// interleaved with the profiled ones: ProfiledMs should be close to it.
	ForwardMs float64 `json:"forward_ms"`
	// ProfiledMinMs and ForwardMinMs are the fastest of each: other work only adds
	// time, so on a busy machine these are the forwards it disturbed least.
	ProfiledMinMs float64  `json:"profiled_min_ms"`
	ForwardMinMs  float64  `json:"forward_min_ms"`
	Kinds         []OpKind `json:"kinds"` // slowest first
}

// ProfileForward compiles g with w on threads workers, runs warmup untimed forwards,
// then forwards profiled forwards (a clock read after every op) interleaved with as many
// plain ones, and returns the per-kind table. The token ids are fixed pseudo-random ids
// (their values do not change the work); a Transformer-XL memory is filled by the
// warm-ups (at least one is run).
func ProfileForward(w *model.Weights, g *model.Graph, threads, warmup, forwards int) (*Profile, error) {
	if forwards < 1 {
		return nil, errors.New("cpu: profile: forwards must be ≥ 1")
	}
	exe, err := New(backend.Options{Threads: threads}).Compile(w, g)
	if err != nil {
		return nil, err
	}
	e := exe.(*Executable)
	defer e.Close()
	c := e.graphs[0]
	if c.g.IDs >= 0 {
		ids := make([]int32, len(c.ids))
		for i := range ids {
			ids[i] = int32((uint64(i)*2654435761 + 12345) % uint64(g.Arch.NToken))
		}
		if err := e.SetIDs(0, ids); err != nil {
			return nil, err
		}
	}
	for range max(warmup, 1) {
		if err := e.Run(0); err != nil {
			return nil, err
		}
	}
	per := make([][]float64, len(c.steps)) // per op, one time per forward (ms)
	times := make([]time.Duration, len(c.steps))
	whole := make([]float64, 0, forwards)
	profiled := make([]float64, 0, forwards)
	for i := range forwards {
		if i%2 == 0 {
			e.runProfiled(c, times)
		}
		d, err := e.RunTimed(0)
		if err != nil {
			return nil, err
		}
		whole = append(whole, ms(d))
		if i%2 == 1 {
			e.runProfiled(c, times)
		}
		var sum time.Duration
		for j, t := range times {
			per[j] = append(per[j], ms(t))
			sum += t
		}
		profiled = append(profiled, ms(sum))
	}
	p := &Profile{Forwards: forwards, Threads: e.pool.Threads(), ProfiledMs: stats.Median(profiled), ForwardMs: stats.Median(whole),
		ProfiledMinMs: slices.Min(profiled), ForwardMinMs: slices.Min(whole)}
	byKind := map[string]*OpKind{}
	shapes := map[string]map[string]bool{}
	for j, op := range g.Ops {
		kind, shape, flops := opKind(g, op)
		k := byKind[kind]
		if k == nil {
			k = &OpKind{Kind: kind}
			byKind[kind] = k
			shapes[kind] = map[string]bool{}
		}
		t := stats.Median(per[j])
		k.Count++
		k.Ms += t
		k.FLOPs += flops
		shapes[kind][shape] = true
		p.OpsMs += t
	}
	for kind, k := range byKind {
		if len(shapes[kind]) == 1 {
			for s := range shapes[kind] {
				k.Shape = s
			}
		} else {
			k.Shape = "several"
		}
		if p.OpsMs > 0 {
			k.Share = k.Ms / p.OpsMs
		}
		if k.FLOPs > 0 && k.Ms > 0 {
			k.GFLOPS = k.FLOPs / (k.Ms * 1e6)
		}
		p.Kinds = append(p.Kinds, *k)
	}
	sort.Slice(p.Kinds, func(a, b int) bool {
		if p.Kinds[a].Ms != p.Kinds[b].Ms {
			return p.Kinds[a].Ms > p.Kinds[b].Ms
		}
		return p.Kinds[a].Kind < p.Kinds[b].Kind
	})
	return p, nil
}

// runProfiled runs c's steps once, storing each step's wall time in times: one clock
// read per op, kept out of Run and RunTimed so that they carry no cost for it.
func (e *Executable) runProfiled(c *compiled, times []time.Duration) {
	t0 := time.Now()
	for i, s := range c.steps {
		s()
		t1 := time.Now()
		times[i] = t1.Sub(t0)
		t0 = t1
	}
}

// layerPrefix is the "h.N." (GPT-2) or "layer.N." (Transformer-XL) the model builder puts before a layer's tensor names.
var layerPrefix = regexp.MustCompile(`^(h|layer)\.\d+\.`)

// matmulRoles names a matrix product by the tensor it writes (the builder's names, with
// the layer prefix taken off): GPT-2's qkv, attention projection (resid_attn), fc (mlp)
// and fc projection (which writes the layer's hidden state); Transformer-XL's q, kv, r,
// ff and resid_ff; the output layer.
var matmulRoles = map[string]string{
	"qkv": "qkv", "q": "q", "kv": "kv", "r": "r (positions)",
	"resid_attn": "attn proj", "mlp": "fc", "ff": "fc", "resid_ff": "fc proj",
	"cluster_logits": "head clusters",
}

// opKind returns the label an op is counted under, its shape and its FLOPs.
func opKind(g *model.Graph, op model.Op) (kind, shape string, flops float64) {
	switch o := op.(type) {
	case *model.MatMul:
		name := layerPrefix.ReplaceAllString(g.Tensors[o.Out].Name, "")
		role, ok := matmulRoles[name]
		switch {
		case ok:
		case strings.HasPrefix(name, "hidden"):
			role = "fc proj"
		case strings.HasPrefix(name, "logits"):
			role = "head"
		case strings.HasPrefix(name, "head.proj"):
			role = "head proj"
		default:
			role = name
		}
		if o.Act != model.ActNone {
			role += "+" + o.Act.String()
		}
		return "matmul " + role, fmt.Sprintf("%d×%d×%d", o.M, o.N, o.K), 2 * float64(o.M) * float64(o.N) * float64(o.K)
	case *model.CausalAttention:
		// Per (batch, head): T(T+1)/2 scores of Dh products for QKᵀ, as many for PV.
		dh := o.D / o.H
		return "attention", fmt.Sprintf("B%d T%d H%d", o.B, o.T, o.H), 4 * float64(o.B*o.H) * float64(o.T*(o.T+1)/2) * float64(dh)
	case *model.RelAttention:
		// Per (batch, head): query t sees M+t+1 keys (M = K-T), T·M + T(T+1)/2 scores in
		// all, each a content term (q+u)·k and a position term (q+w)·R(δ) of Dh products,
		// and as many Dh-long PV sums: 3 · 2·Dh per score.
		m := float64(o.K - o.T)
		scores := float64(o.T)*m + float64(o.T*(o.T+1)/2)
		return "rel attention", fmt.Sprintf("B%d T%d K%d H%d", o.B, o.T, o.K, o.H), 6 * float64(o.B*o.H) * scores * float64(o.Dh)
	case *model.LayerNorm:
		return "layernorm", fmt.Sprintf("%d×%d", o.Rows, o.D), 0
	case *model.Embed:
		return "embedding", fmt.Sprintf("%d×%d", o.N, o.D), 0
	case *model.AdaptiveEmbed:
		return "adaptive embedding", fmt.Sprintf("%d×%d", o.N, o.D), 0
	case *model.LogSoftmax:
		return "log-softmax", fmt.Sprintf("%d×%d", o.Rows, o.V), 0
	case *model.AdaptiveLogSoftmax:
		return "adaptive log-softmax", fmt.Sprintf("%d rows", o.N), 0
	}
	return op.Name(), "", 0
}

// WriteTable prints the profile: one row per op kind, slowest first, then the sums.
func (p *Profile) WriteTable(w io.Writer) error {
	rows := [][]string{{"op", "count", "shape", "ms", "% of ops", "GFLOP/s"}}
	var flops float64
	for _, k := range p.Kinds {
		rate := "-"
		if k.GFLOPS > 0 {
			rate = fmt.Sprintf("%.1f", k.GFLOPS)
		}
		rows = append(rows, []string{k.Kind, fmt.Sprint(k.Count), k.Shape, fmt.Sprintf("%.3f", k.Ms), fmt.Sprintf("%.1f", 100*k.Share), rate})
		flops += k.FLOPs
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			switch {
			case i == 0:
				b.WriteString(c + pad) // the kind and the shape left-aligned, numbers right
			case i == 2:
				b.WriteString("  " + c + pad)
			default:
				b.WriteString("  " + pad + c)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "sum of the ops' medians %.3f ms over %d forwards; a profiled forward %.3f ms (fastest %.3f), a whole forward without op timers %.3f ms (fastest %.3f), interleaved; %d threads, %.1f GFLOP/s over the forward\n",
		p.OpsMs, p.Forwards, p.ProfiledMs, p.ProfiledMinMs, p.ForwardMs, p.ForwardMinMs, p.Threads, flops/(p.ForwardMs*1e6))
	_, err := io.WriteString(w, b.String())
	return err
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
