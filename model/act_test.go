package model_test

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/ltsbench/ltsbench/backend/cpu/kern"
	"github.com/ltsbench/ltsbench/model"
)

// TestActMapping checks the activation integers that model.MatMul hands to the backends
// unconverted: kern.Act (the CPU epilogue) must have the same values, and the CUDA
// epilogue kernels/bias_act.cu must apply gelu_new for ActGELU and max(x, 0) for ActReLU,
// as its code and its documented argument say.
func TestActMapping(t *testing.T) {
	for _, c := range []struct {
		model model.Act
		kern  kern.Act
	}{{model.ActNone, kern.ActNone}, {model.ActGELU, kern.ActGELU}, {model.ActReLU, kern.ActReLU}} {
		if uint8(c.model) != uint8(c.kern) {
			t.Errorf("model.Act %s is %d, kern's is %d", c.model, c.model, c.kern)
		}
	}

	src, err := os.ReadFile("../kernels/bias_act.cu")
	if err != nil {
		t.Fatal(err)
	}
	value := func(re string) int {
		t.Helper()
		m := regexp.MustCompile(re).FindSubmatch(src)
		if m == nil {
			t.Fatalf("bias_act.cu: no match for %s", re)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	code := map[model.Act]int{
		model.ActGELU: value(`act == (\d+)\)\s*\{\s*x = gelu_new\(x\);`),
		model.ActReLU: value(`act == (\d+)\)\s*\{\s*x = fmaxf\(x, 0\.0f\);`),
	}
	doc := map[model.Act]int{
		model.ActNone: value(`act: (\d+) none`),
		model.ActGELU: value(`act: \d+ none, (\d+) gelu_new`),
		model.ActReLU: value(`act: \d+ none, \d+ gelu_new[^,]*, (\d+) relu`),
	}
	for a, n := range code {
		if int(a) != n {
			t.Errorf("bias_act.cu applies %s for act == %d, model.Act%s is %d", a, n, a, a)
		}
	}
	for a, n := range doc {
		if int(a) != n {
			t.Errorf("bias_act.cu documents act %d as %s, model.Act%s is %d", n, a, a, a)
		}
	}
}
