#!/usr/bin/env python3
"""The PyTorch side of `make bench-compare`: the presets of `ltsbench measure` run in
eager PyTorch on the CPU, at the same shape and thread count, for a side-by-side
latency ratio.

  torch_baseline.py MEASURE.json... [--threads N] [--warmup W] [--samples N]
  torch_baseline.py --info [--threads N]

MEASURE.json is the output of `ltsbench measure --format json`: its "arch" and
"protocol" give the model, batch × sequence, Transformer-XL's memory length and the
output mode ("full": every position, the whole vocabulary). The models are those of
gpu-check/torch_presets.py (checked there against the golden bundles: `torch_presets.py
verify testdata/golden/*/ --device cpu`), wrapped in an nn.Module put in eval() and run
under torch.no_grad(), fp32, random weights (their values do not change the speed).
Transformer-XL reads a full memory of mem_len rows per layer, as ltsbench's timed
forward does.

Each file gives one JSON line: the preset, PyTorch's version, the BLAS it called (from
torch.__config__ and the libraries this process has mapped), the thread count, the shape
and the latency in ms (median, p10, p90, mean, n and every sample). --info prints only
the environment. Without PyTorch it prints {"error": "PyTorch is not installed ..."} and
exits 3.

Threads: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to --threads
before torch is imported (OpenMP and OpenBLAS read them once, at load), and
torch.set_num_threads(--threads) after.
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="ltsbench measure --format json outputs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--info", action="store_true", help="print the environment (PyTorch, BLAS, threads) and exit")
    args = ap.parse_args()
    if not args.info and not args.paths:
        ap.error("give MEASURE.json files or --info")
    if args.threads < 1 or args.warmup < 0 or args.samples < 1:
        ap.error("--threads and --samples must be ≥ 1, --warmup ≥ 0")
    return args


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

try:
    import torch
except ImportError:
    torch = None

if torch is not None:
    sys.path.insert(0, os.path.join(HERE, "gpu-check"))
    import torch_presets as tp  # noqa: E402  (needs the thread settings above)


def blas_info():
    """What BLAS this process calls: torch's build setting and the mapped libraries."""
    cfg = torch.__config__.show()
    found = re.search(r"BLAS_INFO=([^,\s]+)", cfg)
    setting = found.group(1) if found else ""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if any(k in name for k in ("blas", "mkl", "lapack", "atlas", "blis")):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    libs = sorted(libs)
    kind = "unknown"
    joined = " ".join(libs).lower()
    if "openblas" in joined:
        kind = "OpenBLAS" + (" (OpenMP)" if "openmp" in joined else " (pthreads)" if "pthread" in joined else "")
    elif "mkl" in joined:
        kind = "MKL"
    elif "blis" in joined:
        kind = "BLIS"
    elif "atlas" in joined:
        kind = "ATLAS"
    elif "libblas" in joined:
        kind = "reference BLAS (netlib): slow; install libopenblas0-openmp"
    return {"blas": kind, "blas_libraries": libs, "torch_blas_info": setting,
            "mkldnn": bool(torch.backends.mkldnn.is_available())}


def environment():
    env = {"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads(),
           "interop_threads": torch.get_num_interop_threads(),
           "omp_num_threads": os.environ.get("OMP_NUM_THREADS")}
    # BLAS libraries are mapped once torch has run a product.
    torch.ones(8, 8) @ torch.ones(8, 8)
    env.update(blas_info())
    return env


class Preset(torch.nn.Module if torch is not None else object):
    """One preset: torch_presets' functional GPT-2 or Transformer-XL over its weights."""

    def __init__(self, a, w):
        super().__init__()
        self.a, self.w = a, w

    def forward(self, ids, mems=None, output="full"):
        if self.a["type"] == "transformer_xl":
            return tp.txl_forward(self.a, self.w, ids, mems, output)[0]
        return tp.gpt2_forward(self.a, self.w, ids, output)


def time_preset(measure, warmup, samples):
    a = tp.norm_arch(measure["arch"])
    proto = measure.get("protocol", {})
    B, T = proto.get("batch", 1), proto.get("seq_len", 192)
    M = proto.get("mem_len", 0)
    output = proto.get("output", "full")
    model = Preset(a, tp.random_weights(a, torch.device("cpu"))).eval()
    g = torch.Generator(device="cpu").manual_seed(1111)
    ids = torch.randint(0, a["V"], (B, T), generator=g)
    mems = [torch.randn(B, M, a["d"], generator=g) * 0.5 for _ in range(a["L"])] if M > 0 else None
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            model(ids, mems, output)
        for _ in range(samples):
            t0 = time.perf_counter()
            model(ids, mems, output)
            times.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(times, n=10) if len(times) >= 2 else [times[0]] * 9
    return {"name": measure.get("name", ""), "batch": B, "seq_len": T, "mem_len": M, "output": output,
            "latency_ms": {"median": statistics.median(times), "p10": q[0], "p90": q[-1],
                           "mean": statistics.fmean(times), "n": len(times)},
            "samples_ms": times}


def main():
    if torch is None:
        print(json.dumps({"error": f"PyTorch is not installed for {sys.executable} (Debian: apt-get install python3-torch libopenblas0-openmp)"}))
        return 3
    torch.set_num_threads(ARGS.threads)
    env = environment()
    if ARGS.info:
        print(json.dumps(env))
        return 0
    status = 0
    for p in ARGS.paths:
        try:
            with open(p) as f:
                m = json.load(f)
            res = time_preset(m, ARGS.warmup, ARGS.samples)
            res.update(env)
            print(json.dumps(res), flush=True)
        except Exception as e:  # one failing preset does not stop the others
            status = 1
            print(json.dumps({"source": p, "error": f"{type(e).__name__}: {e}"}), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
