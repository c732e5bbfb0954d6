package cuda

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/kernels"
)

// Every kernel the executor launches is a .entry of its embedded PTX module, with
// exactly the parameters (count, size, class) the executor marshals: the strongest
// check possible without a GPU that cuLaunchKernel will get what the kernel reads.
func TestEveryKernelMatchesItsPTXEntry(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range allKernels {
		if seen[k.Name] {
			t.Errorf("kernel %s listed twice", k.Name)
		}
		seen[k.Name] = true
		ptx, err := kernels.PTX(k.Module)
		if err != nil {
			t.Errorf("%s: %v", k.Name, err)
			continue
		}
		entries, err := parsePTXEntries(ptx)
		if err != nil {
			t.Errorf("%s: %v", k.Module, err)
			continue
		}
		e, ok := entries[k.Name]
		if !ok {
			t.Errorf("kernel %s is not an entry of module %s (entries: %v)", k.Name, k.Module, keys(entries))
			continue
		}
		if err := checkSignature(k, e); err != nil {
			t.Error(err)
		}
	}
	// And no module holds a kernel the executor does not know (dead or misnamed code).
	for _, mod := range kernels.Modules() {
		ptx, _ := kernels.PTX(mod)
		entries, err := parsePTXEntries(ptx)
		if err != nil {
			t.Errorf("%s: %v", mod, err)
			continue
		}
		if len(entries) == 0 {
			t.Errorf("module %s has no kernel entry", mod)
		}
		for name := range entries {
			if !seen[name] {
				t.Errorf("module %s defines kernel %s, which the executor never launches", mod, name)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// The extern "C" prototypes in the .cu files declare the same parameter kinds as the
// table (pointer for T*, int, float), read from the sources independently of NVRTC.
func TestKernelTableMatchesSourcePrototypes(t *testing.T) {
	proto := regexp.MustCompile(`extern "C" __global__ void (?:__launch_bounds__\((\d+)\) )?(\w+)\(([^)]*)\)`)
	found := map[string]string{}
	bounds := map[string]string{} // kernel → its __launch_bounds__
	err := fs.WalkDir(kernels.Sources(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".cu") {
			return err
		}
		b, _ := fs.ReadFile(kernels.Sources(), p)
		for _, m := range proto.FindAllStringSubmatch(string(b), -1) {
			var spec strings.Builder
			bounds[m[2]] = m[1]
			for _, param := range strings.Split(m[3], ",") {
				param = strings.Join(strings.Fields(param), " ")
				switch {
				case strings.Contains(param, "*"):
					spec.WriteByte('p')
				case strings.HasPrefix(param, "int ") || strings.HasPrefix(param, "const int "):
					spec.WriteByte('i')
				case strings.HasPrefix(param, "float ") || strings.HasPrefix(param, "const float "):
					spec.WriteByte('f')
				default:
					t.Errorf("%s: %s: parameter %q of an unexpected type", p, m[2], param)
				}
			}
			found[m[2]] = strings.TrimSuffix(p, ".cu") + ":" + spec.String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range allKernels {
		var spec strings.Builder
		for _, p := range k.Params {
			spec.WriteByte(p.letter())
		}
		if want := k.Module + ":" + spec.String(); found[k.Name] != want {
			t.Errorf("kernel %s: the source declares %q, the table %q", k.Name, found[k.Name], want)
		}
	}
	if len(found) != len(allKernels) {
		t.Errorf("the sources declare %d kernels, the table lists %d", len(found), len(allKernels))
	}
	for _, k := range allKernels {
		if bounds[k.Name] == "" {
			t.Errorf("kernel %s has no __launch_bounds__", k.Name)
		}
	}
}

// The launch geometry the lowering assumes is what the kernels were written for.
func TestLaunchConstantsMatchSources(t *testing.T) {
	for file, macro := range map[string]string{"attention.cu": "ATT_WARPS", "rel_attention.cu": "RATT_WARPS", "decode.cu": "DEC_WARPS"} {
		b, err := fs.ReadFile(kernels.Sources(), file)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("#define %s %d ", macro, attWarps)
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not say %q", file, strings.TrimSpace(want))
		}
	}
	b, _ := fs.ReadFile(kernels.Sources(), "softmax.cu")
	if !strings.Contains(string(b), fmt.Sprintf("nc ≤ %d", maxAdaptiveTails)) || !strings.Contains(string(b), "int e6, int e7") {
		t.Errorf("softmax.cu: adaptive_log_softmax_f32 does not take %d tails (e1..e7)", maxAdaptiveTails)
	}
}

func TestParsePTXEntries(t *testing.T) {
	const ptx = `
.version 7.8
.target sm_80
.visible .entry k1(
	.param .u64 k1_param_0,
	.param .u64 .ptr .global .align 4 k1_param_1,
	.param .u32 k1_param_2,
	.param .f32 k1_param_3,
	.param .align 4 .b8 k1_param_4[12]
)
.maxntid 256, 1, 1
{ ret; }
.visible .entry k2()
{ ret; }
`
	es, err := parsePTXEntries(ptx)
	if err != nil {
		t.Fatal(err)
	}
	want := []ptxParam{{".u64", 8}, {".u64", 8}, {".u32", 4}, {".f32", 4}, {".b8", 12}}
	if fmt.Sprint(es["k1"].Params) != fmt.Sprint(want) || es["k1"].MaxNTID != 256 {
		t.Errorf("k1 %v, want params %v and .maxntid 256", es["k1"], want)
	}
	if e, ok := es["k2"]; !ok || len(e.Params) != 0 || e.MaxNTID != 0 {
		t.Errorf("k2: %v %v", e, ok)
	}
	for _, bad := range []string{".entry k(", ".entry k(\n.param .u64 a,\n.param b\n)", ".entry k(.param .u32 a[x])", ".entry k()\n.entry k()"} {
		if _, err := parsePTXEntries(bad); err == nil {
			t.Errorf("parsePTXEntries(%q) accepted", bad)
		}
	}
}

func TestCheckSignatureRejectsMismatches(t *testing.T) {
	k := &kernelSig{Name: "k", Params: params("pif"), MaxThreads: 128}
	good := []ptxParam{{".u64", 8}, {".s32", 4}, {".f32", 4}}
	if err := checkSignature(k, ptxEntry{good, 128}); err != nil {
		t.Errorf("matching signature: %v", err)
	}
	if err := checkSignature(k, ptxEntry{good, 256}); err == nil {
		t.Error("a different .maxntid was accepted")
	}
	for name, ps := range map[string][]ptxParam{
		"too few":         good[:2],
		"pointer as u32":  {{".u32", 4}, {".s32", 4}, {".f32", 4}},
		"int as float":    {{".u64", 8}, {".f32", 4}, {".f32", 4}},
		"float as u32":    {{".u64", 8}, {".s32", 4}, {".u32", 4}},
		"int as 8 bytes":  {{".u64", 8}, {".u64", 8}, {".f32", 4}},
		"struct for ptr":  {{".b8", 8}, {".s32", 4}, {".f32", 4}},
		"one extra param": append(append([]ptxParam(nil), good...), ptxParam{".u32", 4}),
	} {
		if err := checkSignature(k, ptxEntry{ps, 128}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
