//go:build !cgo || !linux

package sysinfo

import (
	"errors"
	"time"
)

const noNVML = "NVML needs a cgo build on linux: GPUs are not listed"

// GPUs reports that this build cannot reach NVML.
func GPUs() GPUReport { return GPUReport{GPUs: []GPU{}, Note: noNVML} }

// GPUByUUID reports that this build cannot reach NVML.
func GPUByUUID(uuid string) (GPU, error) { return GPU{}, errors.New(noNVML) }

// MemorySampler is unavailable without NVML.
type MemorySampler struct{}

// StartMemorySampler reports that this build cannot reach NVML.
func StartMemorySampler(uuid string, index, pid int, period time.Duration) (*MemorySampler, error) {
	return nil, errors.New(noNVML)
}

// Stop returns an empty peak.
func (s *MemorySampler) Stop() MemoryPeak { return MemoryPeak{Note: noNVML} }
