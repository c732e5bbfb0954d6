package cuda

import (
	"fmt"
	"strconv"
	"strings"
)

// ptxEntry is one kernel of a PTX module.
type ptxEntry struct {
	Params  []ptxParam
	MaxNTID int // .maxntid x (the __launch_bounds__), 0 if none
}

// ptxParam is one parameter of a PTX kernel entry.
type ptxParam struct {
	Type string // ".u64", ".u32", ".f32", ".b8", ...
	Size int    // bytes
}

// parsePTXEntries lists the kernel entries of a PTX module with their parameters, in
// order, from the text the driver will JIT-compile:
//
//	.visible .entry NAME(
//		.param .u64 NAME_param_0,
//		.param .u64 .ptr .global .align 4 NAME_param_1,
//		.param .align 4 .b8 NAME_param_2[12]
//	)
func parsePTXEntries(ptx string) (map[string]ptxEntry, error) {
	entries := map[string]ptxEntry{}
	rest := ptx
	for {
		i := strings.Index(rest, ".entry ")
		if i < 0 {
			return entries, nil
		}
		rest = rest[i+len(".entry "):]
		open := strings.IndexByte(rest, '(')
		if open < 0 {
			return nil, fmt.Errorf("ptx: .entry without a parameter list")
		}
		name := strings.TrimSpace(rest[:open])
		closeAt := strings.IndexByte(rest, ')')
		if closeAt < open {
			return nil, fmt.Errorf("ptx: entry %s: unterminated parameter list", name)
		}
		var ps []ptxParam
		for _, decl := range strings.Split(rest[open+1:closeAt], ",") {
			decl = strings.TrimSpace(decl)
			if decl == "" {
				continue
			}
			p, err := parsePTXParam(decl)
			if err != nil {
				return nil, fmt.Errorf("ptx: entry %s: %w", name, err)
			}
			ps = append(ps, p)
		}
		if _, dup := entries[name]; dup {
			return nil, fmt.Errorf("ptx: entry %s defined twice", name)
		}
		rest = rest[closeAt+1:]
		e := ptxEntry{Params: ps}
		// Performance directives sit between the parameter list and the body.
		if body := strings.IndexByte(rest, '{'); body >= 0 {
			for _, line := range strings.Split(rest[:body], "\n") {
				f := strings.Fields(strings.ReplaceAll(line, ",", " "))
				if len(f) >= 2 && f[0] == ".maxntid" {
					n, err := strconv.Atoi(f[1])
					if err != nil {
						return nil, fmt.Errorf("ptx: entry %s: bad .maxntid %q", name, line)
					}
					e.MaxNTID = n
				}
			}
		}
		entries[name] = e
	}
}

var ptxScalarSizes = map[string]int{
	".u8": 1, ".s8": 1, ".b8": 1, ".u16": 2, ".s16": 2, ".b16": 2, ".f16": 2,
	".u32": 4, ".s32": 4, ".b32": 4, ".f32": 4, ".u64": 8, ".s64": 8, ".b64": 8, ".f64": 8,
}

func parsePTXParam(decl string) (ptxParam, error) {
	f := strings.Fields(decl)
	if len(f) < 3 || f[0] != ".param" {
		return ptxParam{}, fmt.Errorf("parameter %q is not a .param", decl)
	}
	var typ string
	for i := 1; i < len(f)-1; i++ {
		switch {
		case f[i] == ".align" || f[i] == ".ptr":
			if f[i] == ".align" {
				i++
			}
		case f[i] == ".global" || f[i] == ".const" || f[i] == ".local" || f[i] == ".shared":
		case ptxScalarSizes[f[i]] > 0 && typ == "":
			typ = f[i]
		}
	}
	size, ok := ptxScalarSizes[typ]
	if !ok {
		return ptxParam{}, fmt.Errorf("parameter %q has no type", decl)
	}
	name := f[len(f)-1]
	if lb := strings.IndexByte(name, '['); lb >= 0 && strings.HasSuffix(name, "]") {
		n, err := strconv.Atoi(name[lb+1 : len(name)-1])
		if err != nil || n <= 0 {
			return ptxParam{}, fmt.Errorf("parameter %q has a bad array length", decl)
		}
		size *= n
	}
	return ptxParam{Type: typ, Size: size}, nil
}

// checkSignature reports how the PTX entry of a kernel differs from what the Go side
// marshals and launches: nil when every parameter has the size and class of its
// argKind and the entry's .maxntid is the table's MaxThreads.
func checkSignature(k *kernelSig, e ptxEntry) error {
	if e.MaxNTID != k.MaxThreads {
		return fmt.Errorf("kernel %s: the PTX bounds blocks to %d threads (.maxntid), the executor to %d", k.Name, e.MaxNTID, k.MaxThreads)
	}
	ps := e.Params
	if len(ps) != len(k.Params) {
		return fmt.Errorf("kernel %s: the PTX entry has %d parameters, the executor passes %d", k.Name, len(ps), len(k.Params))
	}
	for i, want := range k.Params {
		p := ps[i]
		ok := false
		switch want {
		case argPtr:
			ok = p.Size == 8 && (p.Type == ".u64" || p.Type == ".b64" || p.Type == ".s64")
		case argI32:
			ok = p.Size == 4 && (p.Type == ".u32" || p.Type == ".s32" || p.Type == ".b32")
		case argF32:
			ok = p.Size == 4 && p.Type == ".f32"
		}
		if !ok {
			return fmt.Errorf("kernel %s parameter %d: the PTX declares %s (%d bytes), the executor passes a %s (%d bytes)",
				k.Name, i, p.Type, p.Size, want, want.size())
		}
	}
	return nil
}
