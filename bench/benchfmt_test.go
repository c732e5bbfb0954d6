package bench

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/ltsbench/ltsbench/model"
)

func benchfmtFixture(t *testing.T) (Environment, []*Result) {
	t.Helper()
	a, err := Preset("gpt2-tiny")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Preset("txl-tiny")
	if err != nil {
		t.Fatal(err)
	}
	rss := int64(52_428_800)
	env := Environment{OS: "linux", Arch: "amd64", CPUModel: "Example CPU  @ 2.00GHz", Threads: 2,
		Ltsbench: VersionInfo{Version: "(devel)", Commit: "abc123"}}
	p := DefaultProtocol()
	p.SeqLen, p.Threads = 64, 2
	q := p
	q.SeqLen, q.MemLen, q.Output = 32, 32, model.OutputLast
	return env, []*Result{
		{Name: "gpt2-tiny", Device: "cpu", Key: a.Key(), Arch: a, DecoderParams: a.DecoderParams(), Protocol: p,
			SamplesMS: []float64{1.5, 1.25, 1.0000001}, AllocPeakBytes: 123456, RSSPeakBytes: &rss},
		{Device: "cpu", Key: b.Key(), Arch: b, DecoderParams: b.DecoderParams(), Protocol: q,
			SamplesMS: []float64{0.5, 0.75}, AllocPeakBytes: 654321},
	}
}

// The output is parsed back with the reference reader of the format (the one benchstat
// uses): every sample is a result with the configuration and exact units it needs.
func TestWriteBenchfmtParses(t *testing.T) {
	env, rs := benchfmtFixture(t)
	var buf bytes.Buffer
	if err := WriteBenchfmt(&buf, env, rs); err != nil {
		t.Fatal(err)
	}
	type line struct {
		name, device, seq, output, cpu string
		nsPerOp                        float64
		values                         map[string]float64
	}
	var got []line
	r := benchfmt.NewReader(&buf, "measure.txt")
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("syntax error: %v\n%s", rec, buf.String())
		case *benchfmt.Result:
			if rec.Iters != 1 {
				t.Errorf("%s: %d iterations, want 1 (one sample a line)", rec.Name, rec.Iters)
			}
			l := line{name: rec.Name.String(), device: rec.GetConfig("device"), seq: rec.GetConfig("seq-len"),
				output: rec.GetConfig("output"), cpu: rec.GetConfig("cpu"), values: map[string]float64{}}
			for _, v := range rec.Values {
				unit, val := v.Unit, v.Value
				if v.OrigUnit != "" {
					unit, val = v.OrigUnit, v.OrigValue
				}
				l.values[unit] = val
			}
			got = append(got, l)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d results, want 5 (3 + 2 samples):\n%s", len(got), buf.String())
	}
	wantNS := []float64{1_500_000, 1_250_000, 1_000_000.1, 500_000, 750_000}
	for i, l := range got {
		first := i < 3
		wantName, wantSeq, wantOut := "Forward/gpt2-tiny-2", "64", "full"
		wantAlloc, wantDec := 123456.0, float64(rs[0].DecoderParams)
		if !first {
			wantName, wantSeq, wantOut = "Forward/"+rs[1].Key+"-2", "32", "last"
			wantAlloc, wantDec = 654321, float64(rs[1].DecoderParams)
		}
		if l.name != wantName || l.seq != wantSeq || l.output != wantOut || l.device != "cpu" || l.cpu != "Example CPU @ 2.00GHz" {
			t.Errorf("result %d: %+v", i, l)
		}
		if l.values["ns/op"] != wantNS[i] || l.values["alloc-peak-B"] != wantAlloc || l.values["decoder-params"] != wantDec {
			t.Errorf("result %d values %v, want %g ns/op, %g alloc-peak-B, %g decoder-params", i, l.values, wantNS[i], wantAlloc, wantDec)
		}
		if _, ok := l.values["rss-peak-B"]; ok != first {
			t.Errorf("result %d: rss-peak-B present %v, want %v", i, ok, first)
		}
	}
	units := r.Units()
	for _, u := range []string{"alloc-peak-B", "decoder-params"} {
		m := units[benchfmt.UnitMetadataKey{Unit: u, Key: "assume"}]
		if m == nil || m.Value != "exact" {
			t.Errorf("unit %s: metadata %v, want assume=exact", u, m)
		}
	}
}

func TestWriteBenchfmtConfigOnce(t *testing.T) {
	env, rs := benchfmtFixture(t)
	rs[1].Protocol = rs[0].Protocol
	var buf bytes.Buffer
	if err := WriteBenchfmt(&buf, env, rs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, key := range []string{"goos: linux\n", "goarch: amd64\n", "device: cpu\n", "seq-len: 64\n", "ltsbench: (devel) abc123\n"} {
		if n := strings.Count(out, key); n != 1 {
			t.Errorf("%q appears %d times, want once:\n%s", key, n, out)
		}
	}
}

func TestBenchName(t *testing.T) {
	if got := BenchfmtName("a/b=c d\te"); got != "a_b_c_d_e" {
		t.Fatalf("BenchfmtName = %q", got)
	}
}

// benchfmtLeftOut are the text fields of Environment that benchfmt's configuration does
// not carry, each with the reason. Every other text field must appear in the output of
// WriteBenchfmt (and, through BenchfmtEnvironment, in the report's): a new field fails
// this test until it is written or listed here.
var benchfmtLeftOut = map[string]string{
	"Ltsbench.GoVersion":    "the ltsbench commit names the build",
	"CPUAffinity":           "the thread count is the -N suffix of every result",
	"Hostname":              "machine identity, not a measurement condition",
	"Device":                "written per result, from Result.Device",
	"GPU.UUID":              "names one card, not a kind of card",
	"GPU.ComputeCapability": "follows from the GPU's name",
	"GPU.GEMM":              "named in the environment block of run.json and measure's JSON",
}

// fillText sets every string field reachable from v (through structs and pointers to
// structs) to a distinct value and returns field path → value.
func fillText(v reflect.Value, path string, out map[string]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillText(v.Elem(), path, out)
	case reflect.Struct:
		for i := range v.NumField() {
			p := v.Type().Field(i).Name
			if path != "" {
				p = path + "." + p
			}
			fillText(v.Field(i), p, out)
		}
	case reflect.String:
		val := "v-" + strings.ReplaceAll(path, ".", "-")
		v.SetString(val)
		out[path] = val
	}
}

func TestBenchfmtCarriesEveryEnvironmentField(t *testing.T) {
	var env Environment
	fields := map[string]string{}
	fillText(reflect.ValueOf(&env).Elem(), "", fields)
	if len(fields) < 10 {
		t.Fatalf("found %d text fields: %v", len(fields), fields)
	}
	_, rs := benchfmtFixture(t)
	var buf bytes.Buffer
	if err := WriteBenchfmt(&buf, env, rs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := map[string]string{} // value → its configuration line
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && !strings.HasPrefix(l, "Benchmark") {
			for _, w := range strings.Fields(v) {
				lines[w] = k
			}
		}
	}
	for path, val := range fields {
		_, left := benchfmtLeftOut[path]
		if key, ok := lines[val]; ok == left {
			if left {
				t.Errorf("%s is listed as left out but appears as %q", path, key)
			} else {
				t.Errorf("environment field %s (%q) is not in the configuration:\n%s", path, val, out)
			}
		}
	}
	// The environment's configuration is BenchfmtEnvironment's, which the report's
	// writer uses too: each of its keys is in the output with its value.
	for _, kv := range BenchfmtEnvironment(env) {
		if !strings.Contains(out, kv[0]+": "+kv[1]+"\n") {
			t.Errorf("%s: %s is missing:\n%s", kv[0], kv[1], out)
		}
	}
}
