#!/usr/bin/env bash
# The GPU check of ltsbench, in one go, on a machine with an NVIDIA GPU (no Go
# toolchain needed: scripts/gpu-check/build.sh made this folder).
#
#   ./run.sh              everything on cuda:0
#   ./run.sh --dry-run    everything on the CPU (or DEVICE=cpu): proves the plumbing
#
# Steps (each one's failure is recorded and the script goes on): the machine; the CUDA
# backend's tests with the conformance suite and every golden bundle on cuda:0; NVML's
# tests; the CPU backend's conformance for comparison; `ltsbench measure` of the presets
# on cuda:0 and on the CPU; the presets in eager PyTorch (fp32, no_grad) when PyTorch is
# installed, after checking its models against the golden bundles. Everything goes to
# gpu-check.log; the summary table is printed at the end and kept in summary.txt.
#
# Environment: DEVICE (cuda:0), PRESETS (gpt2-small gpt2-medium txl-base gpt2-tiny
# txl-tiny; the tiny ones only with --dry-run), BUDGET (seconds for the whole check,
# 450), PYTHON (python3), LTSBENCH_CUBLAS (path of libcublas.so.N if not found).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"

DRY=0
for a in "$@"; do
  case "$a" in
    --dry-run) DRY=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $a (want --dry-run)" >&2; exit 2 ;;
  esac
done
DEVICE=${DEVICE:-cuda:0}
[ "$DRY" = 1 ] && DEVICE=cpu
if [ "$DEVICE" = cpu ]; then DRY=1; fi
if [ "$DRY" = 1 ]; then
  PRESETS=${PRESETS:-"gpt2-tiny txl-tiny"}
else
  PRESETS=${PRESETS:-"gpt2-small gpt2-medium txl-base gpt2-tiny txl-tiny"}
fi
BUDGET=${BUDGET:-450}
# The Python with PyTorch: PYTHON, else the first of python3 and python that imports torch.
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  for py in python3 python; do
    if command -v "$py" >/dev/null && "$py" -c 'import torch' >/dev/null 2>&1; then PYTHON=$py; break; fi
  done
fi
LOG=$HERE/gpu-check.log
RES=$HERE/results
mkdir -p "$RES"
rm -f "$RES"/*.json "$RES"/*.jsonl "$RES"/*.txt
: > "$LOG"
START=$(date +%s)
STEPS=()   # "name|status|seconds"

log() { echo "$*" | tee -a "$LOG" >&2; }
left() { echo $((BUDGET - ($(date +%s) - START))); }

# step NAME LIMIT_SECONDS CMD...: runs CMD with a time limit (never past the budget),
# appends its output to the log and records PASS, FAIL (exit status), TIMEOUT or SKIP.
step() {
  local name=$1 limit=$2
  shift 2
  local rem
  rem=$(left)
  if [ "$rem" -le 15 ]; then
    STEPS+=("$name|SKIP (budget spent)|0")
    log "== $name: skipped, the ${BUDGET}s budget is spent"
    return 1
  fi
  [ "$limit" -gt $((rem - 10)) ] && limit=$((rem - 10))
  log "== $name (limit ${limit}s): $*"
  local t0 rc status
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" >>"$LOG" 2>&1
  rc=$?
  case $rc in
    0) status=PASS ;;
    124|137) status="TIMEOUT (${limit}s)" ;;
    *) status="FAIL (exit $rc)" ;;
  esac
  STEPS+=("$name|$status|$(($(date +%s) - t0))")
  log "== $name: $status in $(($(date +%s) - t0))s"
  [ $rc = 0 ]
}

# ---- the machine ----
log "ltsbench GPU check, device $DEVICE, presets: $PRESETS, budget ${BUDGET}s"
[ -f BUILD ] && cat BUILD >>"$LOG"
{ uname -a; command -v nvidia-smi >/dev/null && nvidia-smi; } >>"$LOG" 2>&1
step "ltsbench devices" 30 ./ltsbench devices
# cuBLAS: the sonames on the loader's path, else the nvidia-cublas wheel PyTorch uses.
if [ -z "${LTSBENCH_CUBLAS:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.1[123]\b'; then
  CUBLAS=$("$PYTHON" - <<'PY' 2>/dev/null
import glob, os, site, sys
bases = site.getsitepackages() + [site.getusersitepackages()] + sys.path
for b in bases:
    for pat in ("nvidia/cu13/lib/libcublas.so.*", "nvidia/cublas/lib/libcublas.so.*", "nvidia/cu12/lib/libcublas.so.*"):
        for p in sorted(glob.glob(os.path.join(b, pat)), reverse=True):
            if p.rsplit(".so.", 1)[1].isdigit():
                print(p); sys.exit(0)
PY
)
  if [ -n "$CUBLAS" ]; then export LTSBENCH_CUBLAS=$CUBLAS; log "cuBLAS: $LTSBENCH_CUBLAS (from the Python packages)"; fi
fi

# ---- tests ----
# -test.short skips the CPU emulation (it needs a C++ compiler; it ran where this was built).
REQ=1; [ "$DRY" = 1 ] && REQ=0
export REQ RES
step "CUDA backend tests" 300 sh -c 'cd tree/backend/cuda && LTSBENCH_REQUIRE_GPU=$REQ ./cuda.test -test.short -test.v -test.timeout 280s >"$RES/cuda-tests.txt" 2>&1; rc=$?; cat "$RES/cuda-tests.txt"; exit $rc'
[ -x tree/internal/sysinfo/sysinfo.test ] && step "NVML tests" 60 sh -c 'cd tree/internal/sysinfo && ./sysinfo.test -test.v'
[ -x tree/backend/cpu/cpu.test ] && step "CPU backend conformance" 150 sh -c 'cd tree/backend/cpu && ./cpu.test -test.short -test.run "^TestConformance$"'

# Conformance parts on the GPU, from the test log.
part() { # part TEST SUB → PASS, FAIL, SKIP or -
  local f=$RES/cuda-tests.txt
  if grep -q -- "--- FAIL: $1/$2 " "$f"; then echo FAIL
  elif grep -q -- "--- PASS: $1/$2 " "$f"; then echo PASS
  elif grep -q -- "--- SKIP: $1 " "$f"; then echo SKIP
  else echo -; fi
}

# ---- measurements ----
AVAILABLE=$(./ltsbench measure --help 2>/dev/null | sed -n 's/^ *Presets: //p' | tr -d ',')
for p in $PRESETS; do
  if ! echo " $AVAILABLE " | grep -q " $p "; then
    STEPS+=("measure $p|SKIP (no such preset)|0")
    log "== measure $p: no such preset (have: $AVAILABLE)"
    continue
  fi
  if [ "$DRY" = 0 ]; then
    step "measure $p on $DEVICE" 60 sh -c "./ltsbench measure --device $DEVICE --preset $p --format json --min-time 2s --max-time 10s > '$RES/$p.gpu.json'"
    case $p in gpt2-small) step "measure $p on $DEVICE --no-graph" 60 sh -c "./ltsbench measure --device $DEVICE --preset $p --no-graph --format json --min-time 2s --max-time 10s > '$RES/$p.nograph.json'" ;; esac
    case $p in gpt2-medium) step "measure $p on $DEVICE --math tf32" 60 sh -c "./ltsbench measure --device $DEVICE --preset $p --math tf32 --format json --min-time 2s --max-time 10s > '$RES/$p.tf32.json'" ;; esac
  fi
  step "measure $p on cpu" 60 sh -c "./ltsbench measure --device cpu --preset $p --format json --warmup 1 --min-samples 3 --min-time 0s --max-time 15s > '$RES/$p.cpu.json'"
done

# ---- PyTorch ----
TORCH_NOTE=""
if ! command -v "$PYTHON" >/dev/null; then
  TORCH_NOTE="no $PYTHON: no PyTorch comparison"
elif ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
  TORCH_NOTE="PyTorch is not installed: no PyTorch comparison"
elif [ "$DEVICE" != cpu ] && ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
  TORCH_NOTE="PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null) sees no GPU: no PyTorch comparison"
else
  TDEV=$DEVICE
  step "PyTorch models vs golden bundles" 90 "$PYTHON" torch_presets.py verify tree/testdata/golden/*/ --device "$TDEV"
  SRC=gpu; [ "$DRY" = 1 ] && SRC=cpu
  FILES=$(ls "$RES"/*."$SRC".json 2>/dev/null | tr "\n" " ")
  if [ -n "$FILES" ]; then
    step "PyTorch presets on $TDEV" 150 sh -c "'$PYTHON' torch_presets.py time $FILES --device $TDEV --min-time 2 > '$RES/torch.jsonl'"
  fi
fi
[ -n "$TORCH_NOTE" ] && log "$TORCH_NOTE"

# ---- summary ----
SUMMARY=$RES/summary.txt
{
  echo
  echo "ltsbench GPU check: $DEVICE$([ "$DRY" = 1 ] && echo ' (dry run on the CPU)'), $(($(date +%s) - START))s of ${BUDGET}s"
  [ -f BUILD ] && head -1 BUILD
  printf '%-28s %s\n' "conformance on $DEVICE:" "ops $(part TestConformanceGPU ops), models $(part TestConformanceGPU models), golden $(part TestConformanceGPU golden); no-graph: ops $(part TestConformanceGPUNoGraph ops), models $(part TestConformanceGPUNoGraph models), golden $(part TestConformanceGPUNoGraph golden)"
  if command -v "$PYTHON" >/dev/null; then
    "$PYTHON" - "$RES" "$DRY" <<'PY'
import json, os, sys
res, dry = sys.argv[1], sys.argv[2] == "1"
def load(p):
    try:
        return json.load(open(p))
    except Exception:
        return None
torch = {}
if os.path.exists(os.path.join(res, "torch.jsonl")):
    for line in open(os.path.join(res, "torch.jsonl")):
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if "name" in r:
            torch[r["name"]] = r
names = sorted({f.split(".")[0] for f in os.listdir(res) if f.endswith(".json")})
mib = lambda b: "-" if b is None else f"{b / 2**20:.0f}"
ms = lambda r: "-" if not r else f"{r['latency_ms']['median']:.3f}"
col = "cpu" if dry else "gpu"
print(f"{'preset':<14} {'ltsbench ms':>11} {'torch ms':>9} {'ratio':>6} {'no-graph':>9} {'tf32':>8} {'cpu ms':>9} {'alloc MiB':>9} {'nvml MiB':>9} {'delta MiB':>9}")
for n in names:
    g, c = load(os.path.join(res, f"{n}.{col}.json")), load(os.path.join(res, f"{n}.cpu.json"))
    ng, tf = load(os.path.join(res, f"{n}.nograph.json")), load(os.path.join(res, f"{n}.tf32.json"))
    t = torch.get(n)
    ratio = f"{g['latency_ms']['median'] / t['latency_ms']['median']:.2f}" if g and t else "-"
    print(f"{n:<14} {ms(g):>11} {ms(t):>9} {ratio:>6} {ms(ng):>9} {ms(tf):>8} {ms(c):>9} "
          f"{mib(g and g.get('alloc_peak_bytes')):>9} {mib(g and g.get('nvml_process_peak_bytes')):>9} {mib(g and g.get('device_used_delta_bytes')):>9}")
print("ratio = ltsbench / PyTorch eager (fp32, no_grad); nvml = NVML's peak for this process (context and cuBLAS included)")
PY
  else
    echo "(no $PYTHON: per-preset table left out; see results/*.json)"
  fi
  [ -n "$TORCH_NOTE" ] && echo "$TORCH_NOTE"
  echo "steps:"
  for s in "${STEPS[@]}"; do
    IFS='|' read -r n st secs <<<"$s"
    printf '  %-44s %-22s %ss\n' "$n" "$st" "$secs"
  done
  echo "full log: $LOG"
} >"$SUMMARY"
cat "$SUMMARY" | tee -a "$LOG"
FAILED=0
for s in "${STEPS[@]}"; do case $s in *"|FAIL"*|*"|TIMEOUT"*) FAILED=1 ;; esac; done
exit $FAILED
