package cuda

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The install folders are searched for sonames only (not libcublas.so.13.0.2), newest
// major version first, after the names on the loader's path; PyTorch's CUDA 13 wheel
// layout (nvidia/cu13/lib) is among them.
func TestCublasCandidatesInstallFolders(t *testing.T) {
	root := t.TempDir()
	wheel13 := filepath.Join(root, "usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublas.so.13")
	wheel12 := filepath.Join(root, "usr/local/lib/python3.12/dist-packages/nvidia/cublas/lib/libcublas.so.12")
	toolkit := filepath.Join(root, "usr/local/cuda-12.9/lib64/libcublas.so.12")
	for _, p := range []string{wheel13, wheel13 + ".1.0", wheel12, toolkit, filepath.Join(root, "usr/local/cuda-12.9/lib64/libcublas.so")} {
		touch(t, p)
	}
	env := map[string]string{}
	got := cublasCandidatesIn(root, func(k string) string { return env[k] }, "")
	if !slices.Equal(got[:3], cublasSonames) {
		t.Errorf("candidates start %v, want the sonames %v", got[:3], cublasSonames)
	}
	rest := got[3:]
	if len(rest) != 3 || rest[0] != wheel13 || !slices.Contains(rest[1:], wheel12) || !slices.Contains(rest[1:], toolkit) {
		t.Errorf("found %v, want %s first, then %s and %s", rest, wheel13, wheel12, toolkit)
	}
	if lt := cublasLtBeside(wheel13); lt != filepath.Join(filepath.Dir(wheel13), "libcublasLt.so.13") {
		t.Errorf("cublasLtBeside(%s) = %s", wheel13, lt)
	}
	if lt := cublasLtBeside("libcublas.so.13"); lt != "" {
		t.Errorf("cublasLtBeside(soname) = %q, want \"\"", lt)
	}
}

// Unset or relative VIRTUAL_ENV and CONDA_PREFIX add no folder: a relative pattern
// would search the working directory.
func TestCublasCandidatesIgnoreRelativeEnvironment(t *testing.T) {
	cwd := t.TempDir()
	touch(t, filepath.Join(cwd, "lib/libcublas.so.13"))
	touch(t, filepath.Join(cwd, "lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13"))
	t.Chdir(cwd)
	for _, env := range []map[string]string{{}, {"VIRTUAL_ENV": ".", "CONDA_PREFIX": "."}} {
		got := cublasCandidatesIn(t.TempDir(), func(k string) string { return env[k] }, "")
		for _, c := range got {
			if strings.Contains(c, "/") && !filepath.IsAbs(c) {
				t.Errorf("env %v: relative candidate %q", env, c)
			}
		}
		if len(got) != len(cublasSonames) {
			t.Errorf("env %v: candidates %v, want only the sonames", env, got)
		}
	}
	venv := t.TempDir()
	lib := filepath.Join(venv, "lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.12")
	touch(t, lib)
	got := cublasCandidatesIn(t.TempDir(), func(k string) string { return map[string]string{"VIRTUAL_ENV": venv}[k] }, "")
	if !slices.Contains(got, lib) {
		t.Errorf("VIRTUAL_ENV=%s: candidates %v lack %s", venv, got, lib)
	}
}

// LTSBENCH_CUBLAS names a library (tried alone, even if it does not exist, so that the
// error names it) or a folder (its sonames, newest first).
func TestCublasCandidatesFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "libcublas.so.12"))
	touch(t, filepath.Join(dir, "libcublas.so.13"))
	get := func(v string) []string {
		return cublasCandidatesIn(t.TempDir(), func(k string) string {
			if k == "LTSBENCH_CUBLAS" {
				return v
			}
			return ""
		}, "")
	}
	if got := get(dir); !slices.Equal(got, []string{filepath.Join(dir, "libcublas.so.13"), filepath.Join(dir, "libcublas.so.12")}) {
		t.Errorf("LTSBENCH_CUBLAS=%s: %v", dir, got)
	}
	if got := get("/nowhere/libcublas.so.13"); !slices.Equal(got, []string{"/nowhere/libcublas.so.13"}) {
		t.Errorf("LTSBENCH_CUBLAS=/nowhere/libcublas.so.13: %v", got)
	}
}

// The layouts of a PyTorch install in a virtual environment are searched: /opt/NAME/.venv
// under the root, and the environment of a python3 on PATH, found through its PATH entry
// even though bin/python3 is a link to a python3 elsewhere (whose realpath's
// site-packages hold no nvidia wheels).
func TestCublasCandidatesVirtualEnvironments(t *testing.T) {
	root := t.TempDir()
	optVenv := filepath.Join(root, "opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13")
	touch(t, optVenv)

	venv := t.TempDir()
	pathLib := filepath.Join(venv, "lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.12")
	touch(t, pathLib)
	sys := t.TempDir()
	touch(t, filepath.Join(sys, "bin/python3"))
	if err := os.MkdirAll(filepath.Join(venv, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(sys, "bin/python3"), filepath.Join(venv, "bin/python3")); err != nil {
		t.Fatal(err)
	}
	noPython := t.TempDir() // a PATH entry without python3 adds nothing
	touch(t, filepath.Join(noPython, "lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.11"))
	if err := os.MkdirAll(filepath.Join(noPython, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}

	env := map[string]string{"PATH": strings.Join([]string{filepath.Join(noPython, "bin"), "relative/bin", filepath.Join(venv, "bin")}, ":")}
	got := cublasCandidatesIn(root, func(k string) string { return env[k] }, "")
	want := append(slices.Clone(cublasSonames), optVenv, pathLib)
	if !slices.Equal(got, want) {
		t.Errorf("candidates\n%v\nwant\n%v", got, want)
	}
	pats := cublasSearchPatterns(root, func(k string) string { return env[k] }, "")
	if !slices.Contains(pats, filepath.Join(venv, "lib/python3*/site-packages/nvidia/*/lib")) {
		t.Errorf("patterns %v lack the PATH entry's environment", pats)
	}
}

// cuBLAS majors newer than the driver's CUDA are skipped (cuBLAS 13 on a CUDA 12.8
// driver cannot create a handle); unversioned names and an unknown driver keep all.
func TestCublasForDriver(t *testing.T) {
	cands := []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11",
		"/opt/t/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublas.so.13", "/x/libcublas.so"}
	for _, c := range []struct {
		driver       int
		use, skipped []string
	}{
		{13000, cands, nil},
		{12080, []string{"libcublas.so.12", "libcublas.so.11", "/x/libcublas.so"}, []string{"libcublas.so.13", cands[3]}},
		{11080, []string{"libcublas.so.11", "/x/libcublas.so"}, []string{"libcublas.so.13", "libcublas.so.12", cands[3]}},
		{0, cands, nil},
	} {
		use, skipped := cublasForDriver(cands, c.driver)
		if !slices.Equal(use, c.use) || !slices.Equal(skipped, c.skipped) {
			t.Errorf("driver %d: use %v skipped %v, want %v and %v", c.driver, use, skipped, c.use, c.skipped)
		}
	}
}

// A cuBLAS that loads but cannot create a handle gives way to the next; the error of
// none names each library, why, and the driver's CUDA version.
func TestTryCublasFallsThrough(t *testing.T) {
	cands := []string{"libcublas.so.13", "libcublas.so.12", "/v/libcublas.so.12", "libcublas.so.11"}
	var created []string
	lib, err := tryCublas(cands, 13000, func(c string) string {
		if c == "libcublas.so.12" {
			return c + ": cannot open shared object file"
		}
		return ""
	}, func(c string) error {
		created = append(created, c)
		if c == "libcublas.so.13" {
			return errors.New("cublasCreate: CUBLAS_STATUS_NOT_INITIALIZED")
		}
		return nil
	})
	if err != nil || lib != "/v/libcublas.so.12" || !slices.Equal(created, []string{"libcublas.so.13", "/v/libcublas.so.12"}) {
		t.Errorf("got %q, %v after creating %v; want /v/libcublas.so.12", lib, err, created)
	}
	_, err = tryCublas(cands, 12020, func(c string) string { return "" }, func(c string) error { return errors.New("no") })
	msg := fmt.Sprint(err)
	for _, want := range []string{"driver's CUDA 12.2", "libcublas.so.13: newer than the driver's CUDA 12.2", "/v/libcublas.so.12: no", "libcublas.so.11: no"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}
