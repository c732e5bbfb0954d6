#!/usr/bin/env node
// The ONNX Runtime side of scripts/bench-compare: one exported GPT-2 (gpt2_onnx.py export)
// run by onnxruntime-node on the CPU execution provider.
//
//   node ort_bench.js DIR [--threads N] [--warmup W] [--samples N] [--check]
//
// DIR holds model.onnx, ids.bin (int64 token ids) and ref.bin (PyTorch's float32 output
// for them). A model with several inputs and outputs (a decode step: the token's ids and
// the past keys and values in; the logits and the token's keys and values out) lists
// them in meta.json's "inputs" ({name, file, type int64|float32, shape}) and "outputs"
// ({name, file: PyTorch's float32 output, shape}); without those lists the model has the
// one input "ids" [batch, seq_len] (ids.bin) and the one output "out" (ref.bin).
// The session runs with intraOpNumThreads N, interOpNumThreads 1, graph
// optimisation "all" and sequential execution. Every run feeds the same input tensors and
// writes into pre-allocated output tensors (as ltsbench writes into its arena), when
// this onnxruntime-node accepts them; else ORT returns new outputs each run.
// --check runs once and reports the largest absolute difference from PyTorch's outputs
// over all of them (and per output when there are several); otherwise
// it times W untimed and N timed runs. Prints one JSON line; a failure is
// {"error": ...} with exit status 1. onnxruntime-node is found through NODE_PATH.
"use strict";

const fs = require("fs");
const path = require("path");

function out(obj, code) {
  process.stdout.write(JSON.stringify(obj) + "\n");
  process.exitCode = code || 0;
}

function parse(argv) {
  const a = { threads: 2, warmup: 2, samples: 5, check: false, dir: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === "--check") a.check = true;
    else if (["--threads", "--warmup", "--samples"].includes(k)) {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${k} needs a whole number`);
      a[k.slice(2)] = v;
    } else if (!k.startsWith("--") && a.dir === null) a.dir = k;
    else throw new Error(`unknown argument ${k}`);
  }
  if (a.dir === null) throw new Error("usage: ort_bench.js DIR [--threads N] [--warmup W] [--samples N] [--check]");
  if (a.threads < 1 || a.samples < 1) throw new Error("--threads and --samples must be ≥ 1");
  return a;
}

function quantile(sorted, q) {
  const i = q * (sorted.length - 1);
  const lo = Math.floor(i);
  return lo + 1 < sorted.length ? sorted[lo] + (i - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

async function main() {
  const a = parse(process.argv.slice(2));
  let ort;
  try {
    ort = require("onnxruntime-node");
  } catch (e) {
    throw new Error(`onnxruntime-node is not installed (NODE_PATH=${process.env.NODE_PATH || ""}): ${e.message.split("\n")[0]}`);
  }
  const meta = JSON.parse(fs.readFileSync(path.join(a.dir, "meta.json"), "utf8"));
  const inputs = meta.inputs || [{ name: "ids", file: "ids.bin", type: "int64", shape: [meta.batch, meta.seq_len] }];
  const outputs = meta.outputs || [{ name: "out", file: "ref.bin", shape: meta.out_shape }];
  const read = (file, Type) => {
    const buf = fs.readFileSync(path.join(a.dir, file));
    return new Type(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  };
  const count = (shape) => shape.reduce((x, y) => x * y, 1);
  const session = await ort.InferenceSession.create(path.join(a.dir, "model.onnx"), {
    executionProviders: ["cpu"],
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  const feeds = {};
  for (const x of inputs) {
    if (x.type !== "int64" && x.type !== "float32") throw new Error(`input ${x.name}: type ${x.type} is not int64 or float32`);
    const data = read(x.file, x.type === "int64" ? BigInt64Array : Float32Array);
    if (data.length !== count(x.shape)) throw new Error(`input ${x.name}: ${x.file} holds ${data.length} values, its shape ${count(x.shape)}`);
    feeds[x.name] = new ort.Tensor(x.type, data, x.shape);
  }
  const dst = {};
  for (const y of outputs) dst[y.name] = new ort.Tensor("float32", new Float32Array(count(y.shape)), y.shape);
  let preallocated = true;
  let res;
  try {
    res = await session.run(feeds, dst);
  } catch (e) {
    preallocated = false;
  }
  const run = preallocated ? () => session.run(feeds, dst) : () => session.run(feeds);
  if (!preallocated) res = await run();
  const version = ort.env.versions ? ort.env.versions.node || ort.env.versions.common : undefined;
  if (a.check) {
    // With pre-allocated outputs, check the buffers the timed runs write into.
    let diff = 0;
    let refMax = 0;
    let values = 0;
    const per = {};
    for (const y of outputs) {
      const got = preallocated ? dst[y.name].data : res[y.name].data;
      const ref = read(y.file, Float32Array);
      if (got.length !== ref.length) throw new Error(`ORT gave ${got.length} values for ${y.name}, PyTorch ${ref.length}`);
      let d1 = 0;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(got[i] - ref[i]);
        if (Number.isNaN(d)) { d1 = NaN; break; } // a NaN output fails the check
        if (d > d1) d1 = d;
        refMax = Math.max(refMax, Math.abs(ref[i]));
      }
      per[y.name] = d1;
      diff = Number.isNaN(diff) || Number.isNaN(d1) ? NaN : Math.max(diff, d1);
      values += ref.length;
    }
    const o = { ort: version, max_abs_diff: diff, ref_max_abs: refMax, values, preallocated_output: preallocated };
    if (outputs.length > 1) o.max_abs_diff_by_output = per;
    out(o);
    return;
  }
  for (let i = 0; i < a.warmup; i++) await run();
  const times = [];
  for (let i = 0; i < a.samples; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const s = [...times].sort((x, y) => x - y);
  out({
    ort: version,
    latency_ms: { median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), mean: times.reduce((x, y) => x + y, 0) / times.length, n: times.length },
    samples_ms: times,
    preallocated_output: preallocated,
    glibc_tunables: process.env.GLIBC_TUNABLES || "",
  });
}

main().catch((e) => out({ error: String(e && e.message ? e.message : e).split("\n")[0] }, 1));
