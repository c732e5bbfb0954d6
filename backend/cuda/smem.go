package cuda

import "fmt"

// smemNeed is the most dynamic shared memory any launch of one kernel uses, and the
// step that uses it (for errors).
type smemNeed struct {
	bytes int
	label string
}

// smemOptIns lists the kernels that some step launches with more than
// defaultDynamicSmem bytes of dynamic shared memory, each with its largest launch:
// before such a launch (and before a capture that records it) the kernel's limit must
// be raised with cuFuncSetAttribute.
func smemOptIns(graphs [][]step) map[*kernelSig]smemNeed {
	need := map[*kernelSig]smemNeed{}
	for _, steps := range graphs {
		for _, s := range steps {
			l := s.launch
			if l == nil || int(l.smem) <= defaultDynamicSmem || int(l.smem) <= need[l.k].bytes {
				continue
			}
			need[l.k] = smemNeed{int(l.smem), l.label}
		}
	}
	return need
}

// checkSmemOptIn reports a launch that needs more dynamic shared memory than the
// device grants a block (limit: CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN;
// 0 when the driver did not say, and then the driver's own check decides).
func checkSmemOptIn(k *kernelSig, n smemNeed, limit int) error {
	if limit > 0 && n.bytes > limit {
		return fmt.Errorf("%s: %s needs %d bytes of shared memory per block, this GPU grants at most %d (fewer columns per head would fit)",
			n.label, k.Name, n.bytes, limit)
	}
	return nil
}
