#!/usr/bin/env node
// The ONNX Runtime side of scripts/bench-compare: one exported GPT-2 (gpt2_onnx.py export)
// run by onnxruntime-node on the CPU execution provider.
//
//   node ort_bench.js DIR [--threads N] [--warmup W] [--samples N] [--check]
//
// DIR holds model.onnx, ids.bin (int64 token ids) and ref.bin (PyTorch's float32 output
// for them). The session runs with intraOpNumThreads N, interOpNumThreads 1, graph
// optimisation "all" and sequential execution. Every run feeds the same ids tensor and
// writes into one pre-allocated output tensor (as ltsbench writes into its arena), when
// this onnxruntime-node accepts one; else ORT returns a new output each run.
// --check runs once and reports the largest absolute difference from ref.bin; otherwise
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
  const idsBuf = fs.readFileSync(path.join(a.dir, "ids.bin"));
  const ids = new BigInt64Array(idsBuf.buffer.slice(idsBuf.byteOffset, idsBuf.byteOffset + idsBuf.byteLength));
  const session = await ort.InferenceSession.create(path.join(a.dir, "model.onnx"), {
    executionProviders: ["cpu"],
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  const feeds = { ids: new ort.Tensor("int64", ids, [meta.batch, meta.seq_len]) };
  const n = meta.out_shape.reduce((x, y) => x * y, 1);
  const dst = new ort.Tensor("float32", new Float32Array(n), meta.out_shape);
  let preallocated = true;
  let res;
  try {
    res = await session.run(feeds, { out: dst });
  } catch (e) {
    preallocated = false;
  }
  const run = preallocated ? () => session.run(feeds, { out: dst }) : () => session.run(feeds);
  if (!preallocated) res = await run();
  const version = ort.env.versions ? ort.env.versions.node || ort.env.versions.common : undefined;
  if (a.check) {
    // With a pre-allocated output, check the buffer the timed runs write into.
    const got = preallocated ? dst.data : res.out.data;
    const refBuf = fs.readFileSync(path.join(a.dir, "ref.bin"));
    const ref = new Float32Array(refBuf.buffer.slice(refBuf.byteOffset, refBuf.byteOffset + refBuf.byteLength));
    if (got.length !== ref.length) throw new Error(`ORT gave ${got.length} values, PyTorch ${ref.length}`);
    let diff = 0;
    let refMax = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(got[i] - ref[i]);
      if (Number.isNaN(d)) { diff = NaN; break; } // a NaN output fails the check
      if (d > diff) diff = d;
      refMax = Math.max(refMax, Math.abs(ref[i]));
    }
    out({ ort: version, max_abs_diff: diff, ref_max_abs: refMax, values: ref.length, preallocated_output: preallocated });
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
