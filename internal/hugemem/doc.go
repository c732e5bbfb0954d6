// Package hugemem allocates the large float32 buffers of a measurement (the weights,
// the CPU backend's arena) so that Linux may back them with transparent huge pages
// (2 MiB): Floats asks for them with madvise(MADV_HUGEPAGE), which takes effect when
// the system's setting (/sys/kernel/mm/transparent_hugepage/enabled, Mode) is
// "madvise" or "always". A decode step streams every weight once; on 4 KiB pages that
// is a TLB miss every 4 KiB, and huge pages made gpt2-small's step about 10 % faster
// on the machine docs/PERF.md names. Elsewhere (other systems, "never") Floats is make.
package hugemem
