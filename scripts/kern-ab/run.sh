#!/bin/sh
# A/B of the amd64 SGEMM micro-kernels (LTSBENCH_CPU_KERNEL=avx2 against avx512) in one
# run, interleaved in rounds: kern's BenchmarkSgemm at the GPT-2 small layer shapes on 1
# and 2 threads, then backend/cpu's BenchmarkForward (batch 1 × 192 tokens, 2 threads).
# Prints per kernel the median over rounds and the spread (min..max).
#
#	scripts/kern-ab/run.sh [rounds] [presets] [kernels]
#
# defaults: 5 rounds, gpt2-mini,gpt2-small, "avx2 avx512".
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
shapes='Sgemm/(square768|gpt2-qkv|gpt2-fc|gpt2-proj|gpt2-attn-proj|gpt2-head-T)-'
for r in $(seq "$rounds"); do
	for k in $kernels; do
		for c in 1 2; do
			LTSBENCH_CPU_KERNEL=$k "$tmp/kern.test" -test.run '^$' -test.bench "$shapes" \
				-test.benchtime 0.3s -test.cpu $c |
				awk -v k=$k -v c=$c '/^Benchmark/ { for (i = 2; i < NF; i++) if ($(i+1) == "GFLOP/s") { n = $1; sub(/-[0-9]+$/, "", n); print k, n "/threads=" c, $i } }' >>"$tmp/sgemm"
		done
		LTSBENCH_CPU_KERNEL=$k "$tmp/cpu.test" -test.run '^$' -test.bench Forward -test.benchtime 5x \
			-threads 2 -presets "$presets" |
			awk -v k=$k '/^Benchmark/ { n = $1; sub(/-[0-9]+$/, "", n); print k, n, $3 / 1e6 }' >>"$tmp/fwd"
	done
done
summary() { # file unit
	python3 - "$1" "$2" <<'PY'
import collections, statistics, sys
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    k, name, x = line.split()
    v[(name, k)].append(float(x))
for (name, k), xs in sorted(v.items()):
    print("%-8s %-58s median %8.1f %s  (%.1f..%.1f, %d rounds)" % (k, name, statistics.median(xs), sys.argv[2], min(xs), max(xs), len(xs)))
PY
}
echo "SGEMM (GFLOP/s):"
summary "$tmp/sgemm" GFLOP/s
echo "Forward, batch 1 × 192 tokens, 2 threads (ms per forward):"
summary "$tmp/fwd" ms
