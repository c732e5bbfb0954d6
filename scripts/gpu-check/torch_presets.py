#!/usr/bin/env python3
"""The PyTorch side of ltsbench's GPU check: the same architectures at the same shapes
as `ltsbench measure`, run in eager PyTorch (fp32, torch.no_grad, no torch.compile),
timed with CUDA events, for a side-by-side latency ratio.

The models follow the golden README's equations (testdata/golden/README.md): GPT-2
(Hugging Face Conv1D weights, pre-LN, gelu_new), GPT-2 flex and Transformer-XL
(adaptive embedding, relative attention with memory, projected adaptive log-softmax),
with per-layer n_head and d_inner. `--verify DIR...` runs golden bundles and checks the
README's tolerance, so the model timed here is shown to be the model ltsbench runs.

  torch_presets.py time MEASURE.json... [--device cuda:0]   one JSON line per file
  torch_presets.py verify testdata/golden/* [--device cpu]  PASS/FAIL per bundle

MEASURE.json is the output of `ltsbench measure --format json` (its "arch" and
"protocol" give the model and the shape). Without PyTorch this prints one JSON line
{"error": ...} per request and exits 3.
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the check script reports "PyTorch not installed" and goes on
    torch = None


# ---- architecture -------------------------------------------------------------------

def norm_arch(cfg):
    """Reads an ltsbench arch JSON or a golden config.json into one dict."""
    if "model_type" in cfg:
        mt = cfg["model_type"]
    elif cfg.get("backbone") == "transformer_xl":
        mt = "transformer_xl"
    elif cfg.get("adaptive"):
        mt = "gpt2_flex"
    else:
        mt = "gpt2"
    L, d = cfg["n_layer"], cfg["d_model"]
    V = cfg.get("n_token", cfg.get("vocab_size"))
    per = lambda v: list(v) if isinstance(v, list) else [v] * L
    d_embed = cfg.get("d_embed", d)
    if d_embed is None or d_embed <= 0:
        d_embed = d
    div_val = cfg.get("div_val", 1) or 1
    cutoffs = [c for c in cfg.get("cutoffs", []) if 0 < c < V]
    nc = len(cutoffs)
    tie = cfg.get("tie_projs") or [False] + [True] * nc
    return {
        "type": mt, "L": L, "d": d, "V": V, "heads": per(cfg["n_head"])[:L], "inner": per(cfg["d_inner"])[:L],
        "d_embed": d_embed, "div_val": div_val, "ends": [0] + cutoffs + [V], "tie": list(tie)[: nc + 1],
        "positions": cfg.get("n_positions", cfg.get("tgt_len", 0)), "mem_len": cfg.get("mem_len", 0),
    }


def demb(a, c):
    return a["d_embed"] // (a["div_val"] ** c) if a["div_val"] > 1 else a["d_embed"]


def has_proj(a):
    return a["div_val"] > 1 or a["d_embed"] != a["d"]


def emb_projs(a):
    nc = len(a["ends"]) - 2
    if a["div_val"] > 1:
        return nc + 1
    return 1 if a["d_embed"] != a["d"] else 0


def weight_shapes(a):
    """Every weight by its golden name, with its shape (as model.LayoutWeights)."""
    d, V, ends = a["d"], a["V"], a["ends"]
    nc = len(ends) - 2
    s = {}
    adaptive = a["type"] != "gpt2"
    emb = "word_emb." if a["type"] == "transformer_xl" else "transformer.wte."
    out = "crit." if a["type"] == "transformer_xl" else "lm_head."
    if a["type"] == "gpt2":
        s["transformer.wte.weight"] = (V, d)
    if adaptive:
        tables = nc + 1 if a["div_val"] > 1 else 1
        for c in range(tables):
            rows = ends[c + 1] - ends[c] if a["div_val"] > 1 else V
            s[f"{emb}emb_layers.{c}.weight"] = (rows, demb(a, c))
        for c in range(emb_projs(a)):
            s[f"{emb}emb_projs.{c}"] = (d, demb(a, c))
        for c in range(tables):
            s[f"{out}out_layers_biases.{c}"] = (ends[c + 1] - ends[c] if a["div_val"] > 1 else V,)
        for c in range(nc + 1):
            if has_proj(a) and not a["tie"][c]:
                s[f"{out}out_projs.{c}"] = (d, demb(a, c))
        if nc > 0:
            s[f"{out}cluster_weight"] = (nc, a["d_embed"])
            s[f"{out}cluster_bias"] = (nc,)
    if a["type"] != "transformer_xl":
        s["transformer.wpe.weight"] = (a["positions"], d)
        for i in range(a["L"]):
            p, f = f"transformer.h.{i}.", a["inner"][i]
            s.update({p + "ln_1.weight": (d,), p + "ln_1.bias": (d,), p + "attn.c_attn.weight": (d, 3 * d),
                      p + "attn.c_attn.bias": (3 * d,), p + "attn.c_proj.weight": (d, d), p + "attn.c_proj.bias": (d,),
                      p + "ln_2.weight": (d,), p + "ln_2.bias": (d,), p + "mlp.c_fc.weight": (d, f),
                      p + "mlp.c_fc.bias": (f,), p + "mlp.c_proj.weight": (f, d), p + "mlp.c_proj.bias": (d,)})
        s["transformer.ln_f.weight"] = (d,)
        s["transformer.ln_f.bias"] = (d,)
    else:
        for i in range(a["L"]):
            p, H, f = f"layers.{i}.", a["heads"][i], a["inner"][i]
            hd = H * (d // H)
            s.update({p + "dec_attn.qkv_net.weight": (3 * hd, d), p + "dec_attn.r_net.weight": (hd, d),
                      p + "dec_attn.o_net.weight": (d, hd), p + "dec_attn.layer_norm.weight": (d,),
                      p + "dec_attn.layer_norm.bias": (d,), p + "pos_ff.CoreNet.0.weight": (f, d),
                      p + "pos_ff.CoreNet.0.bias": (f,), p + "pos_ff.CoreNet.3.weight": (d, f),
                      p + "pos_ff.CoreNet.3.bias": (d,), p + "pos_ff.layer_norm.weight": (d,),
                      p + "pos_ff.layer_norm.bias": (d,), f"r_w_bias_{i}": (H, d // H), f"r_r_bias_{i}": (H, d // H)})
    return s


def random_weights(a, device, seed=1111):
    g = torch.Generator(device="cpu").manual_seed(seed)
    w = {}
    for name, shape in weight_shapes(a).items():
        if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight", "layer_norm.weight")):
            t = torch.ones(shape)
        else:
            t = torch.randn(shape, generator=g) * 0.02
        w[name] = t.to(device)
    return w


# ---- the models ---------------------------------------------------------------------

def layer_norm(x, w, b):
    return F.layer_norm(x, (x.shape[-1],), w, b, 1e-5)


def adaptive_embed(a, w, prefix, ids):
    """AdaptiveEmbedding: ids [B, T] → [B, T, d], times √d_model."""
    d, ends = a["d"], a["ends"]
    if a["div_val"] == 1:
        e = F.embedding(ids, w[prefix + "emb_layers.0.weight"])
        if emb_projs(a):
            e = F.linear(e, w[prefix + "emb_projs.0"])
    else:
        flat = ids.reshape(-1)
        e = torch.zeros(flat.numel(), d, device=ids.device)
        for c in range(len(ends) - 1):
            idx = ((flat >= ends[c]) & (flat < ends[c + 1])).nonzero().squeeze(1)
            if idx.numel() == 0:
                continue
            ec = F.embedding(flat[idx] - ends[c], w[f"{prefix}emb_layers.{c}.weight"])
            e.index_copy_(0, idx, F.linear(ec, w[f"{prefix}emb_projs.{c}"]))
        e = e.view(*ids.shape, d)
    return e * math.sqrt(d)


def adaptive_log_softmax(a, w, emb, out, h):
    """ProjectedAdaptiveLogSoftmax over rows h [N, d] → log-probabilities [N, V]."""
    ends, nc = a["ends"], len(a["ends"]) - 2

    def proj(c):
        if a["tie"][c]:
            n = emb_projs(a)
            return None if n == 0 else w[f"{emb}emb_projs.{c if n >= 2 else 0}"]
        return w.get(f"{out}out_projs.{c}")

    def table(c):
        if a["div_val"] > 1:
            return w[f"{emb}emb_layers.{c}.weight"], w[f"{out}out_layers_biases.{c}"]
        return (w[emb + "emb_layers.0.weight"][ends[c]:ends[c + 1]], w[out + "out_layers_biases.0"][ends[c]:ends[c + 1]])

    def logit(x, W, b, P):
        if P is not None:
            x = x @ P
        return F.linear(x, W, b)

    W0, b0 = table(0)
    if nc > 0:
        W0, b0 = torch.cat([W0, w[out + "cluster_weight"]]), torch.cat([b0, w[out + "cluster_bias"]])
    head = F.log_softmax(logit(h, W0, b0, proj(0)), dim=-1)
    if nc == 0:
        return head
    lp = torch.empty(h.shape[0], a["V"], device=h.device)
    lp[:, : ends[1]] = head[:, : ends[1]]
    for c in range(1, nc + 1):
        Wc, bc = table(c)
        lp[:, ends[c]:ends[c + 1]] = head[:, ends[1] + c - 1 : ends[1] + c] + F.log_softmax(logit(h, Wc, bc, proj(c)), dim=-1)
    return lp


def causal_attention(q, k, v):
    """q, k, v [B, H, T, dh] → [B, H, T, dh]."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    T = q.shape[-2]
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    s = s.masked_fill(torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
    return torch.softmax(s, dim=-1) @ v


def gpt2_forward(a, w, ids, output="full"):
    B, T = ids.shape
    d = a["d"]
    pos = w["transformer.wpe.weight"][:T]
    if a["type"] == "gpt2_flex":
        h = adaptive_embed(a, w, "transformer.wte.", ids) + pos
    else:
        h = F.embedding(ids, w["transformer.wte.weight"]) + pos
    hidden = [h]
    for i in range(a["L"]):
        p, H = f"transformer.h.{i}.", a["heads"][i]
        x = layer_norm(h, w[p + "ln_1.weight"], w[p + "ln_1.bias"])
        qkv = torch.addmm(w[p + "attn.c_attn.bias"], x.view(-1, d), w[p + "attn.c_attn.weight"]).view(B, T, 3, H, d // H)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        o = causal_attention(q, k, v).transpose(1, 2).reshape(B * T, d)
        h = h + torch.addmm(w[p + "attn.c_proj.bias"], o, w[p + "attn.c_proj.weight"]).view(B, T, d)
        m = layer_norm(h, w[p + "ln_2.weight"], w[p + "ln_2.bias"]).view(-1, d)
        f = F.gelu(torch.addmm(w[p + "mlp.c_fc.bias"], m, w[p + "mlp.c_fc.weight"]), approximate="tanh")
        h = h + torch.addmm(w[p + "mlp.c_proj.bias"], f, w[p + "mlp.c_proj.weight"]).view(B, T, d)
        hidden.append(h)
    if output == "last":
        h = h[:, -1:]
    fin = layer_norm(h, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"])
    out = {"hidden_states": torch.stack(hidden), "final_hidden": fin}
    if output == "none":
        return out
    rows = fin.reshape(-1, d)
    if a["type"] == "gpt2_flex":
        out["log_probs"] = adaptive_log_softmax(a, w, "transformer.wte.", "lm_head.", rows).view(*fin.shape[:2], -1)
    else:
        out["logits"] = (rows @ w["transformer.wte.weight"].t()).view(*fin.shape[:2], -1)
    return out


def sinusoid(K, d, device):
    inv = 1.0 / (10000 ** (torch.arange(0.0, d, 2.0, dtype=torch.float64) / d))
    a = torch.outer(torch.arange(K, dtype=torch.float64), inv)
    return torch.cat([a.sin(), a.cos()], dim=-1).float().to(device)


def txl_forward(a, w, ids, mems, output="full"):
    """mems: list per layer of [B, m, d] (m may be 0). Returns outputs and new mems."""
    B, T = ids.shape
    d = a["d"]
    x = adaptive_embed(a, w, "word_emb.", ids)
    m = mems[0].shape[1] if mems else 0
    K = m + T
    pos = sinusoid(K, d, ids.device)
    t_idx = torch.arange(T, device=ids.device).view(T, 1)
    j_idx = torch.arange(K, device=ids.device).view(1, K)
    delta = m + t_idx - j_idx                       # [T, K]
    masked = delta < 0
    hidden, new_mems = [x], []
    for i in range(a["L"]):
        p, H = f"layers.{i}.", a["heads"][i]
        dh = d // H
        hd = H * dh
        c = torch.cat([mems[i], x], dim=1) if m > 0 else x
        if a["mem_len"] > 0:
            new_mems.append(c[:, -min(a["mem_len"], K):].detach())
        W = w[p + "dec_attn.qkv_net.weight"]
        q = F.linear(x, W[:hd]).view(B, T, H, dh)
        kv = F.linear(c, W[hd:]).view(B, K, 2, H, dh)
        k, v = kv[:, :, 0], kv[:, :, 1]
        r = F.linear(pos, w[p + "dec_attn.r_net.weight"]).view(K, H, dh)
        ac = torch.einsum("bthd,bjhd->bhtj", q + w[f"r_w_bias_{i}"], k)
        bd_full = torch.einsum("bthd,khd->bhtk", q + w[f"r_r_bias_{i}"], r)   # by δ
        bd = bd_full.gather(-1, delta.clamp(min=0).expand(B, H, T, K))     # δ = m + t - j
        s = ((ac + bd) / math.sqrt(dh)).masked_fill(masked, float("-inf"))
        att = torch.einsum("bhtj,bjhd->bthd", torch.softmax(s, dim=-1), v).reshape(B, T, hd)
        y = layer_norm(x + F.linear(att, w[p + "dec_attn.o_net.weight"]), w[p + "dec_attn.layer_norm.weight"], w[p + "dec_attn.layer_norm.bias"])
        ff = F.linear(F.relu(F.linear(y, w[p + "pos_ff.CoreNet.0.weight"], w[p + "pos_ff.CoreNet.0.bias"])),
                      w[p + "pos_ff.CoreNet.3.weight"], w[p + "pos_ff.CoreNet.3.bias"])
        x = layer_norm(y + ff, w[p + "pos_ff.layer_norm.weight"], w[p + "pos_ff.layer_norm.bias"])
        hidden.append(x)
    h = x[:, -1:] if output == "last" else x
    out = {"hidden_states": torch.stack(hidden), "final_hidden": h}
    if output != "none":
        out["log_probs"] = adaptive_log_softmax(a, w, "word_emb.", "crit.", h.reshape(-1, d)).view(*h.shape[:2], -1)
    return out, new_mems


# ---- verification against the golden bundles ---------------------------------------

def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dtypes[info["dtype"]]) if e > b else torch.empty(0, dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out


def verify(dirs, device):
    ok = True
    for d in dirs:
        cfg = json.load(open(os.path.join(d, "config.json")))
        a = norm_arch(cfg)
        w = {k: v.float().to(device) for k, v in read_safetensors(os.path.join(d, "model.safetensors")).items()}
        ins = read_safetensors(os.path.join(d, "inputs.safetensors"))
        exp = read_safetensors(os.path.join(d, "expected.safetensors"))
        got = {}
        with torch.no_grad():
            if a["type"] == "transformer_xl":
                mems = None
                for s in range(1, cfg["golden"]["segments"] + 1):
                    o, mems = txl_forward(a, w, ins[f"input_ids_seg{s}"].to(device), mems)
                    got[f"log_probs_seg{s}"] = o["log_probs"]
                    got[f"hidden_states_seg{s}"] = o["hidden_states"]
                    if mems:
                        got[f"mems_after_seg{s}"] = torch.stack(mems)
            else:
                got = gpt2_forward(a, w, ins["input_ids"].to(device))
        worst = []
        for name, e in exp.items():
            if name not in got:
                continue
            g = got[name].float().cpu()
            tol = 1e-4 * max(1.0, e.abs().max().item())
            err = (g - e).abs().max().item()
            worst.append((err / tol, name, err, tol))
        worst.sort(reverse=True)
        bad = [x for x in worst if not x[0] <= 1]
        ok = ok and not bad and len(worst) > 0
        print(f"{'PASS' if not bad and worst else 'FAIL'} {os.path.basename(d.rstrip('/'))}: {len(worst)} tensors, "
              f"worst {worst[0][1]} |diff| {worst[0][2]:.3g} (limit {worst[0][3]:.3g})" if worst else f"FAIL {d}: nothing compared")
    return ok


# ---- timing -------------------------------------------------------------------------

def time_preset(measure, device, warmup, min_samples, max_samples, min_time):
    a = norm_arch(measure["arch"])
    proto = measure.get("protocol", {})
    B, T = proto.get("batch", 1), proto.get("seq_len", a["positions"])
    M = proto.get("mem_len", 0)
    output = proto.get("output", "full")
    dev = torch.device(device)
    w = random_weights(a, dev)
    g = torch.Generator(device="cpu").manual_seed(1111)
    ids = torch.randint(0, a["V"], (B, T), generator=g).to(dev)
    mems = [torch.randn(B, M, a["d"], generator=g).to(dev) * 0.5 for _ in range(a["L"])] if M > 0 else None

    def forward():
        if a["type"] == "transformer_xl":
            txl_forward(a, w, ids, mems, output)
        else:
            gpt2_forward(a, w, ids, output)

    cuda = dev.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(dev)
    with torch.no_grad():
        for _ in range(warmup):
            forward()
        if cuda:
            torch.cuda.synchronize(dev)
        samples, start = [], time.perf_counter()
        while len(samples) < max_samples and (len(samples) < min_samples or time.perf_counter() - start < min_time):
            if cuda:
                e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                e0.record()
                forward()
                e1.record()
                e1.synchronize()
                samples.append(e0.elapsed_time(e1))
            else:
                t0 = time.perf_counter()
                forward()
                samples.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(samples, n=10) if len(samples) >= 2 else [samples[0]] * 9
    res = {"name": measure.get("name", ""), "device": device, "torch": torch.__version__, "batch": B, "seq_len": T,
           "mem_len": M, "output": output,
           "attention": "sdpa" if hasattr(F, "scaled_dot_product_attention") and a["type"] != "transformer_xl" else "matmul",
           "latency_ms": {"median": statistics.median(samples), "p10": q[0], "p90": q[-1], "mean": statistics.fmean(samples), "n": len(samples)}}
    if cuda:
        res["torch_peak_allocated_bytes"] = torch.cuda.max_memory_allocated(dev)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["time", "verify"])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--device", default=None, help="cuda:0 when CUDA is available, else cpu")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-samples", type=int, default=10)
    ap.add_argument("--max-samples", type=int, default=200)
    ap.add_argument("--min-time", type=float, default=1.0)
    args = ap.parse_args()
    if torch is None:
        for p in args.paths:
            print(json.dumps({"source": p, "error": "PyTorch is not installed"}))
        return 3
    device = args.device or ("cuda:0" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32, as ltsbench's default
    torch.backends.cudnn.allow_tf32 = False
    if args.mode == "verify":
        return 0 if verify(args.paths, device) else 1
    status = 0
    for p in args.paths:
        try:
            m = json.load(open(p))
            print(json.dumps(time_preset(m, device, args.warmup, args.min_samples, args.max_samples, args.min_time)), flush=True)
        except Exception as e:  # one failing preset does not stop the others
            status = 1
            print(json.dumps({"source": p, "error": f"{type(e).__name__}: {e}"}), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
