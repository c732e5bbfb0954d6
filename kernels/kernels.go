// Package kernels holds the CUDA C kernels of the CUDA backend (one op a .cu file,
// shared helpers in common.cuh), the PTX made from them for compute_80 by NVRTC
// (ptx/*.ptx, committed; regenerate with scripts/gen-kernels.sh, CI fails on a diff)
// and both embedded in the binary. The backend JIT-loads the PTX through the driver;
// the tests compile the sources for the CPU emulator (package kernels/emu).
package kernels

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed ptx/*.ptx
var ptxFiles embed.FS

//go:embed *.cu *.cuh
var sourceFiles embed.FS

// Modules lists the PTX modules by name (the .cu file's name without extension).
func Modules() []string {
	ents, _ := fs.ReadDir(ptxFiles, "ptx")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".ptx"))
	}
	sort.Strings(names)
	return names
}

// PTX returns the PTX text of a module.
func PTX(module string) (string, error) {
	b, err := ptxFiles.ReadFile(path.Join("ptx", module+".ptx"))
	if err != nil {
		return "", fmt.Errorf("kernels: no PTX module %q", module)
	}
	return string(b), nil
}

// Sources returns the CUDA C sources (*.cu, *.cuh) the PTX was made from.
func Sources() fs.FS { return sourceFiles }
