#!/usr/bin/env python3
"""Plain GPT-2 in PyTorch for `scripts/bench-compare`: the model ONNX Runtime runs (exported
from it) and the model PyTorch is timed on, so both engines run the very same graph.

  gpt2_onnx.py info [--threads N]
  gpt2_onnx.py export MEASURE.json DIR [--threads N]
  gpt2_onnx.py time MEASURE.json [--threads N] [--warmup W] [--samples N]

MEASURE.json is `ltsbench measure --format json` output: its "arch" (a plain GPT-2: no
adaptive embedding or softmax) and "protocol" (batch, seq_len, output "full": the logits
of every position; "none": the last hidden state after ln_f, no head) fix the model and
its fixed input shape. The weights are gpu-check/torch_presets.py's random weights (their
values do not change the speed); the layers are those of torch_presets.gpt2_forward
without its extra outputs: pre-LN blocks with Conv1D weights, gelu_new (tanh), causal
attention by an additive mask, ln_f, the head tied to the token embedding.

export writes DIR/model.onnx (torch.onnx.export, opset 17, fixed shapes, input "ids"
int64 [B, T], output "out"), DIR/ids.bin (the check's token ids, int64 little-endian),
DIR/ref.bin (PyTorch's output for them, float32) and DIR/meta.json (shapes, versions),
and prints meta.json's content as one JSON line. time prints
one JSON line with the latency in ms (median, p10, p90, mean, n and every sample). info
prints PyTorch's version, threads and BLAS: the library mapped and, for OpenBLAS, the
kernel it picked (openblas_get_corename). Every failure is one JSON line {"error": ...}
and exit status 3 (PyTorch missing) or 1.
"""
import argparse
import ctypes
import json
import math
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["info", "export", "time"])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--samples", type=int, default=5)
    a = ap.parse_args()
    need = {"info": 0, "export": 2, "time": 1}[a.cmd]
    if len(a.paths) != need:
        ap.error(f"{a.cmd} takes {need} paths")
    if a.threads < 1 or a.samples < 1 or a.warmup < 0:
        ap.error("--threads and --samples must be ≥ 1, --warmup ≥ 0")
    return a


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)  # read once, when the libraries load

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

if torch is not None:
    sys.path.insert(0, os.path.join(HERE, "..", "gpu-check"))
    import torch_presets as tp  # noqa: E402


def fail(msg, code=1):
    print(json.dumps({"error": msg}), flush=True)
    return code


def blas():
    """The BLAS library this process mapped and, for OpenBLAS, the kernel it chose."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and any(k in os.path.basename(parts[-1]).lower() for k in ("blas", "mkl")):
                libs.add(os.path.realpath(parts[-1]))
    core = None
    for lib in sorted(libs):
        try:
            fn = ctypes.CDLL(lib).openblas_get_corename
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_char_p
        core = fn().decode()
        break
    return sorted(libs), core


def info():
    torch.ones(64, 64) @ torch.ones(64, 64)  # maps the BLAS
    libs, core = blas()
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas_libraries": libs,
            "openblas_core": core, "mkldnn": bool(torch.backends.mkldnn.is_available()),
            "glibc_tunables": os.environ.get("GLIBC_TUNABLES", ""),
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "")}


class GPT2(torch.nn.Module if torch is not None else object):
    """Plain GPT-2 over fixed [B, T] token ids; output "full" gives the logits [B, T, V],
    "none" the last hidden state [B, T, d] (ln_f applied, no head)."""

    def __init__(self, a, w, B, T, output):
        super().__init__()
        if a["type"] != "gpt2":
            raise ValueError(f"only plain GPT-2 is exported (this is {a['type']})")
        if output not in ("full", "none"):
            raise ValueError(f'output {output!r}: only "full" and "none" are compared')
        self.a, self.B, self.T, self.output = a, B, T, output
        self.names = {}
        for name, t in w.items():
            key = name.replace(".", "_")
            self.names[name] = key
            self.register_buffer(key, t)
        mask = torch.full((T, T), float("-inf")).triu(1)
        self.register_buffer("mask", mask)

    def p(self, name):
        return getattr(self, self.names[name])

    def forward(self, ids):
        a, B, T, d = self.a, self.B, self.T, self.a["d"]
        h = F.embedding(ids, self.p("transformer.wte.weight")) + self.p("transformer.wpe.weight")[:T]
        for i in range(a["L"]):
            pre, H = f"transformer.h.{i}.", a["heads"][i]
            dh = d // H
            x = F.layer_norm(h, (d,), self.p(pre + "ln_1.weight"), self.p(pre + "ln_1.bias"), 1e-5)
            qkv = torch.addmm(self.p(pre + "attn.c_attn.bias"), x.view(-1, d), self.p(pre + "attn.c_attn.weight"))
            qkv = qkv.view(B, T, 3, H, dh).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = (q * (1.0 / math.sqrt(dh))) @ k.transpose(-1, -2) + self.mask
            o = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(B * T, d)
            h = h + torch.addmm(self.p(pre + "attn.c_proj.bias"), o, self.p(pre + "attn.c_proj.weight")).view(B, T, d)
            m = F.layer_norm(h, (d,), self.p(pre + "ln_2.weight"), self.p(pre + "ln_2.bias"), 1e-5).view(-1, d)
            f = F.gelu(torch.addmm(self.p(pre + "mlp.c_fc.bias"), m, self.p(pre + "mlp.c_fc.weight")), approximate="tanh")
            h = h + torch.addmm(self.p(pre + "mlp.c_proj.bias"), f, self.p(pre + "mlp.c_proj.weight")).view(B, T, d)
        fin = F.layer_norm(h, (d,), self.p("transformer.ln_f.weight"), self.p("transformer.ln_f.bias"), 1e-5)
        if self.output == "none":
            return fin
        return F.linear(fin, self.p("transformer.wte.weight"))


def load(path):
    with open(path) as f:
        m = json.load(f)
    a = tp.norm_arch(m["arch"])
    proto = m.get("protocol", {})
    B, T, output = proto.get("batch", 1), proto.get("seq_len", 192), proto.get("output", "full")
    a["positions"] = max(a["positions"] or 0, T)
    model = GPT2(a, tp.random_weights(a, torch.device("cpu")), B, T, output).eval()
    ids = torch.randint(0, a["V"], (B, T), generator=torch.Generator().manual_seed(1111))
    return model, ids, {"batch": B, "seq_len": T, "output": output}


def export(path, out_dir):
    model, ids, shape = load(path)
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, "model.onnx")
    t0 = time.time()
    with torch.no_grad():
        ref = model(ids)
        torch.onnx.export(model, (ids,), onnx_path + ".tmp", opset_version=17, input_names=["ids"],
                          output_names=["out"], do_constant_folding=True)
    os.replace(onnx_path + ".tmp", onnx_path)
    ids.numpy().astype("<i8").tofile(os.path.join(out_dir, "ids.bin"))
    ref.numpy().astype("<f4").tofile(os.path.join(out_dir, "ref.bin"))
    meta = dict(shape, model=onnx_path, out_shape=list(ref.shape), bytes=os.path.getsize(onnx_path),
                export_s=round(time.time() - t0, 1), torch=torch.__version__, source=os.path.abspath(path))
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f)
    return meta


def time_model(path, warmup, samples):
    model, ids, shape = load(path)
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            model(ids)
        for _ in range(samples):
            t0 = time.perf_counter()
            model(ids)
            times.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(times, n=10) if len(times) >= 2 else [times[0]] * 9
    return dict(shape, latency_ms={"median": statistics.median(times), "p10": q[0], "p90": q[-1],
                                   "mean": statistics.fmean(times), "n": len(times)}, samples_ms=times)


def main():
    if torch is None:
        return fail(f"PyTorch is not installed for {sys.executable} (Debian: apt-get install python3-torch libopenblas0-openmp)", 3)
    torch.set_num_threads(ARGS.threads)
    try:
        if ARGS.cmd == "info":
            res = info()
        elif ARGS.cmd == "export":
            res = export(*ARGS.paths)
        else:
            res = time_model(ARGS.paths[0], ARGS.warmup, ARGS.samples)
            res.update(info())
    except Exception as e:  # one line for the caller
        return fail(f"{type(e).__name__}: {e}")
    print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
