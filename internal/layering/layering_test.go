package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/ltsbench/ltsbench"

// layers is the order of the module's packages, lowest first. The rule: a package may
// import only packages in lower layers (never one in its own layer or above). A
// pattern "p/..." is p and every package under it; a more specific pattern wins.
//
//  0. the leaf helpers: files written atomically, input files, progress lines,
//     statistics, snapshot files, the machine's description (sysinfo), the kernels'
//     source hash
//  1. internal/..., kernels/...: the other helpers (safetensors) and the CUDA kernel
//     sources with their emulator, which know nothing of models or devices
//  2. space: the architectures (arch)
//  3. model: the decoder graph, its build and its memory plan
//  4. backend: the Backend interface, the device kinds' registry, the optional
//     interfaces and the preconditions every backend checks
//  5. backend/cpu/kern, internal/golden: the CPU kernels, the golden bundles' tensors
//  6. backend/backendtest: the conformance suite
//  7. backend/...: the backends, backend/cpu and backend/cuda and any new one
//     (siblings: none imports another)
//  8. bench: one measurement on one backend
//  9. results: the records of a search, its Pareto front and the reports
//  10. fleet: measurement jobs spread over many devices
//  11. search, proxy: the search that measures and records; the proxy study
//  12. cmd/...: the command line, which wires everything together
var layers = [][]string{
	{"internal/atomicfile", "internal/inputfile", "internal/progress", "internal/stats", "internal/snapshot", "internal/sysinfo", "kernels/internal/srchash"},
	{"internal/...", "kernels/..."},
	{"space"},
	{"model"},
	{"backend"},
	{"backend/cpu/kern", "internal/golden"},
	{"backend/backendtest"},
	{"backend/..."},
	{"bench"},
	{"results"},
	{"fleet"},
	{"search", "proxy"},
	{"cmd/..."},
}

// layerOf returns the layer of a package path relative to the module, -1 if no
// pattern matches. The longest matching pattern wins; of two as long ("backend" and
// "backend/..." for backend), the lower layer.
func layerOf(pkg string) int {
	best, bestLen := -1, -1
	for i, l := range layers {
		for _, pat := range l {
			base, tree := strings.CutSuffix(pat, "/...")
			if pkg == base || tree && strings.HasPrefix(pkg, base+"/") {
				if len(base) > bestLen {
					best, bestLen = i, len(base)
				}
			}
		}
	}
	return best
}

// TestLayers reads the imports of every Go file of the module (all build tags; test
// files of an external test package, package x_test, are exempt: they may use the
// packages above them to drive the one they test) and fails on an import of a package
// in the same or a higher layer, and on a package with no layer.
func TestLayers(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.Contains(string(b), "module "+module+"\n") {
		t.Fatalf("%s is not the module root (%v)", root, err)
	}
	fset := token.NewFileSet()
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		if strings.HasSuffix(f.Name.Name, "_test") {
			return nil
		}
		from := layerOf(pkg)
		if from < 0 {
			t.Errorf("package %s has no layer: add it to layers in this test", pkg)
			return nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			dep, ok := strings.CutPrefix(p, module+"/")
			if !ok {
				continue
			}
			if to := layerOf(dep); to >= from {
				name, _ := filepath.Rel(root, path)
				t.Errorf("%s imports %s: layer %d (%s) may import only lower layers, %s is layer %d", name, dep, from, pkg, dep, to)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read %d Go files: not the whole module", files)
	}
}

// TestLayerOf checks the pattern matching the rule rests on.
func TestLayerOf(t *testing.T) {
	for pkg, want := range map[string]int{
		"internal/sysinfo": 0, "kernels/internal/srchash": 0, "internal/safetensors": 1, "kernels": 1,
		"kernels/emu": 1, "space": 2, "model": 3, "backend": 4, "backend/cpu/kern": 5, "internal/golden": 5,
		"backend/backendtest": 6, "backend/cpu": 7, "backend/cuda": 7, "backend/rocm": 7, "bench": 8,
		"results": 9, "fleet": 10, "search": 11, "proxy": 11, "cmd/ltsbench": 12,
		"spaces": -1, "backendx": -1, "worker": -1,
	} {
		if got := layerOf(pkg); got != want {
			t.Errorf("layerOf(%q) = %d, want %d", pkg, got, want)
		}
	}
}

// TestArchitectureDoc checks that docs/ARCHITECTURE.md lists the layers this test
// enforces: the "layer N" lines of its block, in order, with the same patterns.
func TestArchitectureDoc(t *testing.T) {
	b, err := os.ReadFile("../../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	var doc [][]string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "layer" {
			continue
		}
		if n, err := strconv.Atoi(f[1]); err != nil || n != len(doc) {
			t.Fatalf("docs/ARCHITECTURE.md: %q: want layer %d", strings.TrimSpace(line), len(doc))
		}
		doc = append(doc, f[2:])
	}
	if len(doc) != len(layers) {
		t.Fatalf("docs/ARCHITECTURE.md lists %d layers, the test enforces %d", len(doc), len(layers))
	}
	for i := range layers {
		if strings.Join(doc[i], " ") != strings.Join(layers[i], " ") {
			t.Errorf("layer %d: docs/ARCHITECTURE.md says %v, the test enforces %v", i, doc[i], layers[i])
		}
	}
}
