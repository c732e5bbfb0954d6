#!/usr/bin/env bash
# Checks run.sh itself, in seconds and without a GPU or a build: a folder laid out as
# build.sh lays it out, whose ltsbench and CUDA test binary are small fakes. The fake
# test binary fails the conformance "ops" part with a kernel fault and passes "models"
# and "golden"; the fake ltsbench's smoke measurement fails on a given step. The check
# asserts that run.sh reports the parts separately, prints the failure digest (the
# failing test with its first error line, the failed step with its last line, the
# golden worst differences) on the console, and leaves the log, summary, digest and
# results archive in $OUT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
mkdir -p "$T/check/tree/backend/cuda" "$T/out"
cp "$HERE/run.sh" "$HERE/torch_presets.py" "$T/check/"

cat >"$T/check/ltsbench" <<'SH'
#!/bin/sh
case "$1" in
devices) echo "cuda:0  NVIDIA H200 (fake)"; exit 0 ;;
measure)
  case " $* " in *" --help "*) echo "   Presets: gpt2-tiny"; exit 0 ;; esac
  echo "measuring gpt2-tiny on cuda:0 (1 threads)…" >&2
  echo "backend: cuda:0: NVIDIA H200 (fake), CUDA driver 13.0, cuBLAS 130000 (libcublas.so.13), fp32 math, CUDA graphs" >&2
  case " $* " in *" --no-graph "*)
    echo "ltsbench: cuda:0: running the graph: cuLaunchKernel: an illegal memory access was encountered (CUDA_ERROR_ILLEGAL_ADDRESS)" >&2; exit 1 ;;
  esac
  echo '{"latency_ms":{"median":1.5}}' ;;
esac
SH

cat >"$T/check/tree/backend/cuda/cuda.test" <<'SH'
#!/bin/sh
part=$(echo "$*" | sed -n 's/.*TestConformanceGPU[A-Za-z]*\$\/\^\([a-z]*\)\$.*/\1/p')
top=$(echo "$*" | sed -n 's/.*\(TestConformanceGPU[A-Za-z]*\)\$.*/\1/p')
[ -n "$top" ] || { echo "=== RUN   TestProbe"; echo "--- PASS: TestProbe (0.01s)"; echo PASS; exit 0; }
echo "=== RUN   $top"
echo "=== RUN   $top/$part"
case $part in
ops)
  echo "=== RUN   $top/ops/layernorm"
  echo "    ops.go:97: layernorm: launching: an illegal memory access was encountered"
  echo "    ops.go:98: second error line"
  echo "--- FAIL: $top/ops/layernorm (0.01s)"
  echo "--- FAIL: $top/ops (0.01s)"
  echo "--- FAIL: $top (0.01s)"; echo FAIL; exit 1 ;;
golden)
  echo "=== RUN   $top/golden/gpt2_hetero_stress"
  echo "    golden.go:324: golden gpt2_hetero_stress worst: logits: max |diff| 1.19e-05, tolerance 0.00233"
  echo "--- PASS: $top/golden/gpt2_hetero_stress (0.4s)" ;;
esac
echo "--- PASS: $top/$part (0.01s)"
echo "--- PASS: $top (0.01s)"; echo PASS
SH
chmod +x "$T/check/ltsbench" "$T/check/tree/backend/cuda/cuda.test" "$T/check/run.sh"

set +e
OUT=$T/out BUDGET=120 PRESETS=gpt2-tiny PYTHON=/nonexistent PATH=/usr/bin:/bin "$T/check/run.sh" >"$T/console" 2>&1
rc=$?
set -e
fail=0
expect() {
  if ! grep -qF -- "$1" "$T/console"; then echo "selftest: the console lacks: $1"; fail=1; fi
}
[ "$rc" = 1 ] || { echo "selftest: run.sh exited $rc, want 1"; fail=1; }
expect "cuda:0  NVIDIA H200 (fake)"
expect "backend: cuda:0: NVIDIA H200 (fake), CUDA driver 13.0"
expect "ops FAIL, models PASS, golden PASS"
expect "failure digest:"
expect "FAIL TestConformanceGPU/ops/layernorm: ops.go:97: layernorm: launching: an illegal memory access was encountered"
expect "step smoke: gpt2-tiny on cuda:0 --no-graph: FAIL (exit 1): ltsbench: cuda:0: running the graph"
expect "golden gpt2_hetero_stress worst: logits: max |diff| 1.19e-05, tolerance 0.00233"
expect "smoke step failed: the rest is shortened"
if grep -qF "second error line" "$T/console"; then echo "selftest: the digest repeats more than the first error line"; fail=1; fi
for f in gpu-check.log summary.txt digest.txt gpu-check-results.tar.gz; do
  [ -s "$T/out/$f" ] || { echo "selftest: \$OUT/$f missing"; fail=1; }
done
tail -c 12000 "$T/console" | grep -qF "failure digest:" || { echo "selftest: the digest is not within the last 12,000 characters"; fail=1; }
if [ $fail = 1 ]; then
  echo "---- console ----"; cat "$T/console"; exit 1
fi
[ -n "${KEEP:-}" ] && echo "kept $T"
echo "gpu-check selftest: ok"
