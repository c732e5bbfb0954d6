#!/bin/sh
# Times OpenBLAS SGEMM (Debian libopenblas0-openmp) at kern's benchmark shapes on 1 and 2
# threads, with OpenBLAS free to pick its best kernel for this CPU (OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset for this command only). Usage: scripts/sgemm-openblas/run.sh [rounds]
set -e
dir=$(dirname "$0")
lib=/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0
[ -e "$lib" ] || { echo "sgemm-openblas: $lib missing (apt-get install libopenblas0-openmp)" >&2; exit 1; }
bin=${TMPDIR:-/tmp}/sgemm-openblas.$$
trap 'rm -f "$bin"' EXIT
${CC:-cc} -O2 -o "$bin" "$dir/sgemm.c" "$lib"
for t in 1 2; do
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$t "$bin" "$t" "${1:-7}"
done
