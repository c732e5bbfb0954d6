// Package hugemem allocates the large float32 buffers of a measurement (the weights,
// the CPU backend's arena) so that Linux may back them with transparent huge pages
// (2 MiB): Floats asks for them with madvise(MADV_HUGEPAGE) and MADV_COLLAPSE when the
// system's setting (/sys/kernel/mm/transparent_hugepage/enabled, Mode) is "madvise" or
// "always", so that a buffer gets them whether it is fresh memory or memory a freed
// buffer left, and a search's measurements do not depend on the order they ran in. A decode step streams every weight once; on 4 KiB pages that
// is a TLB miss every 4 KiB, and huge pages made gpt2-small's step about 10 % faster
// on the machine docs/PERF.md names. Elsewhere (other systems, "never") Floats is make.
package hugemem
