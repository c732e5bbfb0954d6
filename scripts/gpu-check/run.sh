#!/usr/bin/env bash
# The GPU check of ltsbench, in one go, on a machine with an NVIDIA GPU (no Go
# toolchain needed: scripts/gpu-check/build.sh made this folder).
#
#   ./run.sh              everything on cuda:0
#   ./run.sh --dry-run    everything on the CPU (or DEVICE=cpu): proves the plumbing
#
# Steps, most telling first (each has a time limit; a failure is recorded and the
# script goes on; steps the budget no longer covers are skipped): the machine; the CUDA
# backend's own GPU tests (driver and cuBLAS loading, capture and replay, TF32, wide
# heads, out of memory, memory sampling); the conformance suite with every golden
# bundle on cuda:0 with CUDA graphs; `ltsbench measure` of the presets on cuda:0 and of
# gpt2-small's decode step (KV cache) with and without graphs; the
# presets in eager PyTorch (fp32, no_grad) when a Python with PyTorch is found, after
# checking its models against the golden bundles; the conformance suite without CUDA
# graphs; NVML's tests; the presets on the CPU and the CPU backend's conformance.
# A 30–45 s smoke step comes first (gpt2-tiny with and without graphs, synchronous
# launches); if it fails the rest is shortened and the smoke model runs under
# compute-sanitizer memcheck when that is installed. Conformance parts (ops, models,
# golden) run in separate processes with synchronous launches, so a sticky CUDA error in
# one does not hide the others.
# Everything goes to gpu-check.log ($OUT/gpu-check.log when OUT is set, written as it
# comes so a kill keeps it); the summary table and a failure digest (each failing test
# with its first error line, timeout stacks, the last line of each failed step, each
# golden bundle's worst difference) are printed at the end (also when interrupted) and
# kept in results/; with OUT set, results/ is also packed into
# $OUT/gpu-check-results.tar.gz beside summary.txt and digest.txt.
#
# Environment: DEVICE (cuda:0), PRESETS (gpt2-small gpt2-medium txl-base gpt2-tiny
# txl-tiny; the tiny ones only with --dry-run), BUDGET (seconds for the whole check,
# 450), PYTHON (the interpreter with PyTorch; else the first of python3, python,
# /usr/bin/python3, /usr/local/bin/python3, conda's and common venvs' that imports
# torch), LTSBENCH_CUBLAS (libcublas.so.N or its folder, if not found), OUT (a folder
# for the log and the results archive), GPU_CHECK_FAIL_STEP (a glob of step names to
# fail on purpose: checks the digest itself).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"

DRY=0
for a in "$@"; do
  case "$a" in
    --dry-run) DRY=1 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
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
LOG=$HERE/gpu-check.log
OUTDIR=${OUT:-}
if [ -n "$OUTDIR" ]; then
  mkdir -p "$OUTDIR" && LOG=$OUTDIR/gpu-check.log
fi
RES=$HERE/results
mkdir -p "$RES/steps"
rm -f "$RES"/*.json "$RES"/*.jsonl "$RES"/*.txt "$RES"/steps/*
: > "$LOG"
START=$(date +%s)
STEPS=()   # "name|status|seconds"
NOTES=()   # lines for the summary
FAILS=()   # "step: status: last line of its output" for the digest
NSTEP=0
LAST_OUT=/dev/null # the output file of the last step

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
  NSTEP=$((NSTEP + 1))
  LAST_OUT=$RES/steps/$NSTEP.out
  # shellcheck disable=SC2254
  case $name in ${GPU_CHECK_FAIL_STEP:-/}) set -- sh -c 'echo "failed on purpose (GPU_CHECK_FAIL_STEP)" >&2; exit 3' ;; esac
  # The output goes to the log as it comes (a kill keeps it) and to the step's own file.
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$LAST_OUT" >>"$LOG"
  rc=${PIPESTATUS[0]}
  case $rc in
    0) status=PASS ;;
    124|137) status="TIMEOUT (${limit}s)" ;;
    *) status="FAIL (exit $rc)" ;;
  esac
  STEPS+=("$name|$status|$(($(date +%s) - t0))")
  log "== $name: $status in $(($(date +%s) - t0))s"
  if [ $rc != 0 ]; then
    local last
    last=$(grep -v '^[[:space:]]*$' "$LAST_OUT" | tail -1 | cut -c1-240)
    FAILS+=("$name: $status${last:+: $last}")
  fi
  [ $rc = 0 ]
}

# ---- summary (also on interruption) ----
part() { # part TEST SUB → PASS, FAIL, SKIP or - (from the CUDA test log)
  local f=$RES/cuda-tests.txt
  [ -f "$f" ] || { echo -; return; }
  if grep -q -- "--- FAIL: $1/$2 " "$f"; then echo FAIL
  elif grep -q -- "--- PASS: $1/$2 " "$f"; then echo PASS
  elif grep -q -- "--- SKIP: $1 " "$f"; then echo SKIP
  else echo -; fi
}

# median FILE: the latency median of a measure JSON file, without Python.
median() {
  [ -s "$1" ] || { echo -; return; }
  tr -d '\n ' <"$1" | grep -o '"latency_ms":{[^}]*' | grep -o '"median":[0-9.eE+-]*' | head -1 | cut -d: -f2 | grep . || echo -
}

table_python() {
  timeout 60 "$1" - "$RES" "$DRY" <<'PY'
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
for n in names:
    d, dn = load(os.path.join(res, f"{n}.decode.json")), load(os.path.join(res, f"{n}.decode-nograph.json"))
    if not d:
        continue
    g = d.get("generation", {})
    print(f"decode step {n} at context {g.get('context', '?')}, batch 1: {ms(d)} ms/token (no graph: {ms(dn)}), "
          f"reads {g.get('step_bytes', 0) / 2**20:.1f} MiB a step = {g.get('step_gb_per_s', 0):.0f} GB/s, cache {g.get('cache_mib', 0):.1f} MiB")
PY
}

table_shell() {
  local col=gpu f n
  [ "$DRY" = 1 ] && col=cpu
  printf '%-14s %11s %9s %8s %9s\n' preset "ltsbench ms" no-graph tf32 "cpu ms"
  for f in "$RES"/*.json; do
    [ -e "$f" ] || continue
    n=$(basename "$f"); n=${n%%.*}
    echo "$n"
  done | sort -u | while read -r n; do
    printf '%-14s %11s %9s %8s %9s\n' "$n" "$(median "$RES/$n.$col.json")" "$(median "$RES/$n.nograph.json")" \
      "$(median "$RES/$n.tf32.json")" "$(median "$RES/$n.cpu.json")"
  done
  for f in "$RES"/*.decode.json; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .decode.json)
    echo "decode step $n: $(median "$f") ms/token (no graph: $(median "$RES/$n.decode-nograph.json"))"
  done
  echo "(no Python: memory columns and the PyTorch comparison are in results/*.json)"
}

# digest: what failed and why, short enough for the last lines of a console: each step
# that failed with the last line it printed, each failing test with its first error
# line, the head of each test timeout, and each golden bundle's worst difference.
digest() {
  local f=$RES/cuda-tests.txt s
  echo "failure digest:"
  [ ${#FAILS[@]} = 0 ] && echo "  no step failed"
  for s in ${FAILS[@]+"${FAILS[@]}"}; do echo "  step $s" | cut -c1-300; done
  if [ -s "$f" ]; then
    awk '
      /^=== (RUN|CONT|PAUSE) / { cur = $3; next }
      /^[[:space:]]+[A-Za-z0-9_]+\.go:[0-9]+: / {
        if (cur != "" && !(cur in first)) { line = $0; sub(/^[[:space:]]+/, "", line); first[cur] = line }
        next
      }
      /^[[:space:]]*--- FAIL: / { fails[++n] = $3 }
      END {
        # A parent that failed only through a failing subtest says nothing more.
        for (i = 1; i <= n; i++) {
          name = fails[i]
          if (!(name in first)) {
            child = 0
            for (j = 1; j <= n; j++) if (index(fails[j], name "/") == 1) child = 1
            if (child) continue
          }
          print "  FAIL " name ": " ((name in first) ? first[name] : "(no error line)")
        }
      }' "$f" | cut -c1-300
    grep -A8 '^panic: test timed out' "$f" | grep -E '^(panic|goroutine|[a-zA-Z].*\(|	)' | head -8 | sed 's/^/  timeout: /' | cut -c1-300
    grep -ho 'golden [A-Za-z0-9_]* worst: .*' "$f" | sort | uniq -c | sed 's/^ *[0-9]* /  /' | cut -c1-300
  fi
}

SUMMARY_DONE=0
summary() {
  [ "$SUMMARY_DONE" = 1 ] && return
  SUMMARY_DONE=1
  local SUMMARY=$RES/summary.txt s n st secs
  {
    echo
    echo "ltsbench GPU check: $DEVICE$([ "$DRY" = 1 ] && echo ' (dry run on the CPU)'), $(($(date +%s) - START))s of ${BUDGET}s"
    [ -f BUILD ] && head -1 BUILD
    printf '%-28s %s\n' "conformance on $DEVICE:" "ops $(part TestConformanceGPU ops), models $(part TestConformanceGPU models), golden $(part TestConformanceGPU golden); no-graph: ops $(part TestConformanceGPUNoGraph ops), models $(part TestConformanceGPUNoGraph models), golden $(part TestConformanceGPUNoGraph golden)"
    if [ -z "${TABLE_PY:-}" ] || ! table_python "$TABLE_PY"; then table_shell; fi
    for s in ${NOTES[@]+"${NOTES[@]}"}; do echo "$s"; done
    echo "steps:"
    for s in ${STEPS[@]+"${STEPS[@]}"}; do
      IFS='|' read -r n st secs <<<"$s"
      printf '  %-48s %-22s %ss\n' "$n" "$st" "$secs"
    done
    echo "full log: $LOG"
  } >"$SUMMARY" 2>&1
  cat "$SUMMARY" | tee -a "$LOG"
  digest 2>&1 | head -c 6000 >"$RES/digest.txt"
  cat "$RES/digest.txt" | tee -a "$LOG"
  if [ -n "$OUTDIR" ]; then
    cp "$SUMMARY" "$RES/digest.txt" "$OUTDIR/" 2>/dev/null
    tar czf "$OUTDIR/gpu-check-results.tar.gz" -C "$HERE" results 2>/dev/null &&
      echo "results: $OUTDIR/gpu-check-results.tar.gz, log: $LOG"
  fi
}
trap 'log "run.sh: interrupted"; summary; exit 130' INT TERM
trap 'summary' EXIT

# ---- the machine ----
log "ltsbench GPU check, device $DEVICE, presets: $PRESETS, budget ${BUDGET}s"
[ -f BUILD ] && cat BUILD >>"$LOG"
{ uname -a; command -v nvidia-smi >/dev/null && timeout 20 nvidia-smi; } >>"$LOG" 2>&1
# The binaries were linked against the build machine's glibc: say so plainly if this one is older.
NEED=$(sed -n 's/^glibc needed: GLIBC_//p' BUILD 2>/dev/null)
HAVE=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
if [ -n "$NEED" ] && [ -n "$HAVE" ] && [ "$(printf '%s\n%s\n' "$NEED" "$HAVE" | sort -V | head -1)" != "$NEED" ]; then
  log "glibc $HAVE here, the binaries need $NEED: they will not start (build on a system with glibc ≤ $HAVE)"
  NOTES+=("glibc $HAVE here < $NEED needed by the binaries")
fi

# Python: the first interpreter that imports torch (and, for a GPU run, sees the GPU);
# Debian's PyTorch may be under /usr/bin/python3 while python3 on PATH is another one.
py_candidates() {
  [ -n "${PYTHON:-}" ] && echo "$PYTHON"
  local p
  for p in python3 python /usr/bin/python3 /usr/local/bin/python3 /opt/conda/bin/python /opt/venv/bin/python \
    /venv/bin/python "${HOME:-/root}/.venv/bin/python" "${VIRTUAL_ENV:-/nonexistent}/bin/python" \
    /usr/bin/python3.* /usr/local/bin/python3.*; do
    case $p in *-config) continue ;; esac
    echo "$p"
  done
}
TORCH_PY=""; TORCH_CPU_PY=""; TABLE_PY=""
SEEN=" "; TRIED=""
while read -r py; do
  path=$(command -v "$py" 2>/dev/null) || continue
  real=$(readlink -f "$path" 2>/dev/null || echo "$path")
  case $SEEN in *" $real "*) continue ;; esac
  SEEN="$SEEN$real "; TRIED="$TRIED $path"
  [ -z "$TABLE_PY" ] && "$path" -c 'import json' >/dev/null 2>&1 && TABLE_PY=$path
  info=$(timeout 60 "$path" -c 'import torch; print(torch.__version__, int(torch.cuda.is_available()))' 2>/dev/null | tail -1)
  [ -n "$info" ] || { log "python: $path has no PyTorch"; continue; }
  log "python: $path has PyTorch ${info% *}$([ "${info##* }" = 1 ] && echo ', sees a GPU' || echo ', sees no GPU')"
  [ -z "$TORCH_CPU_PY" ] && TORCH_CPU_PY=$path
  if [ "$DRY" = 1 ] || [ "${info##* }" = 1 ]; then TORCH_PY=$path; break; fi
done < <(py_candidates)
[ -n "$TORCH_PY" ] && TABLE_PY=$TORCH_PY

step "ltsbench devices" 30 ./ltsbench devices
cat "$LAST_OUT" >&2

# ---- smoke: the smallest model, with and without graphs, launches synchronous ----
if [ "$DRY" = 0 ]; then
  SMOKE=(./ltsbench measure --device "$DEVICE" --preset gpt2-tiny --format json --warmup 1 --min-samples 3 --min-time 1s --max-time 5s)
  SMOKE_OK=1
  step "smoke: gpt2-tiny on $DEVICE" 45 sh -c 'CUDA_LAUNCH_BLOCKING=1 exec "$@" >"$0"' "$RES/gpt2-tiny.smoke.json" "${SMOKE[@]}" || SMOKE_OK=0
  grep -m1 '^backend:' "$LAST_OUT" >&2
  step "smoke: gpt2-tiny on $DEVICE --no-graph" 45 sh -c 'CUDA_LAUNCH_BLOCKING=1 LTSBENCH_CUDA_SYNC=1 exec "$@" --no-graph >"$0"' "$RES/gpt2-tiny.smoke-nograph.json" "${SMOKE[@]}" || SMOKE_OK=0
  if [ "$SMOKE_OK" = 0 ]; then
    NOTES+=("smoke step failed: the rest is shortened (no PyTorch, no CPU steps)")
    SHORT=1
    SAN=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer /usr/local/cuda*/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1)
    if [ -n "$SAN" ]; then
      step "smoke under compute-sanitizer memcheck" 150 env LTSBENCH_CUDA_SYNC=1 "$SAN" --tool memcheck --print-limit 20 ./ltsbench measure --device "$DEVICE" --preset gpt2-tiny --format json --warmup 0 --min-samples 1 --max-samples 1 --min-time 0s --no-graph
      while read -r l; do FAILS+=("memcheck: ${l:0:280}"); done < <(grep -m3 -E 'Invalid|ERROR SUMMARY|error' "$LAST_OUT")
    else
      NOTES+=("compute-sanitizer not found: no memcheck of the smoke model")
    fi
  fi
fi
SHORT=${SHORT:-0}

# cuBLAS: the sonames on the loader's path, else the nvidia-cublas wheel PyTorch uses
# (ltsbench also searches the usual folders itself; this covers venvs elsewhere).
if [ -z "${LTSBENCH_CUBLAS:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.1[123]\b'; then
  CUBLAS=""
  for py in $TORCH_PY $TORCH_CPU_PY $TABLE_PY; do
    CUBLAS=$(timeout 60 "$py" - <<'PY' 2>/dev/null
import glob, os, site, sys
bases = site.getsitepackages() + [site.getusersitepackages()] + sys.path
for b in bases:
    for pat in ("nvidia/cu13/lib/libcublas.so.*", "nvidia/cublas/lib/libcublas.so.*", "nvidia/cu12/lib/libcublas.so.*"):
        for p in sorted(glob.glob(os.path.join(b, pat)), reverse=True):
            if p.rsplit(".so.", 1)[1].isdigit():
                print(p); sys.exit(0)
PY
)
    [ -n "$CUBLAS" ] && break
  done
  if [ -n "$CUBLAS" ]; then export LTSBENCH_CUBLAS=$CUBLAS; log "cuBLAS: $LTSBENCH_CUBLAS (from the Python packages)"; fi
fi

# ---- CUDA backend tests ----
# -test.short skips the CPU emulation (it needs a C++ compiler; it ran where this was built).
REQ=1; [ "$DRY" = 1 ] && REQ=0
export REQ RES
: > "$RES/cuda-tests.txt"
# run_cuda NAME LIMIT TEST-ARGS...: a step running the CUDA backend's test binary; its
# output goes to results/cuda-tests.txt as it comes (so a timeout keeps it), then to the log.
run_cuda() {
  local name=$1 limit=$2 before rc
  shift 2
  before=$(wc -c <"$RES/cuda-tests.txt")
  step "$name" "$limit" sh -c 'cd tree/backend/cuda && exec env CUDA_LAUNCH_BLOCKING=1 LTSBENCH_CUDA_SYNC=1 LTSBENCH_REQUIRE_GPU=$REQ ./cuda.test -test.short -test.v -test.timeout "$0" "$@" >>"$RES/cuda-tests.txt" 2>&1' "$((limit - 5))s" "$@"
  rc=$?
  tail -c +$((before + 1)) "$RES/cuda-tests.txt" >>"$LOG"
  return $rc
}
run_cuda "CUDA backend: GPU tests" 120 -test.skip '^TestConformanceGPU'
for part in ops models golden; do
  run_cuda "CUDA backend: conformance $part (graphs)" 90 -test.run "^TestConformanceGPU\$/^$part\$"
done

# ---- measurements ----
AVAILABLE=$(timeout 20 ./ltsbench measure --help 2>/dev/null | sed -n 's/^ *Presets: //p' | tr -d ',')
GPU_PRESETS=""
for p in $PRESETS; do
  if ! echo " $AVAILABLE " | grep -q " $p "; then
    STEPS+=("measure $p|SKIP (no such preset)|0")
    log "== measure $p: no such preset (have: $AVAILABLE)"
    continue
  fi
  GPU_PRESETS="$GPU_PRESETS $p"
  [ "$DRY" = 1 ] && continue
  step "measure $p on $DEVICE" 60 sh -c "./ltsbench measure --device $DEVICE --preset $p --format json --min-time 2s --max-time 10s > '$RES/$p.gpu.json'"
  case $p in gpt2-small) step "measure $p on $DEVICE --no-graph" 60 sh -c "./ltsbench measure --device $DEVICE --preset $p --no-graph --format json --min-time 2s --max-time 10s > '$RES/$p.nograph.json'" ;; esac
  case $p in gpt2-medium) step "measure $p on $DEVICE --math tf32" 60 sh -c "./ltsbench measure --device $DEVICE --preset $p --math tf32 --format json --min-time 2s --max-time 10s > '$RES/$p.tf32.json'" ;; esac
done
# Generation: the decode step over a KV cache at measure's default context, with and
# without graphs (its cache append and cached attention are kernels of their own).
DECODE=gpt2-small; [ "$DRY" = 1 ] && DECODE=gpt2-tiny
if echo " $GPU_PRESETS " | grep -q " $DECODE "; then
  step "decode step $DECODE on $DEVICE" 60 sh -c "./ltsbench measure --device $DEVICE --preset $DECODE --mode decode --format json --min-time 2s --max-time 10s > '$RES/$DECODE.decode.json'"
  [ "$DRY" = 0 ] && step "decode step $DECODE on $DEVICE --no-graph" 60 sh -c "./ltsbench measure --device $DEVICE --preset $DECODE --mode decode --no-graph --format json --min-time 2s --max-time 10s > '$RES/$DECODE.decode-nograph.json'"
fi
if [ "$DRY" = 1 ]; then # the dry run's "device" is the CPU: measure there now, for the PyTorch side
  for p in $GPU_PRESETS; do
    step "measure $p on cpu" 60 sh -c "./ltsbench measure --device cpu --preset $p --format json --warmup 1 --min-samples 3 --min-time 0s --max-time 15s > '$RES/$p.cpu.json'"
  done
fi

# ---- PyTorch ----
if [ "$SHORT" = 1 ]; then
  NOTES+=("PyTorch comparison skipped (smoke step failed)")
elif [ -z "$TORCH_PY" ]; then
  if [ -n "$TORCH_CPU_PY" ]; then
    NOTES+=("PyTorch ($TORCH_CPU_PY) sees no GPU: no PyTorch comparison")
  else
    NOTES+=("PyTorch not found (tried:${TRIED:- no Python at all}): no PyTorch comparison")
  fi
else
  NOTES+=("PyTorch: $TORCH_PY")
  step "PyTorch models vs golden bundles" 90 "$TORCH_PY" torch_presets.py verify tree/testdata/golden/*/ --device "$DEVICE"
  SRC=gpu; [ "$DRY" = 1 ] && SRC=cpu
  FILES=$(ls "$RES"/*."$SRC".json 2>/dev/null | tr "\n" " ")
  if [ -n "$FILES" ]; then
    step "PyTorch presets on $DEVICE" 150 sh -c "'$TORCH_PY' torch_presets.py time $FILES --device $DEVICE --min-time 2 > '$RES/torch.jsonl'"
  fi
fi
for n in ${NOTES[@]+"${NOTES[@]}"}; do log "$n"; done

# ---- the rest ----
for part in ops models golden; do
  run_cuda "CUDA backend: conformance $part (no graphs)" 60 -test.run "^TestConformanceGPUNoGraph\$/^$part\$"
done
[ -x tree/internal/sysinfo/sysinfo.test ] && step "NVML tests" 60 sh -c 'cd tree/internal/sysinfo && ./sysinfo.test -test.v'
if [ "$DRY" = 0 ] && [ "$SHORT" = 0 ]; then
  for p in $GPU_PRESETS; do
    step "measure $p on cpu" 60 sh -c "./ltsbench measure --device cpu --preset $p --format json --warmup 1 --min-samples 3 --min-time 0s --max-time 15s > '$RES/$p.cpu.json'"
  done
fi
[ "$SHORT" = 0 ] && [ -x tree/backend/cpu/cpu.test ] && step "CPU backend conformance" 150 sh -c 'cd tree/backend/cpu && ./cpu.test -test.short -test.run "^TestConformance$"'

trap - EXIT
summary
FAILED=0
for s in ${STEPS[@]+"${STEPS[@]}"}; do case $s in *"|FAIL"*|*"|TIMEOUT"*) FAILED=1 ;; esac; done
exit $FAILED
