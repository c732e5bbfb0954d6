#!/usr/bin/env python3
"""Plain GPT-2 in PyTorch for `scripts/bench-compare`: the model ONNX Runtime runs (exported
from it) and the model PyTorch is timed on, so both engines run the very same graph.

  gpt2_onnx.py info [--threads N]
  gpt2_onnx.py export MEASURE.json DIR [--threads N]
  gpt2_onnx.py time MEASURE.json [--threads N] [--warmup W] [--samples N]

MEASURE.json is `ltsbench measure --format json` output: its "arch" (a plain GPT-2: no
adaptive embedding or softmax) and "protocol" (batch, seq_len, output "full": the logits
of every position; "none": the last hidden state after ln_f, no head) fix the model and
its fixed input shape. Output of `measure --mode decode` (its "generation" has mode
"decode" and the context C) makes it a decode case: the step at position C over a KV cache
filled to C positions, batch B, one new token per sequence, the logits of that token only
[B, 1, V] (see "decode" below). The weights are gpu-check/torch_presets.py's random weights (their
values do not change the speed); the layers are those of torch_presets.gpt2_forward
without its extra outputs: pre-LN blocks with Conv1D weights, gelu_new (tanh), causal
attention by an additive mask, ln_f, the head tied to the token embedding.

export writes DIR/model.onnx (torch.onnx.export, opset 17, fixed shapes, input "ids"
int64 [B, T], output "out"), DIR/ids.bin (the check's token ids, int64 little-endian),
DIR/ref.bin (PyTorch's output for them, float32) and DIR/meta.json (shapes, versions),
and prints meta.json's content as one JSON line. time prints
one JSON line with the latency in ms (median, p10, p90, mean, n and every sample).

Decode. PyTorch runs the step at its best: a preallocated cache per layer, keys and values
[B, H, C + 1, dh] each; the step writes the token's key and value at position C in place
and attends over positions 0..C (one query: no mask, no torch.cat copy), then wpe[C] was
added at the input, ln_f and the head for the one token. time fills the cache by running
the step at positions 0..C-1 (untimed), then times the step at position C over and over
(every step does the same work, as `ltsbench measure --mode decode` does). export first
checks the step against the forward, an independent path: the step run token by token
from an empty cache over C + 1 token ids gives the last position's logits of the full
forward over those ids (max abs diff printed as "self_check_max_abs_diff"; above
--tolerance export fails). It then exports the step with the past as inputs: "ids" int64
[B, 1] and per layer i "past_k_i", "past_v_i" float32 [B, H_i, C, dh_i]; outputs "logits"
[B, 1, V] and "present_k_i", "present_v_i" [B, H_i, 1, dh_i] (the token's new key and
value, what a generator appends to its cache). Inside that graph the past and the token's
key/value are concatenated (Concat: a copy of the past per step), the usual ONNX form of
a KV cache. The .bin files of every input (the past is the cache PyTorch filled) and the
PyTorch step's outputs for them (ref.bin the logits, present_k_i.bin, ...) are listed in
meta.json's "inputs" and "outputs" for ort_bench.js --check. info
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
    ap.add_argument("--tolerance", type=float, default=1e-3,
                    help="export of a decode case: largest absolute difference allowed between the step and the forward")
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


def step_layers(base, ids, pos, attend, mv=False):
    """The decode step of base's model for ids [B, 1] at position pos: the token's
    embedding plus wpe[pos], the blocks, ln_f and the head → logits [B, 1, V].
    attend(i, q, k, v) gets layer i's query (scaled by 1/√dh), key and value of the
    token, each [B, H, 1, dh], and returns the attention's output [B, H, 1, dh] over the
    cached positions and the token. mv (batch 1 only): every product is a matrix-vector
    product (torch.addmv, torch.mv: BLAS's gemv, which OpenBLAS runs several times faster
    than a one-row gemm here); else addmm and linear, as the forward."""
    a, p = base.a, base.p
    B, d = ids.shape[0], a["d"]
    if mv and B != 1:
        raise ValueError("mv: batch 1 only")

    def lin(x, name):
        if mv:
            return torch.addmv(p(name + ".bias"), p(name + ".weight").t(), x.view(-1)).view(1, -1)
        return torch.addmm(p(name + ".bias"), x, p(name + ".weight"))

    h = (F.embedding(ids, p("transformer.wte.weight")) + p("transformer.wpe.weight")[pos:pos + 1]).view(B, d)
    for i in range(a["L"]):
        pre, H = f"transformer.h.{i}.", a["heads"][i]
        dh = d // H
        x = F.layer_norm(h, (d,), p(pre + "ln_1.weight"), p(pre + "ln_1.bias"), 1e-5)
        qkv = lin(x, pre + "attn.c_attn").view(B, 3, H, 1, dh)
        o = attend(i, qkv[:, 0] * (1.0 / math.sqrt(dh)), qkv[:, 1], qkv[:, 2]).reshape(B, d)
        h = h + lin(o, pre + "attn.c_proj")
        m = F.layer_norm(h, (d,), p(pre + "ln_2.weight"), p(pre + "ln_2.bias"), 1e-5)
        h = h + lin(F.gelu(lin(m, pre + "mlp.c_fc"), approximate="tanh"), pre + "mlp.c_proj")
    fin = F.layer_norm(h, (d,), p("transformer.ln_f.weight"), p("transformer.ln_f.bias"), 1e-5)
    if mv:
        return torch.mv(p("transformer.wte.weight"), fin.view(-1)).view(1, 1, -1)
    return F.linear(fin, p("transformer.wte.weight")).view(B, 1, -1)


class Decoder:
    """PyTorch's decode at its best: per layer a preallocated cache of keys and values,
    [B, H, cap, dh] each; step writes the token's key and value at pos in place and
    attends over positions 0..pos (one query: no mask, nothing concatenated)."""

    def __init__(self, base, B, cap):
        d = base.a["d"]
        self.base, self.cap = base, cap
        self.k = [torch.zeros(B, H, cap, d // H) for H in base.a["heads"]]
        self.v = [torch.zeros(B, H, cap, d // H) for H in base.a["heads"]]

    def step(self, ids, pos):
        if not 0 <= pos < self.cap:
            raise ValueError(f"position {pos} is outside the cache (capacity {self.cap})")

        def attend(i, q, k, v):
            kc, vc = self.k[i], self.v[i]
            kc[:, :, pos:pos + 1].copy_(k)
            vc[:, :, pos:pos + 1].copy_(v)
            s = q @ kc[:, :, :pos + 1].transpose(-1, -2)
            return torch.softmax(s, dim=-1) @ vc[:, :, :pos + 1]

        return step_layers(self.base, ids, pos, attend, mv=ids.shape[0] == 1)


class GPT2Step(torch.nn.Module if torch is not None else object):
    """The decode step at the fixed position C in the form ONNX exports: the past as
    inputs, forward(ids [B, 1], past_k_0, past_v_0, past_k_1, ...) with past_*_i
    [B, H_i, C, dh_i] → (logits [B, 1, V], present_k_0, present_v_0, ...), the token's
    key and value [B, H_i, 1, dh_i] per layer. The past and the token's key and value are
    concatenated (a copy of the past per step)."""

    def __init__(self, base, C):
        super().__init__()
        self.base, self.C = base, C

    def forward(self, ids, *past):
        present = []

        def attend(i, q, k, v):
            present.extend((k, v))
            kk = torch.cat([past[2 * i], k], dim=2)
            vv = torch.cat([past[2 * i + 1], v], dim=2)
            s = q @ kk.transpose(-1, -2)
            return torch.softmax(s, dim=-1) @ vv

        logits = step_layers(self.base, ids, self.C, attend)
        return (logits, *present)


def load(path):
    """The model of MEASURE.json, its check's token ids and its shape. A decode case's
    model runs the full forward over C + 1 positions (the step's self-check) and its ids
    are [B, C + 1]: the C that fill the cache and the step's token."""
    with open(path) as f:
        m = json.load(f)
    a = tp.norm_arch(m["arch"])
    proto = m.get("protocol", {})
    gen = m.get("generation") or {}
    B, T, output = proto.get("batch", 1), proto.get("seq_len", 192), proto.get("output", "full")
    shape = {"batch": B, "seq_len": T, "output": output}
    if gen.get("mode") == "decode":
        C = gen.get("context")
        if not isinstance(C, int) or C < 0:
            raise ValueError(f"{path}: a decode measurement without a context")
        T, output = C + 1, "full"
        shape = {"mode": "decode", "batch": B, "seq_len": 1, "context": C, "output": "last"}
    a["positions"] = max(a["positions"] or 0, T)
    model = GPT2(a, tp.random_weights(a, torch.device("cpu")), B, T, output).eval()
    ids = torch.randint(0, a["V"], (B, T), generator=torch.Generator().manual_seed(1111))
    return model, ids, shape


def fill(model, ids, C):
    """A Decoder of capacity C + 1 with its cache filled by steps at positions 0..C-1."""
    dec = Decoder(model, ids.shape[0], C + 1)
    for pos in range(C):
        dec.step(ids[:, pos:pos + 1], pos)
    return dec


def write(t, path):
    t.contiguous().numpy().astype("<f4" if t.is_floating_point() else "<i8").tofile(path)


def export_decode(model, ids, shape, out_dir, tolerance):
    C, B = shape["context"], shape["batch"]
    onnx_path = os.path.join(out_dir, "model.onnx")
    t0 = time.time()
    with torch.no_grad():
        dec = fill(model, ids, C)
        tok = ids[:, C:C + 1]
        ref = dec.step(tok, C)
        want = model(ids)[:, -1:]  # the forward over all C + 1 ids, its last position
        self_diff = (ref - want).abs().max().item()
        if not self_diff <= tolerance:
            raise ValueError(f"decode self-check: the step at position {C} after {C} steps differs from the forward's "
                             f"last position by {self_diff:.3g} (above --tolerance {tolerance:g})")
        step = GPT2Step(model, C).eval()
        past, names = [], []
        for i in range(model.a["L"]):
            past += [dec.k[i][:, :, :C].contiguous(), dec.v[i][:, :, :C].contiguous()]
            names += [f"past_k_{i}", f"past_v_{i}"]
        outs = ["logits"] + [n.replace("past", "present") for n in names]
        torch.onnx.export(step, (tok, *past), onnx_path + ".tmp", opset_version=17, input_names=["ids"] + names,
                          output_names=outs, do_constant_folding=True)
    os.replace(onnx_path + ".tmp", onnx_path)
    inputs = [{"name": "ids", "file": "ids.bin", "type": "int64", "shape": list(tok.shape)}]
    write(tok, os.path.join(out_dir, "ids.bin"))
    for n, t in zip(names, past):
        write(t, os.path.join(out_dir, n + ".bin"))
        inputs.append({"name": n, "file": n + ".bin", "type": "float32", "shape": list(t.shape)})
    outputs = [{"name": "logits", "file": "ref.bin", "shape": list(ref.shape)}]
    write(ref, os.path.join(out_dir, "ref.bin"))
    for i in range(model.a["L"]):
        for kind, cache in (("k", dec.k[i]), ("v", dec.v[i])):
            n = f"present_{kind}_{i}"
            t = cache[:, :, C:C + 1]
            write(t, os.path.join(out_dir, n + ".bin"))
            outputs.append({"name": n, "file": n + ".bin", "shape": list(t.shape)})
    return dict(shape, model=onnx_path, out_shape=list(ref.shape), inputs=inputs, outputs=outputs,
                self_check_max_abs_diff=self_diff, self_check_ref_max_abs=want.abs().max().item(),
                bytes=os.path.getsize(onnx_path), export_s=round(time.time() - t0, 1), torch=torch.__version__)


def export(path, out_dir, tolerance):
    model, ids, shape = load(path)
    os.makedirs(out_dir, exist_ok=True)
    if shape.get("mode") == "decode":
        meta = export_decode(model, ids, shape, out_dir, tolerance)
        meta["source"] = os.path.abspath(path)
    else:
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
        if shape.get("mode") == "decode":
            C = shape["context"]
            dec, tok = fill(model, ids, C), ids[:, C:C + 1]  # untimed
            run = lambda: dec.step(tok, C)
        else:
            run = lambda: model(ids)
        for _ in range(warmup):
            run()
        for _ in range(samples):
            t0 = time.perf_counter()
            run()
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
            res = export(*ARGS.paths, ARGS.tolerance)
        else:
            res = time_model(ARGS.paths[0], ARGS.warmup, ARGS.samples)
            res.update(info())
    except Exception as e:  # one line for the caller
        return fail(f"{type(e).__name__}: {e}")
    print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
