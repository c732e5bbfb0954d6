package kern

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMicroKernels holds every micro-kernel this CPU runs, called directly and through
// its raw entry, to the float64 product of its packed operands: odd and short kc (its
// unrolled loop and tail), C overwritten or accumulated, B packed (stride nr) or read in
// place (a longer stride), C with a padded leading dimension whose gaps stay untouched.
func TestMicroKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 0))
	for _, kr := range testKernels() {
		for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 31, 256, 257} {
			for _, bs := range []int{kr.nr, kr.nr + 5} {
				for _, acc := range []bool{false, true} {
					for _, raw := range []bool{false, true} {
						if raw && kr.raw == nil {
							continue
						}
						name := fmt.Sprintf("%s kc=%d bs=%d acc=%v raw=%v", kr.name, kc, bs, acc, raw)
						testMicro(t, rng, kr, kc, bs, acc, raw, name)
					}
				}
			}
		}
	}
}

func testMicro(t *testing.T, rng *rand.Rand, kr *gemmKernel, kc, bs int, acc, raw bool, name string) {
	t.Helper()
	mr, nr := kr.mr, kr.nr
	a := randSlice(rng, kc*mr, 1)
	b := matrix(rng, kc, nr, bs) // NaN between rows: a kernel that reads them fails
	ldc := nr + 3
	c := make([]float32, mr*ldc)
	c0 := make([]float32, len(c))
	for i := range c {
		if i%ldc < nr {
			c[i] = float32(rng.NormFloat64())
		} else {
			c[i] = float32(math.NaN())
		}
	}
	copy(c0, c)
	if raw {
		kr.raw(kc, &a[0], &b[0], 4*bs, &c[0], 4*ldc, acc)
	} else {
		kr.micro(kc, a, b, bs, c, ldc, acc)
	}
	for r := range mr {
		for q := range ldc {
			got := c[r*ldc+q]
			if q >= nr {
				if !math.IsNaN(float64(got)) {
					t.Fatalf("%s: wrote C[%d,%d] past the tile", name, r, q)
				}
				continue
			}
			var want, scale float64
			for l := range kc {
				p := float64(a[l*mr+r]) * float64(b[l*bs+q])
				want += p
				scale += math.Abs(p)
			}
			if acc {
				want += float64(c0[r*ldc+q])
				scale += math.Abs(float64(c0[r*ldc+q]))
			}
			if tol := 1.2 / (1 << 23) * float64(2*kc+4) * scale; !(math.Abs(float64(got)-want) <= tol+1e-30) {
				t.Fatalf("%s: C[%d,%d] = %g, want %g (tol %.2g)", name, r, q, got, want, tol)
			}
		}
	}
}

// TestChooseKernel: an empty choice is the fastest kernel, each kernel's id picks it,
// and an unknown id is a one-line error naming the variable and the choices.
func TestChooseKernel(t *testing.T) {
	asm := asmKernels()
	kr, err := chooseKernel("", asm)
	if err != nil || (len(asm) > 0 && kr != asm[0]) || (len(asm) == 0 && kr != &genericKernel) {
		t.Fatalf(`chooseKernel("") = %v, %v; want the fastest`, kr, err)
	}
	for _, want := range testKernels() {
		if got, err := chooseKernel(want.id, asm); err != nil || got != want {
			t.Errorf("chooseKernel(%q) = %v, %v; want %s", want.id, got, err, want.name)
		}
	}
	_, err = chooseKernel("avx1024", asm)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), KernelEnv) || !strings.Contains(err.Error(), "generic") {
		t.Errorf(`chooseKernel("avx1024") error = %v; want one line naming %s and the choices`, err, KernelEnv)
	}
	if KernelName() != activeKernel.name {
		t.Errorf("KernelName() = %q, active kernel %q", KernelName(), activeKernel.name)
	}
}

// TestKernelEnv runs this test binary again with KernelEnv set: each kernel's id makes
// it the active one (the child reports KernelName), and an unknown one stops the
// program at start with status 2 and one line on stderr.
func TestKernelEnv(t *testing.T) {
	if os.Getenv("KERN_TEST_CHILD") != "" {
		fmt.Printf("kernel=%s\n", KernelName())
		return
	}
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	child := func(id string) (string, string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKernelEnv$", "-test.count=1")
		cmd.Env = append(os.Environ(), KernelEnv+"="+id, "KERN_TEST_CHILD=1")
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	for _, kr := range testKernels() {
		out, _, err := child(kr.id)
		if err != nil || !strings.Contains(out, "kernel="+kr.name+"\n") {
			t.Errorf("%s=%s: %v, output %q; want kernel=%s", KernelEnv, kr.id, err, out, kr.name)
		}
	}
	_, stderr, err := child("avx1024")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, KernelEnv) {
		t.Errorf("%s=avx1024: %v, stderr %q; want exit status 2 and one line", KernelEnv, err, stderr)
	}
}
