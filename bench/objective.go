package bench

import (
	"fmt"
	"strings"

	"github.com/ltsbench/ltsbench/backend"
)

// The memory metrics a search can minimise (--memory-metric), named as in the JSON.
const (
	MetricAllocPeak       = "alloc_peak_bytes" // the default: exact, from the planner
	MetricRSSPeak         = "rss_peak_bytes"
	MetricNVMLProcessPeak = "nvml_process_peak_bytes"
	MetricDeviceUsedDelta = "device_used_delta_bytes"
)

// MemoryMetrics lists the memory metrics, the default first.
func MemoryMetrics() []string {
	return []string{MetricAllocPeak, MetricRSSPeak, MetricNVMLProcessPeak, MetricDeviceUsedDelta}
}

// ParseMemoryMetric checks a --memory-metric value.
func ParseMemoryMetric(s string) (string, error) {
	for _, m := range MemoryMetrics() {
		if s == m {
			return m, nil
		}
	}
	return "", fmt.Errorf("memory metric %q is not one of %s", s, strings.Join(MemoryMetrics(), ", "))
}

// CheckMetricOnDevice says whether device d gives metric: the device-memory metrics
// (NVML's process peak, the device's used-memory delta) exist only on a kind with memory
// of its own (backend.Kind.Accelerator), and a search minimising a metric no record has
// would find nothing.
func CheckMetricOnDevice(metric string, d backend.Device) error {
	switch metric {
	case MetricNVMLProcessPeak, MetricDeviceUsedDelta:
		if k, ok := backend.KindOf(d.Kind); ok && !k.Accelerator {
			return fmt.Errorf("%s is measured on a GPU only; on %s use %s or %s", metric, d, MetricAllocPeak, MetricRSSPeak)
		}
	}
	return nil
}

// LatencyMS is the latency a search optimises: the median of the samples, or their mean
// when the protocol says so (LTS-compat).
func (r *Result) LatencyMS() float64 {
	if r.Protocol.Statistic == StatMean {
		return r.Latency.Mean
	}
	return r.Latency.Median
}

// MemoryBytes is the memory metric named metric (see MemoryMetrics); an error says why a
// measured metric is missing from this result.
func (r *Result) MemoryBytes(metric string) (int64, error) {
	var v *int64
	why := ""
	switch metric {
	case MetricAllocPeak:
		return r.AllocPeakBytes, nil
	case MetricRSSPeak:
		v, why = r.RSSPeakBytes, r.RSSNote
	case MetricNVMLProcessPeak:
		v, why = r.NVMLProcessPeakBytes, r.MemoryNote
	case MetricDeviceUsedDelta:
		v, why = r.DeviceUsedDeltaBytes, r.MemoryNote
	default:
		_, err := ParseMemoryMetric(metric)
		return 0, err
	}
	if v == nil {
		if why == "" {
			why = "not measured on " + r.Device
		}
		return 0, fmt.Errorf("%s of %s: %s", metric, r.Key, why)
	}
	return *v, nil
}
