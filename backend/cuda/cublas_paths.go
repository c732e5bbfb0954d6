package cuda

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// cublasSonames are the cuBLAS libraries looked up on the loader's path, newest first.
var cublasSonames = []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"}

// cublasDirs are the folders (glob patterns) where CUDA toolkits, conda and the
// nvidia-cublas wheels PyTorch installs put cuBLAS: the CUDA 12 wheels use
// nvidia/cublas/lib, the CUDA 13 ones nvidia/cu13/lib.
var cublasDirs = []string{
	"/usr/local/cuda/lib64", "/usr/local/cuda/targets/*/lib", "/usr/local/cuda-*/lib64",
	"/usr/local/cuda-*/targets/*/lib",
	"/opt/conda/lib", "/opt/conda/lib/python3*/site-packages/nvidia/*/lib",
	"/usr/local/lib/python3*/dist-packages/nvidia/*/lib", "/usr/local/lib/python3*/site-packages/nvidia/*/lib",
	"/usr/lib/python3/dist-packages/nvidia/*/lib", "/usr/lib/python3*/site-packages/nvidia/*/lib",
	"/opt/*/lib/python3*/site-packages/nvidia/*/lib", "/venv/lib/python3*/site-packages/nvidia/*/lib",
	// Virtual environments of PyTorch installs under /opt (/opt/NAME/.venv, /opt/NAME/venv).
	"/opt/*/.venv/lib/python3*/site-packages/nvidia/*/lib", "/opt/*/venv/lib/python3*/site-packages/nvidia/*/lib",
}

// cublasCandidates lists the cuBLAS libraries to try, best first: LTSBENCH_CUBLAS (a
// library, or a folder holding libcublas.so.N), else the sonames of CUDA 13, 12 and 11
// on the loader's path, then every libcublas.so.N in the usual install folders, newest
// major version first.
func cublasCandidates() []string {
	home, _ := os.UserHomeDir()
	return cublasCandidatesIn("/", os.Getenv, home)
}

// cublasCandidatesIn is cublasCandidates with the install folders under root and the
// environment from getenv (for tests). Folders from environment variables count only
// when the variable holds an absolute path: an unset VIRTUAL_ENV must not turn into a
// search of the working directory.
func cublasCandidatesIn(root string, getenv func(string) string, home string) []string {
	if p := getenv("LTSBENCH_CUBLAS"); p != "" {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			if libs := cublasIn([]string{p}); len(libs) > 0 {
				return libs
			}
		}
		return []string{p}
	}
	var expanded []string
	for _, pat := range cublasSearchPatterns(root, getenv, home) {
		ds, _ := filepath.Glob(pat)
		expanded = append(expanded, ds...)
	}
	return append(slices.Clone(cublasSonames), cublasIn(expanded)...)
}

// CublasSearch reports where the loader looks for cuBLAS (the folder patterns, after the
// sonames on the loader's path) and the libraries it would try, best first (for
// `ltsbench devices`).
func CublasSearch() (patterns, candidates []string) {
	home, _ := os.UserHomeDir()
	if p := os.Getenv("LTSBENCH_CUBLAS"); p != "" {
		return []string{"LTSBENCH_CUBLAS=" + p}, cublasCandidates()
	}
	return cublasSearchPatterns("/", os.Getenv, home), cublasCandidates()
}

// cublasSearchPatterns lists the folder patterns searched under root: the usual install
// folders, the user's site-packages, $VIRTUAL_ENV and $CONDA_PREFIX, and the
// site-packages of each python3 on $PATH, found through its PATH entry and not its real
// path (a virtual environment's bin/python3 is a link to the system's python3, whose
// site-packages lack the environment's nvidia wheels).
func cublasSearchPatterns(root string, getenv func(string) string, home string) []string {
	var dirs []string
	for _, pat := range cublasDirs {
		dirs = append(dirs, filepath.Join(root, pat))
	}
	const wheels = "lib/python3*/site-packages/nvidia/*/lib"
	for _, d := range []struct{ base, sub string }{
		{home, ".local/" + wheels},
		{getenv("VIRTUAL_ENV"), wheels},
		{getenv("CONDA_PREFIX"), "lib"},
		{getenv("CONDA_PREFIX"), wheels},
	} {
		if filepath.IsAbs(d.base) {
			dirs = append(dirs, filepath.Join(d.base, d.sub))
		}
	}
	for _, bin := range filepath.SplitList(getenv("PATH")) {
		if !filepath.IsAbs(bin) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(bin, "python3")); err != nil {
			continue
		}
		if p := filepath.Join(filepath.Dir(bin), wheels); !slices.Contains(dirs, p) {
			dirs = append(dirs, p)
		}
	}
	return dirs
}

// cublasIn lists the libcublas.so.N (N a number: the soname, not libcublas.so.13.0.2)
// in the folders, each once, newest major version first.
func cublasIn(dirs []string) []string {
	type lib struct {
		path  string
		major int
	}
	var found []lib
	seen := map[string]bool{}
	for _, d := range dirs {
		paths, _ := filepath.Glob(filepath.Join(d, "libcublas.so.*"))
		for _, p := range paths {
			major, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "libcublas.so."))
			if err != nil || seen[p] {
				continue
			}
			seen[p] = true
			found = append(found, lib{p, major})
		}
	}
	slices.SortStableFunc(found, func(a, b lib) int { return b.major - a.major })
	out := make([]string, len(found))
	for i, l := range found {
		out[i] = l.path
	}
	return out
}

// cublasLtBeside is the libcublasLt that a cuBLAS given by full path needs, in the same
// folder (libcublas.so.13 → libcublasLt.so.13); "" for a bare soname, which the loader
// resolves together with its dependency.
func cublasLtBeside(lib string) string {
	if !strings.Contains(lib, "/") {
		return ""
	}
	return filepath.Join(filepath.Dir(lib), strings.Replace(filepath.Base(lib), "libcublas.", "libcublasLt.", 1))
}

// cublasForDriver splits the candidates into those to try and those skipped because
// their major version (libcublas.so.N) is newer than the CUDA version the driver
// supports (cuDriverGetVersion: 12080 is CUDA 12.8): cuBLAS 13 needs a CUDA 13 driver.
// A candidate with no version in its name (LTSBENCH_CUBLAS=/path/libcublas.so) is
// tried; so is everything when the driver's version is unknown (0).
func cublasForDriver(cands []string, driverVersion int) (use, skipped []string) {
	for _, c := range cands {
		major, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(c), "libcublas.so."))
		if err == nil && driverVersion > 0 && major > driverVersion/1000 {
			skipped = append(skipped, c)
			continue
		}
		use = append(use, c)
	}
	return use, skipped
}

// tryCublas is loadCublas over given candidates: load returns "" when a library loaded
// (else why not), create makes its handle; the first library that does both wins.
func tryCublas(cands []string, driverVersion int, load func(lib string) string, create func(lib string) error) (string, error) {
	use, skipped := cublasForDriver(cands, driverVersion)
	var tried []string
	for _, c := range skipped {
		tried = append(tried, c+": newer than the driver's CUDA "+cudaVersion(driverVersion))
	}
	for _, c := range use {
		if msg := load(c); msg != "" {
			tried = append(tried, msg)
			continue
		}
		if err := create(c); err != nil {
			tried = append(tried, c+": "+err.Error())
			continue
		}
		return c, nil
	}
	return "", fmt.Errorf("no usable cuBLAS for the driver's CUDA %s (tried %s); set LTSBENCH_CUBLAS to libcublas.so.13, .12 or .11 (a path) or to its folder",
		cudaVersion(driverVersion), strings.Join(tried, "; "))
}

// cudaVersion spells a cuDriverGetVersion number (12080 → "12.8"; 0 → "unknown").
func cudaVersion(v int) string {
	if v <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}
