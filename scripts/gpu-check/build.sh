#!/usr/bin/env bash
# Builds the GPU check folder: everything a GPU machine with no Go toolchain and no
# network needs to check ltsbench on cuda:0 in one go (./run.sh there).
#
#   scripts/gpu-check/build.sh OUTDIR
#
# OUTDIR gets: ltsbench (linux/amd64, cgo: the CUDA backend loads the driver at run
# time), the test binaries of the CUDA backend, NVML and the CPU backend laid out as in
# the source tree (tree/<package>/<name>.test, with tree/go.mod and tree/testdata/golden
# so the tests find the golden bundles), run.sh and torch_presets.py. ltsbench and the
# CUDA test binary are required; the others are left out (with a warning) if their
# package does not build right now. BUILD records the commit and the newest glibc
# symbol version any binary needs (the GPU machine's glibc must be at least that).
set -euo pipefail
OUT=${1:?usage: scripts/gpu-check/build.sh OUTDIR}
cd "$(dirname "$0")/../.."
ROOT=$PWD

export CGO_ENABLED=1 GOOS=linux GOARCH=amd64
export CGO_CFLAGS="${CGO_CFLAGS:--Wno-deprecated-declarations}"

rm -rf "$OUT"
mkdir -p "$OUT/tree/testdata" "$OUT/results"
OUT=$(cd "$OUT" && pwd)

go build -trimpath -ldflags "-s -w" -o "$OUT/ltsbench" ./cmd/ltsbench
for pkg in backend/cuda internal/sysinfo backend/cpu; do
  [ -d "$pkg" ] || continue
  mkdir -p "$OUT/tree/$pkg"
  if ! go test -c -trimpath -ldflags "-s -w" -o "$OUT/tree/$pkg/$(basename "$pkg").test" "./$pkg"; then
    [ "$pkg" = backend/cuda ] && exit 1
    echo "warning: ./$pkg does not build; its tests are left out of the GPU check" >&2
  fi
done
cp go.mod "$OUT/tree/go.mod"
cp -r testdata/golden "$OUT/tree/testdata/golden"
cp scripts/gpu-check/run.sh scripts/gpu-check/torch_presets.py "$OUT/"
chmod +x "$OUT/run.sh" "$OUT/torch_presets.py"
glibc=$(for b in "$OUT/ltsbench" "$OUT"/tree/*/*.test "$OUT"/tree/*/*/*.test; do
  [ -f "$b" ] && objdump -T "$b" 2>/dev/null
done | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
{
  echo "commit $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (modified)')"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version)"
  echo "glibc needed: ${glibc:-?}"
  echo "binaries: ltsbench $(cd "$OUT" && ls tree/*/*.test tree/*/*/*.test 2>/dev/null | tr '\n' ' ')"
} > "$OUT/BUILD"
cat "$OUT/BUILD"
echo "gpu-check folder: $OUT ($(du -sh "$OUT" | cut -f1)); run ./run.sh there (./run.sh --dry-run on a machine without a GPU)"
