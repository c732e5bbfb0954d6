//go:build cgo && linux

package main

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

// NVRTC's API, declared here so that no CUDA header is needed to build.
typedef int nvrtcResult;
typedef void* nvrtcProgram;

typedef nvrtcResult (*pVersion)(int*, int*);
typedef nvrtcResult (*pCreate)(nvrtcProgram*, const char*, const char*, int, const char* const*, const char* const*);
typedef nvrtcResult (*pCompile)(nvrtcProgram, int, const char* const*);
typedef nvrtcResult (*pSize)(nvrtcProgram, size_t*);
typedef nvrtcResult (*pGet)(nvrtcProgram, char*);
typedef nvrtcResult (*pDestroy)(nvrtcProgram*);
typedef const char* (*pErr)(nvrtcResult);

typedef struct {
	pVersion version;
	pCreate create;
	pCompile compile;
	pSize ptxSize;
	pGet ptx;
	pSize logSize;
	pGet log;
	pDestroy destroy;
	pErr errstr;
} nvrtc;

static nvrtc N;

static const char* nvrtc_load(const char* path) {
	void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) return dlerror();
	N.version = (pVersion)dlsym(h, "nvrtcVersion");
	N.create = (pCreate)dlsym(h, "nvrtcCreateProgram");
	N.compile = (pCompile)dlsym(h, "nvrtcCompileProgram");
	N.ptxSize = (pSize)dlsym(h, "nvrtcGetPTXSize");
	N.ptx = (pGet)dlsym(h, "nvrtcGetPTX");
	N.logSize = (pSize)dlsym(h, "nvrtcGetProgramLogSize");
	N.log = (pGet)dlsym(h, "nvrtcGetProgramLog");
	N.destroy = (pDestroy)dlsym(h, "nvrtcDestroyProgram");
	N.errstr = (pErr)dlsym(h, "nvrtcGetErrorString");
	if (!N.version || !N.create || !N.compile || !N.ptxSize || !N.ptx || !N.logSize || !N.log || !N.destroy || !N.errstr)
		return "a required NVRTC function is missing";
	return NULL;
}

static int nvrtc_version(int* major, int* minor) { return N.version(major, minor); }
static const char* nvrtc_err(int r) { return N.errstr(r); }
static int nvrtc_create(nvrtcProgram* p, const char* src, const char* name, int nh, char** hs, char** names) {
	return N.create(p, src, name, nh, (const char* const*)hs, (const char* const*)names);
}
static int nvrtc_compile(nvrtcProgram p, int n, char** opts) { return N.compile(p, n, (const char* const*)opts); }
static int nvrtc_ptx_size(nvrtcProgram p, size_t* n) { return N.ptxSize(p, n); }
static int nvrtc_ptx(nvrtcProgram p, char* out) { return N.ptx(p, out); }
static int nvrtc_log_size(nvrtcProgram p, size_t* n) { return N.logSize(p, n); }
static int nvrtc_log(nvrtcProgram p, char* out) { return N.log(p, out); }
static int nvrtc_destroy(nvrtcProgram* p) { return N.destroy(p); }
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"
)

// libraries are tried in order: Debian's NVRTC 11.8 (package libnvrtc11.2) first, so
// the committed PTX is reproducible with the package CI installs.
var libraries = []string{"libnvrtc.so.11.2", "libnvrtc.so.12", "libnvrtc.so.13", "libnvrtc.so"}

type nvrtc struct{ version string }

func openNVRTC() (*nvrtc, error) {
	libs := libraries
	if p := os.Getenv("LTSBENCH_NVRTC"); p != "" {
		libs = []string{p}
	}
	var errs []string
	for _, lib := range libs {
		cs := C.CString(lib)
		msg := C.nvrtc_load(cs)
		C.free(unsafe.Pointer(cs))
		if msg == nil {
			var major, minor C.int
			C.nvrtc_version(&major, &minor)
			return &nvrtc{version: fmt.Sprintf("%d.%d", major, minor)}, nil
		}
		errs = append(errs, C.GoString(msg))
	}
	return nil, fmt.Errorf("NVRTC not found (%s); on Debian 12 install the non-free package libnvrtc11.2", strings.Join(errs, "; "))
}

// cstrings copies ss to C memory; free releases it.
type cstrings []*C.char

func newCStrings(ss []string) cstrings {
	cs := make(cstrings, len(ss))
	for i, s := range ss {
		cs[i] = C.CString(s)
	}
	return cs
}

// array returns the strings as a C char** (in C memory, so C may keep it while called).
func (cs cstrings) array() **C.char {
	if len(cs) == 0 {
		return nil
	}
	p := (**C.char)(C.malloc(C.size_t(len(cs)) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	copy(unsafe.Slice(p, len(cs)), cs)
	return p
}

func (cs cstrings) free() {
	for _, c := range cs {
		C.free(unsafe.Pointer(c))
	}
}

func (n *nvrtc) check(r C.int, what string) error {
	if r == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", what, C.GoString(C.nvrtc_err(r)))
}

func (n *nvrtc) compile(name, src string, headers []header, opts []string) (string, error) {
	var htexts, hnames []string
	for _, h := range headers {
		htexts, hnames = append(htexts, h.text), append(hnames, h.name)
	}
	csrc, cname := C.CString(src), C.CString(name)
	defer C.free(unsafe.Pointer(csrc))
	defer C.free(unsafe.Pointer(cname))
	ht, hn, co := newCStrings(htexts), newCStrings(hnames), newCStrings(opts)
	defer ht.free()
	defer hn.free()
	defer co.free()
	hta, hna, coa := ht.array(), hn.array(), co.array()
	defer C.free(unsafe.Pointer(hta))
	defer C.free(unsafe.Pointer(hna))
	defer C.free(unsafe.Pointer(coa))

	var prog C.nvrtcProgram
	if err := n.check(C.nvrtc_create(&prog, csrc, cname, C.int(len(headers)), hta, hna), "nvrtcCreateProgram"); err != nil {
		return "", err
	}
	defer C.nvrtc_destroy(&prog)
	if r := C.nvrtc_compile(prog, C.int(len(opts)), coa); r != 0 {
		return "", fmt.Errorf("%w\n%s", n.check(r, "nvrtcCompileProgram"), n.log(prog))
	}
	if l := strings.TrimSpace(n.log(prog)); l != "" {
		// Warnings are errors: the kernels must compile cleanly.
		return "", errors.New("NVRTC warnings:\n" + l)
	}
	var size C.size_t
	if err := n.check(C.nvrtc_ptx_size(prog, &size), "nvrtcGetPTXSize"); err != nil {
		return "", err
	}
	buf := (*C.char)(C.malloc(size))
	defer C.free(unsafe.Pointer(buf))
	if err := n.check(C.nvrtc_ptx(prog, buf), "nvrtcGetPTX"); err != nil {
		return "", err
	}
	return C.GoString(buf), nil
}

func (n *nvrtc) log(prog C.nvrtcProgram) string {
	var size C.size_t
	if C.nvrtc_log_size(prog, &size) != 0 || size <= 1 {
		return ""
	}
	buf := (*C.char)(C.malloc(size))
	defer C.free(unsafe.Pointer(buf))
	if C.nvrtc_log(prog, buf) != 0 {
		return ""
	}
	return C.GoString(buf)
}
