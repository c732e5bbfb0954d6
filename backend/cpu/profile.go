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
	// Bytes is what these ops must read per pass (model.Graph.ReadBytes: weights,
	// LayerNorm parameters, embedding rows, the cache an attention reads), and GBPerS
	// that over Ms: the rate that bounds a decode step.
	Bytes  float64 `json:"bytes,omitempty"`
	GBPerS float64 `json:"gb_per_s,omitempty"`
}

// Profile is where a forward's (or a decode step's) time goes, op by op.
type Profile struct {
	// Mode is what was profiled: "forward" (ProfileForward) or "decode" (ProfileDecode:
	// the forwards below are decode steps).
	Mode     string `json:"mode"`
	Forwards int    `json:"forwards"` // profiled forwards (and as many whole ones, interleaved)
	Threads  int    `json:"threads"`
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
	return profile(w, []*model.Graph{g}, "forward", threads, warmup, forwards)
}

// ProfileDecode profiles a decode step as ProfileForward profiles a forward: fill and
// step are the cached passes of bench's decode mode (bench.GenerationGraphs: the fill
// of the cache to C positions, then the step at position C), compiled together; the
// fill runs once, untimed, and every profiled and plain step is the step at C again,
// the steady state bench.MeasureGeneration times. The table gives each kind's read
// rate (GB/s) beside its time: a step is bound by reading its weights and cache.
func ProfileDecode(w *model.Weights, fill, step *model.Graph, threads, warmup, steps int) (*Profile, error) {
	return profile(w, []*model.Graph{fill, step}, "decode", threads, warmup, steps)
}

// profile compiles graphs, runs each but the last once in order (a decode step's fill),
// and profiles the last.
func profile(w *model.Weights, graphs []*model.Graph, mode string, threads, warmup, forwards int) (*Profile, error) {
	if forwards < 1 {
		return nil, errors.New("cpu: profile: forwards must be ≥ 1")
	}
	exe, err := New(backend.Options{Threads: threads}).Compile(w, graphs...)
	if err != nil {
		return nil, err
	}
	e := exe.(*Executable)
	defer e.Close()
	for i, g := range graphs {
		if g.IDs >= 0 {
			ids := make([]int32, len(e.graphs[i].ids))
			for j := range ids {
				ids[j] = int32((uint64(j+i)*2654435761 + 12345) % uint64(g.Arch.NToken))
			}
			if err := e.SetIDs(i, ids); err != nil {
				return nil, err
			}
		}
		if i < len(graphs)-1 {
			if err := e.Run(i); err != nil {
				return nil, err
			}
		}
	}
	last := len(graphs) - 1
	c, g := e.graphs[last], graphs[last]
	for range max(warmup, 1) {
		if err := e.Run(last); err != nil {
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
		d, err := e.RunTimed(last)
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
	p := &Profile{Mode: mode, Forwards: forwards, Threads: e.pool.Threads(), ProfiledMs: stats.Median(profiled), ForwardMs: stats.Median(whole),
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
		k.Bytes += float64(g.ReadBytes(op))
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
		if k.Bytes > 0 && k.Ms > 0 {
			k.GBPerS = k.Bytes / (k.Ms * 1e6)
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
	case *model.CachedAttention:
		// Query t sees Past+t+1 keys: a content score and a PV term of Dh products each,
		// and Transformer-XL's position score.
		scores := float64(o.T)*float64(o.Past) + float64(o.T*(o.T+1)/2)
		per := 4.0
		if o.R >= 0 {
			per = 6
		}
		return "cached attention", fmt.Sprintf("B%d T%d past %d H%d", o.B, o.T, o.Past, o.H), per * float64(o.B*o.H) * scores * float64(o.Dh)
	case *model.KVAppend:
		return "kv append", fmt.Sprintf("B%d T%d HD%d", o.B, o.T, o.HD), 0
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

// WriteTable prints the profile: one row per op kind, slowest first, then the sums. A
// forward's rows give each kind's arithmetic rate (GFLOP/s), a decode step's the rate
// it read its weights and cache at (GB/s).
func (p *Profile) WriteTable(w io.Writer) error {
	decode := p.Mode == "decode"
	rateCol := "GFLOP/s"
	if decode {
		rateCol = "GB/s"
	}
	rows := [][]string{{"op", "count", "shape", "ms", "% of ops", rateCol}}
	var flops, bytes float64
	for _, k := range p.Kinds {
		rate, v := "-", k.GFLOPS
		if decode {
			v = k.GBPerS
		}
		if v > 0 {
			rate = fmt.Sprintf("%.1f", v)
		}
		rows = append(rows, []string{k.Kind, fmt.Sprint(k.Count), k.Shape, fmt.Sprintf("%.3f", k.Ms), fmt.Sprintf("%.1f", 100*k.Share), rate})
		flops += k.FLOPs
		bytes += k.Bytes
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
	unit, over := "forward", fmt.Sprintf("%.1f GFLOP/s over the forward", flops/(p.ForwardMs*1e6))
	if decode {
		unit, over = "step", fmt.Sprintf("%.1f MiB read a step, %.1f GB/s over the step", bytes/(1<<20), bytes/(p.ForwardMs*1e6))
	}
	fmt.Fprintf(&b, "sum of the ops' medians %.3f ms over %d %ss; a profiled %s %.3f ms (fastest %.3f), a whole %s without op timers %.3f ms (fastest %.3f), interleaved; %d threads, %s\n",
		p.OpsMs, p.Forwards, unit, unit, p.ProfiledMs, p.ProfiledMinMs, unit, p.ForwardMs, p.ForwardMinMs, p.Threads, over)
	_, err := io.WriteString(w, b.String())
	return err
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
