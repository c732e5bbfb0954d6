package results

import (
	"fmt"
	"math"
	"strings"
)

// devicesCaption introduces the table of r's front on other device classes: where it
// comes from and what its cells are, in the typography of st, then taus (a sentence on
// Kendall's τ between the classes).
func devicesCaption(r *Run, st captionStyle, taus string) string {
	names := make([]string, len(r.DeviceClasses))
	for i, c := range r.DeviceClasses {
		names[i] = st.esc(c)
	}
	classes := fmt.Sprintf("%d device classes", len(names))
	if len(names) == 1 {
		classes = "1 device class"
	}
	return strings.TrimSpace(fmt.Sprintf("The front on %s (%s, from %s): latency (ms) and memory (MiB) of each architecture, a dash where it could not run. %s",
		classes, strings.Join(names, ", "), st.code(DevicesFile), taus))
}

// tausFollow is the caption's sentence on τ where the τ lines follow the table (none
// for a single class: there is no pair to compare).
func tausFollow(r *Run) string {
	if len(r.DeviceClasses) < 2 {
		return ""
	}
	return "Kendall's τ of latency between each pair of classes follows."
}

// JSONDeviceTau is DeviceTau in the JSON report: Tau is null where τ is undefined
// (fewer than 2 architectures on both classes, or all of equal latency on one).
type JSONDeviceTau struct {
	A   string   `json:"a"`
	B   string   `json:"b"`
	N   int      `json:"n"`
	Tau *float64 `json:"tau"`
}

// jsonDeviceTaus is the τ of every pair of r's device classes for the JSON report.
func jsonDeviceTaus(r *Run) []JSONDeviceTau {
	var out []JSONDeviceTau
	for _, t := range DeviceTaus(r.Devices, r.DeviceClasses) {
		jt := JSONDeviceTau{A: t.A, B: t.B, N: t.N}
		if !math.IsNaN(t.Tau) {
			tau := t.Tau
			jt.Tau = &tau
		}
		out = append(out, jt)
	}
	return out
}
