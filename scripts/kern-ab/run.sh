#!/bin/sh
# A/B of the amd64 SGEMM micro-kernels (LTSBENCH_CPU_KERNEL=avx2 against avx512) in one
# run, interleaved in rounds: kern's BenchmarkSgemm at the GPT-2 small layer shapes on 1
# and 2 threads, then backend/cpu's BenchmarkForward (batch 1 × 192 tokens, 2 threads).
# Prints per kernel the median over rounds and the spread (min..max). %peak is against
# the FMA peak of the kernel's own vector width (ymm for avx2, zmm for avx512).
#
#	scripts/kern-ab/run.sh [rounds] [presets] [kernels]
#
# defaults: 5 rounds, gpt2-mini,gpt2-small, "avx2 avx512". With OPENBLAS set to a
# libopenblas.so (Debian libopenblas0-openmp: /usr/lib/x86_64-linux-gnu/openblas-openmp/
# libopenblas.so.0), each round also times OpenBLAS SGEMM at the same shapes
# (scripts/sgemm-openblas/sgemm.c, the median of 3 passes; OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset for it only, so it picks its own kernel, printed as core=).
set -e
rounds=${1:-5}
presets=${2:-gpt2-mini,gpt2-small}
kernels=${3:-avx2 avx512}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
go test -c -o "$tmp/kern.test" ./backend/cpu/kern/
go test -c -o "$tmp/cpu.test" ./backend/cpu/
grep -m1 'model name' /proc/cpuinfo || true
shapes='FMAPeak|Sgemm/(square768|gpt2-qkv|gpt2-fc|gpt2-proj|gpt2-attn-proj|gpt2-head-T)-'
if [ -n "$OPENBLAS" ]; then
	${CC:-cc} -O2 -o "$tmp/sgemm-openblas" scripts/sgemm-openblas/sgemm.c "$OPENBLAS"
fi
for r in $(seq "$rounds"); do
	if [ -n "$OPENBLAS" ]; then
		for c in 1 2; do
			env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$c "$tmp/sgemm-openblas" $c 3 |
				awk -v c=$c '/^openblas core/ { sub(/,$/, "", $3); print "openblas", "core=" $3 "/threads=" c, "-", 0 } / median / { n = "BenchmarkSgemm/" $1 "-" $2 "/threads=" c; print "openblas", n, "GFLOP/s", $4; print "openblas", n, "cpu-GFLOP/s", $10 }' >>"$tmp/sgemm"
		done
	fi
	for k in $kernels; do
		for c in 1 2; do
			LTSBENCH_CPU_KERNEL=$k "$tmp/kern.test" -test.run '^$' -test.bench "$shapes" \
				-test.benchtime 0.3s -test.cpu $c |
				awk -v k=$k -v c=$c '/^Benchmark/ { n = $1; sub(/-[0-9]+$/, "", n); for (i = 2; i < NF; i++) if ($(i+1) == "GFLOP/s" || $(i+1) == "cpu-GFLOP/s" || $(i+1) == "%peak") print k, n "/threads=" c, $(i+1), $i }' >>"$tmp/sgemm"
		done
		LTSBENCH_CPU_KERNEL=$k "$tmp/cpu.test" -test.run '^$' -test.bench Forward -test.benchtime 5x \
			-threads 2 -presets "$presets" |
			awk -v k=$k '/^Benchmark/ { n = $1; sub(/-[0-9]+$/, "", n); print k, n, "ms", $3 / 1e6 }' >>"$tmp/fwd"
	done
done
summary() {
	python3 - "$1" <<'PY'
import collections, statistics, sys
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    k, name, unit, x = line.split()
    v[(name, unit, k)].append(float(x))
for (name, unit, k), xs in sorted(v.items()):
    print("%-58s %-12s %-7s median %7.1f  (%.1f..%.1f, %d rounds)" % (name, unit, k, statistics.median(xs), min(xs), max(xs), len(xs)))
PY
}
echo "SGEMM: GFLOP/s over wall time, per CPU second × threads (cpu-), and % of the FMA peak of the kernel's vector width measured alongside:"
summary "$tmp/sgemm"
echo "Forward, batch 1 × 192 tokens, 2 threads, ms per forward:"
summary "$tmp/fwd"
