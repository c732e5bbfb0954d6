#!/usr/bin/python3
"""Regenerate the golden bundles from their config.json and the equations.

Each bundle under testdata/golden holds config.json, model.safetensors (float32
weights), inputs.safetensors (int64 token ids) and expected.safetensors (the outputs).
From config.json alone this script draws the weights and token ids (the seed and
weight_init of its "golden" object; see draw_weights and draw_inputs), then computes the
outputs with the equations of testdata/golden/README.md in PyTorch, in float64 on the
float32 weights, rounded to float32.

  check   regenerates all three files in memory and compares them with the committed
          ones: weights and token ids must be identical; each output tensor is reported
          as bit-identical or by its largest difference, and the check fails when one
          differs by more than CHECK_TOL * max(1, max |E|)
  write   writes the three files into the bundle folder (config.json must be there)

Run with Debian's python3 and python3-torch:

  /usr/bin/python3 scripts/golden/golden.py check testdata/golden/*/
"""

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

# A float64 computation rounded to float32 differs from another float64 computation of
# the same equations only where a different summation order (BLAS blocking, threads)
# moves a value across a float32 rounding boundary: one unit in the last place, about
# 6e-8 relative. CHECK_TOL leaves room for a few such units and stays 100x under the
# tolerance the Go tests apply (1e-4).
CHECK_TOL = 1e-6

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


# ---------------------------------------------------------------- safetensors


def read_safetensors(path):
    """Returns ({name: numpy array}, metadata)."""
    b = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", b[:8])
    header = json.loads(b[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = b[8 + n :]
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"]).copy()
    return out, meta


def encode_safetensors(tensors, meta):
    """The writer of the committed files: tensors in sorted-name order, the header padded
    with spaces to a multiple of 8 bytes."""
    header, blobs, off = {}, [], 0
    if meta:
        header["__metadata__"] = meta
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


# ---------------------------------------------------------------- shared pieces


def t(w, name):
    return torch.from_numpy(w[name]).double()


def layer_norm(x, w, prefix, eps):
    return F.layer_norm(x, x.shape[-1:], t(w, prefix + ".weight"), t(w, prefix + ".bias"), eps)


def ends_of(cfg):
    """Archai's clean_cutoffs: the increasing cutoffs below V, then V."""
    V = cfg["vocab_size"]
    ends = [0]
    for c in cfg.get("cutoffs") or []:
        if ends[-1] < c < V:
            ends.append(c)
    return ends + [V]


class Adaptive:
    """AdaptiveEmbedding and ProjectedAdaptiveLogSoftmax over one set of tensors:
    emb = "word_emb." (Transformer-XL) or "transformer.wte." (GPT-2 flex),
    crit = "crit." or "lm_head."."""

    def __init__(self, cfg, w, emb, crit):
        self.cfg, self.w, self.emb, self.crit = cfg, w, emb, crit
        self.ends = ends_of(cfg)
        self.div = cfg["div_val"]
        self.d = cfg["d_model"]
        self.nproj = sum(1 for k in w if k.startswith(emb + "emb_projs."))

    def embed(self, ids):
        w, emb = self.w, self.emb
        if self.div == 1:
            e = t(w, emb + "emb_layers.0.weight")[ids]
            if emb + "emb_projs.0" in w:
                e = F.linear(e, t(w, emb + "emb_projs.0"))
        else:
            e = torch.zeros(*ids.shape, self.d, dtype=torch.float64)
            for c in range(len(self.ends) - 1):
                lo, hi = self.ends[c], self.ends[c + 1]
                m = (ids >= lo) & (ids < hi)
                if m.any():
                    x = t(w, emb + f"emb_layers.{c}.weight")[ids[m] - lo]
                    e[m] = F.linear(x, t(w, emb + f"emb_projs.{c}"))
        return e * math.sqrt(self.d)

    def _table(self, c):
        """Output weight, bias and projection of cluster c (README "Output layer")."""
        w, emb, crit, ends = self.w, self.emb, self.crit, self.ends
        if crit + f"out_layers_weights.{c}" in w:
            W = t(w, crit + f"out_layers_weights.{c}")
        elif self.div == 1:
            W = t(w, emb + "emb_layers.0.weight")[ends[c] : ends[c + 1]]
        else:
            W = t(w, emb + f"emb_layers.{c}.weight")
        if self.div == 1:
            b = t(w, crit + "out_layers_biases.0")[ends[c] : ends[c + 1]]
        else:
            b = t(w, crit + f"out_layers_biases.{c}")
        P = None
        tie = self.cfg.get("tie_projs") or []
        if c < len(tie) and tie[c]:
            if self.nproj >= 2:
                P = t(w, emb + f"emb_projs.{c}")
            elif self.nproj == 1:
                P = t(w, emb + "emb_projs.0")
        elif crit + f"out_projs.{c}" in w:
            P = t(w, crit + f"out_projs.{c}")
        return W, b, P

    @staticmethod
    def _logit(h, W, b, P):
        if P is not None:
            h = F.linear(h, P.t().contiguous())
        return F.linear(h, W, b)

    def log_probs(self, h):
        """Returns (log_probs, logits or None) for final hidden vectors h [..., d]."""
        ends, n = self.ends, len(self.ends) - 2
        if n == 0:
            logits = self._logit(h, *self._table(0))
            return F.log_softmax(logits, dim=-1), logits
        W0, b0, P0 = self._table(0)
        W0 = torch.cat([W0, t(self.w, self.crit + "cluster_weight")], 0)
        b0 = torch.cat([b0, t(self.w, self.crit + "cluster_bias")], 0)
        head = F.log_softmax(self._logit(h, W0, b0, P0), dim=-1)
        out = torch.empty(*h.shape[:-1], ends[-1], dtype=torch.float64)
        out[..., : ends[1]] = head[..., : ends[1]]
        for c in range(1, n + 1):
            tail = F.log_softmax(self._logit(h, *self._table(c)), dim=-1)
            out[..., ends[c] : ends[c + 1]] = head[..., ends[1] + c - 1 : ends[1] + c] + tail
        return out, None


# ---------------------------------------------------------------- GPT-2 and GPT-2 flex


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_block(cfg, w, i, h, mask_value):
    p = f"transformer.h.{i}."
    eps = cfg["layer_norm_epsilon"]
    B, T, d = h.shape
    H = cfg["n_head"][i]
    hd = d // H
    a = layer_norm(h, w, p + "ln_1", eps)
    qkv = torch.addmm(t(w, p + "attn.c_attn.bias"), a.reshape(-1, d), t(w, p + "attn.c_attn.weight")).view(B, T, 3 * d)
    q, k, v = qkv.split(d, dim=2)
    q, k, v = (x.view(B, T, H, hd).permute(0, 2, 1, 3) for x in (q, k, v))
    s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    s = torch.where(causal, s, torch.tensor(mask_value, dtype=s.dtype))
    o = torch.matmul(F.softmax(s, dim=-1), v).permute(0, 2, 1, 3).reshape(B * T, d)
    h = h + torch.addmm(t(w, p + "attn.c_proj.bias"), o, t(w, p + "attn.c_proj.weight")).view(B, T, d)
    m = layer_norm(h, w, p + "ln_2", eps).reshape(B * T, d)
    f = gelu_new(torch.addmm(t(w, p + "mlp.c_fc.bias"), m, t(w, p + "mlp.c_fc.weight")))
    return h + torch.addmm(t(w, p + "mlp.c_proj.bias"), f, t(w, p + "mlp.c_proj.weight")).view(B, T, d)


def gpt2(cfg, w, inputs):
    ids = torch.from_numpy(inputs["input_ids"]).long()
    T = ids.shape[1]
    flex = cfg["model_type"] == "gpt2_flex"
    if flex:
        ad = Adaptive(cfg, w, "transformer.wte.", "lm_head.")
        h = ad.embed(ids) + t(w, "transformer.wpe.weight")[:T]
    else:
        h = t(w, "transformer.wte.weight")[ids] + t(w, "transformer.wpe.weight")[:T]
    # HF fills masked scores with float.min, Archai's flex attention with -1e4; either
    # gives the masked keys probability exactly 0 here.
    mask_value = -1e4 if flex else torch.finfo(torch.float64).min
    hidden = [h]
    for i in range(cfg["n_layer"]):
        h = gpt2_block(cfg, w, i, h, mask_value)
        hidden.append(h)
    f = layer_norm(h, w, "transformer.ln_f", cfg["layer_norm_epsilon"])
    out = {"hidden_states": torch.stack(hidden), "final_hidden": f}
    if flex:
        out["log_probs"], _ = ad.log_probs(f)
    else:
        out["logits"] = torch.matmul(f, t(w, "transformer.wte.weight").t())
    return out


# ---------------------------------------------------------------- Transformer-XL


def rel_shift(x):
    """Archai's _rel_shift on [qlen, klen, B, H]."""
    zero = torch.zeros((x.size(0), 1, *x.size()[2:]), dtype=x.dtype)
    xp = torch.cat([zero, x], dim=1).view(x.size(1) + 1, x.size(0), *x.size()[2:])
    return xp[1:].view_as(x)


def txl_layer(cfg, w, i, x, mem, pos):
    """One post-LN layer, time-major: x [T, B, d], mem [m, B, d], pos [K, d]."""
    p = f"layers.{i}."
    eps = cfg["layer_norm_epsilon"]
    T, B, d = x.shape
    H = cfg["n_head"][i]
    dh = d // H
    cat = torch.cat([mem, x], 0)
    K, m = cat.size(0), mem.size(0)
    heads = F.linear(cat, t(w, p + "dec_attn.qkv_net.weight"))
    r_k = F.linear(pos, t(w, p + "dec_attn.r_net.weight")).view(K, H, dh)
    q, k, v = torch.chunk(heads, 3, dim=-1)
    q = q[-T:].view(T, B, H, dh)
    k, v = k.view(K, B, H, dh), v.view(K, B, H, dh)
    AC = torch.einsum("ibnd,jbnd->ijbn", (q + t(w, f"r_w_bias_{i}"), k))
    BD = rel_shift(torch.einsum("ibnd,jnd->ijbn", (q + t(w, f"r_r_bias_{i}"), r_k)))
    score = (AC + BD) * (1.0 / math.sqrt(dh))
    mask = torch.triu(torch.ones(T, K, dtype=torch.bool), diagonal=1 + m)[:, :, None, None]
    prob = F.softmax(score.masked_fill(mask, -float("inf")), dim=1)
    vec = torch.einsum("ijbn,jbnd->ibnd", (prob, v)).reshape(T, B, H * dh)
    y = layer_norm(x + F.linear(vec, t(w, p + "dec_attn.o_net.weight")), w, p + "dec_attn.layer_norm", eps)
    ff = F.linear(F.relu(F.linear(y, t(w, p + "pos_ff.CoreNet.0.weight"), t(w, p + "pos_ff.CoreNet.0.bias"))),
                  t(w, p + "pos_ff.CoreNet.3.weight"), t(w, p + "pos_ff.CoreNet.3.bias"))
    return layer_norm(y + ff, w, p + "pos_ff.layer_norm", eps)


def transformer_xl(cfg, w, inputs):
    L, d, mem_len = cfg["n_layer"], cfg["d_model"], cfg["mem_len"]
    ad = Adaptive(cfg, w, "word_emb.", "crit.")
    inv_freq = 1.0 / (10000 ** (torch.arange(0.0, d, 2.0, dtype=torch.float64) / d))
    segs = sorted((k for k in inputs if k.startswith("input_ids_seg")), key=lambda k: int(k[len("input_ids_seg"):]))
    B = inputs[segs[0]].shape[0]
    mems = [torch.zeros(0, B, d, dtype=torch.float64) for _ in range(L)]
    out = {}
    for s, name in enumerate(segs, 1):
        ids = torch.from_numpy(inputs[name]).long().t()  # [T, B]
        T, m = ids.shape[0], mems[0].size(0)
        K = m + T
        pos_seq = torch.arange(K - 1, -1, -1.0, dtype=torch.float64)
        sinusoid = torch.outer(pos_seq, inv_freq)
        pos = torch.cat([sinusoid.sin(), sinusoid.cos()], dim=-1)
        x = ad.embed(ids)
        hidden = [x]
        for i in range(L):
            x = txl_layer(cfg, w, i, x, mems[i], pos)
            hidden.append(x)
        end = m + T
        beg = max(0, end - mem_len)
        mems = [torch.cat([mems[i], hidden[i]], 0)[beg:end] for i in range(L)]
        lp, logits = ad.log_probs(x.transpose(0, 1))  # batch-major [B, T, V]
        out[f"hidden_states_seg{s}"] = torch.stack(hidden).transpose(1, 2)
        out[f"log_probs_seg{s}"] = lp
        if logits is not None:
            out[f"logits_seg{s}"] = logits
        if mem_len > 0:
            out[f"mems_after_seg{s}"] = torch.stack(mems).transpose(1, 2)
    return out


# ---------------------------------------------------------------- weights and token ids


def tensor_shapes(cfg):
    """The stored tensors of a config (README "Tensors"), name -> shape."""
    V, d, L = cfg["vocab_size"], cfg["d_model"], cfg["n_layer"]
    mt = cfg["model_type"]
    shapes = {}
    if mt in ("gpt2", "gpt2_flex"):
        shapes["transformer.wpe.weight"] = [cfg["n_positions"], d]
        for i in range(L):
            p, F_ = f"transformer.h.{i}.", cfg["d_inner"][i]
            for ln in ("ln_1", "ln_2"):
                shapes[p + ln + ".weight"] = shapes[p + ln + ".bias"] = [d]
            shapes[p + "attn.c_attn.weight"], shapes[p + "attn.c_attn.bias"] = [d, 3 * d], [3 * d]
            shapes[p + "attn.c_proj.weight"], shapes[p + "attn.c_proj.bias"] = [d, d], [d]
            shapes[p + "mlp.c_fc.weight"], shapes[p + "mlp.c_fc.bias"] = [d, F_], [F_]
            shapes[p + "mlp.c_proj.weight"], shapes[p + "mlp.c_proj.bias"] = [F_, d], [d]
        shapes["transformer.ln_f.weight"] = shapes["transformer.ln_f.bias"] = [d]
        if mt == "gpt2":
            shapes["transformer.wte.weight"] = [V, d]
            return shapes
        emb, crit = "transformer.wte.", "lm_head."
    else:
        for i in range(L):
            p, F_, H = f"layers.{i}.", cfg["d_inner"][i], cfg["n_head"][i]
            dh = d // H
            shapes[p + "dec_attn.qkv_net.weight"] = [3 * H * dh, d]
            shapes[p + "dec_attn.r_net.weight"] = [H * dh, d]
            shapes[p + "dec_attn.o_net.weight"] = [d, H * dh]
            for ln in ("dec_attn.layer_norm", "pos_ff.layer_norm"):
                shapes[p + ln + ".weight"] = shapes[p + ln + ".bias"] = [d]
            shapes[p + "pos_ff.CoreNet.0.weight"], shapes[p + "pos_ff.CoreNet.0.bias"] = [F_, d], [F_]
            shapes[p + "pos_ff.CoreNet.3.weight"], shapes[p + "pos_ff.CoreNet.3.bias"] = [d, F_], [d]
            shapes[f"r_w_bias_{i}"] = shapes[f"r_r_bias_{i}"] = [H, dh]
        emb, crit = "word_emb.", "crit."
    ends, de, div = ends_of(cfg), cfg["d_embed"], cfg["div_val"]
    n = len(ends) - 2
    if div == 1:
        shapes[emb + "emb_layers.0.weight"] = [V, de]
        shapes[crit + "out_layers_biases.0"] = [V]
        projs = [de] if de != d else []
    else:
        projs = []
        for c in range(n + 1):
            shapes[emb + f"emb_layers.{c}.weight"] = [ends[c + 1] - ends[c], de // div**c]
            shapes[crit + f"out_layers_biases.{c}"] = [ends[c + 1] - ends[c]]
            projs.append(de // div**c)
    for c, dc in enumerate(projs):
        shapes[emb + f"emb_projs.{c}"] = [d, dc]
    tie = cfg.get("tie_projs") or []
    for c in range(n + 1):
        if not (c < len(tie) and tie[c]) and c < len(projs):
            shapes[crit + f"out_projs.{c}"] = [d, projs[c]]
    if n > 0:
        shapes[crit + "cluster_weight"], shapes[crit + "cluster_bias"] = [n, de], [n]
    return shapes


def init_of(name, shape, scheme):
    """(mean, std) of a weight: value = mean + std * N(0, 1) drawn in float64."""
    gain = name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight", "layer_norm.weight"))
    if scheme == "small":  # GPT-2/Archai-like scale
        return (1.0 if gain else 0.0), 0.02
    if scheme != "stress":
        raise SystemExit(f"weight_init {scheme!r}: want small or stress")
    if gain:
        return 1.0, 0.1
    if name.startswith(("r_w_bias", "r_r_bias")) or name.endswith(("wte.weight", "wpe.weight", "cluster_weight")):
        return 0.0, 0.5
    if name.endswith("bias") or "out_layers_biases" in name:
        return 0.0, 0.1
    if "emb_layers" in name:
        return 0.0, 0.2
    # Matrices: std 1/sqrt(fan_in); GPT-2 Conv1D weights are [in, out], every other
    # matrix (nn.Linear, the projections) [out, in].
    fan_in = shape[0] if name.startswith("transformer.h.") else shape[1]
    return 0.0, 1.0 / math.sqrt(fan_in)


def draw_weights(cfg):
    """One torch generator seeded with the bundle's seed draws every tensor in sorted-name
    order, in float64, then rounds it to float32."""
    g = torch.Generator().manual_seed(cfg["golden"]["seed"])
    out = {}
    for name, shape in sorted(tensor_shapes(cfg).items()):
        mean, std = init_of(name, shape, cfg["golden"]["weight_init"])
        x = torch.randn(shape, dtype=torch.float64, generator=g)
        out[name] = (mean + x * std).float().numpy()
    return out


def draw_inputs(cfg):
    """Token ids [segments, batch, seq] uniform from a generator seeded with seed + 7; the
    first segment then starts with the vocabulary's edges. GPT-2: row 0 starts 0, V-1.
    Adaptive models (Transformer-XL, GPT-2 flex): row 0 starts 0 and the last id of each
    cluster but the last, row 1 starts V-1 and the first id of each cluster after the
    first."""
    gold, V = cfg["golden"], cfg["vocab_size"]
    g = torch.Generator().manual_seed(gold["seed"] + 7)
    ids = torch.randint(0, V, (gold["segments"], gold["batch_size"], gold["seq_len"]), generator=g)
    if cfg["model_type"] == "gpt2":
        ids[0, 0, :2] = torch.tensor([0, V - 1])
    else:
        cut = ends_of(cfg)[1:-1]
        ids[0, 0, : 1 + len(cut)] = torch.tensor([0] + [c - 1 for c in cut])
        ids[0, 1, : 1 + len(cut)] = torch.tensor([V - 1] + cut)
    ids = ids.numpy()
    if cfg["model_type"] == "transformer_xl":
        return {f"input_ids_seg{s + 1}": ids[s] for s in range(len(ids))}
    return {"input_ids": ids[0]}


# ---------------------------------------------------------------- driver

MODELS = {"gpt2": gpt2, "gpt2_flex": gpt2, "transformer_xl": transformer_xl}


def generate(cfg):
    """The three files of a bundle, as bytes, from its config."""
    w, inputs = draw_weights(cfg), draw_inputs(cfg)
    with torch.no_grad():
        out = MODELS[cfg["model_type"]](cfg, w, inputs)
    out = {k: v.contiguous().float().numpy() for k, v in out.items()}
    meta_out = {"format": "pt", "dtype_of_computation": "float64", "producer": "PyTorch 1.13 reference implementation"}
    return {
        "model.safetensors": encode_safetensors(w, {"format": "pt", "config": json.dumps(cfg, sort_keys=True)}),
        "inputs.safetensors": encode_safetensors(inputs, {"format": "pt"}),
        "expected.safetensors": encode_safetensors(out, meta_out),
    }, out


def check(bundle, files, got):
    ok, lines = True, []
    for f in ("model.safetensors", "inputs.safetensors"):
        same = (bundle / f).read_bytes() == files[f]
        lines.append(f"  {f}: {'byte-identical' if same else 'DIFFERS'}")
        ok = ok and same
    exp, _ = read_safetensors(bundle / "expected.safetensors")
    if sorted(got) != sorted(exp):
        return False, [f"  tensors {sorted(got)}, expected {sorted(exp)}"]
    for name in sorted(exp):
        e, g = exp[name], got[name]
        if e.shape != g.shape:
            ok = False
            lines.append(f"  {name}: shape {list(g.shape)}, expected {list(e.shape)}")
            continue
        diff = np.abs(g.astype(np.float64) - e.astype(np.float64))
        n = int((g.view(np.uint32) != e.view(np.uint32)).sum())
        tol = CHECK_TOL * max(1.0, float(np.abs(e).max()))
        worst = float(diff.max())
        if n == 0:
            lines.append(f"  {name}: bit-identical")
        else:
            lines.append(f"  {name}: {n} of {e.size} values differ, max |diff| {worst:.3g} (limit {tol:.3g})")
        if not worst <= tol:
            ok = False
    return ok, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["check", "write"])
    ap.add_argument("bundles", nargs="+", type=Path, help="bundle folders, each with its config.json")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: one summation order on every machine)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, numpy {np.__version__}, {torch.get_num_threads()} thread(s)")
    failed = identical = 0
    for b in args.bundles:
        cfg = json.loads((b / "config.json").read_text())
        files, got = generate(cfg)
        if args.mode == "write":
            for name, data in files.items():
                (b / name).write_bytes(data)
            print(f"{b.name}: wrote {', '.join(files)}")
            continue
        ok, lines = check(b, files, got)
        same = all((b / name).read_bytes() == data for name, data in files.items())
        identical += same
        print(f"{b.name}: {'byte-identical bundle' if same else ('within the limit' if ok else 'DIFFERS')}")
        print("\n".join(lines))
        failed += not ok
    if args.mode == "check":
        print(f"{len(args.bundles)} bundles: {identical} byte-identical, {len(args.bundles) - identical - failed} within {CHECK_TOL:g}·max(1, max|E|), {failed} over it")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
