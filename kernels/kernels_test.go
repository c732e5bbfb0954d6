package kernels

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/kernels/internal/srchash"
)

// Every .cu file has a PTX module and every module was made from the sources as they
// are now (the hash the generator recorded), so a kernel edit without `make kernels`
// fails here even where NVRTC is not installed.
func TestPTXIsUpToDate(t *testing.T) {
	headers := map[string]string{}
	cus := map[string]string{}
	err := fs.WalkDir(Sources(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Sources(), p)
		if err != nil {
			return err
		}
		switch path.Ext(p) {
		case ".cuh":
			headers[p] = string(b)
		case ".cu":
			cus[p] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mods := Modules()
	if len(mods) != len(cus) {
		t.Errorf("%d PTX modules %v for %d .cu files", len(mods), mods, len(cus))
	}
	hashLine := regexp.MustCompile(`(?m)^// sources sha256 ([0-9a-f]{64})$`)
	for name, text := range cus {
		mod := strings.TrimSuffix(name, ".cu")
		ptx, err := PTX(mod)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		m := hashLine.FindStringSubmatch(ptx)
		if m == nil {
			t.Errorf("ptx/%s.ptx records no source hash", mod)
			continue
		}
		if want := srchash.Hash(name, text, headers); m[1] != want {
			t.Errorf("ptx/%s.ptx is stale: made from sources with hash %s, they hash to %s now (run make kernels)", mod, m[1][:12], want[:12])
		}
		for _, line := range []string{".target sm_80", ".address_size 64"} {
			if !strings.Contains(ptx, "\n"+line+"\n") {
				t.Errorf("ptx/%s.ptx lacks %q", mod, line)
			}
		}
	}
}

func TestSourceHashDependsOnEveryInput(t *testing.T) {
	h := map[string]string{"common.cuh": "a", "x.cuh": "b"}
	base := srchash.Hash("k.cu", "text", h)
	for name, got := range map[string]string{
		"cu text":     srchash.Hash("k.cu", "text2", h),
		"cu name":     srchash.Hash("j.cu", "text", h),
		"header text": srchash.Hash("k.cu", "text", map[string]string{"common.cuh": "a", "x.cuh": "c"}),
		"header set":  srchash.Hash("k.cu", "text", map[string]string{"common.cuh": "a"}),
	} {
		if got == base {
			t.Errorf("changing the %s leaves the hash unchanged", name)
		}
	}
}

func TestPTXUnknownModule(t *testing.T) {
	if _, err := PTX("nope"); err == nil {
		t.Error("PTX of an unknown module succeeded")
	}
}
