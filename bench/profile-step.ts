// Where one training step of the book's autoencoder/VAE spends its time on a tfjs
// backend: every kernel is wrapped with a timer (tfjs-node runs TensorFlow's eager
// ops synchronously, so a kernel's wall time is its cost), attributed to the phase
// of lib/train's step it ran in: data (gather), forward (task.loss), backward
// (the rest of variableGrads), read-back (dataSync of the loss), Adam. Wall time
// minus kernel time per phase is what tfjs itself adds (JS, tape, dispatch).
//
//   npx tsx bench/profile-step.ts [--backend tensorflow] [--model ae|vae] [--steps 30] [--batch 100] [--json out.json]
// Compare with Keras on the same ops: .venv/bin/python bench/keras_profile.py (same shapes).
import * as tf from "@tensorflow/tfjs";

interface Options { backend: string; model: "ae" | "vae"; steps: number; batch: number; warmup: number; json: string | null }

function options(argv: string[]): Options {
  const o: Options = { backend: "tensorflow", model: "ae", steps: 30, batch: 100, warmup: 5, json: null };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, ""), v = argv[i + 1];
    if (v === undefined) throw new Error(`profile-step: --${k} needs a value`);
    if (k === "backend") o.backend = v;
    else if (k === "model") o.model = v as "ae" | "vae";
    else if (k === "steps" || k === "batch" || k === "warmup") o[k] = Number(v);
    else if (k === "json") o.json = v;
    else throw new Error(`profile-step: unknown option --${k}`);
  }
  return o;
}

type Phase = "data" | "forward" | "backward" | "read-back" | "adam" | "other";
const PHASES: Phase[] = ["data", "forward", "backward", "read-back", "adam"];

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  process.env.GDL_BACKEND = o.backend;
  const { initBackend } = await import("../lib/engine/backend");
  const info = await initBackend({ quiet: true });
  const { buildAutoencoder } = await import("../lib/models/autoencoder");
  const { buildVae } = await import("../lib/models/vae");
  const { trainableVariables } = await import("../lib/models/task");
  const { computeGradients } = await import("../lib/train/step");

  // Kernel timers, keyed by phase and kernel name.
  let phase: Phase = "other";
  let recording = false;
  const kernelMs = new Map<string, { ms: number; calls: number }>();
  const childMs: number[] = [];
  const stackNames: string[] = [];
  for (const k of tf.getKernelsForBackend(info.name)) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, k.backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (!recording) return inner(args);
        // Exclusive time: a kernel composed of other kernels (tfjs-node's Step,
        // FusedConv2D...) is charged only for what its children did not take.
        childMs.push(0);
        stackNames.push(k.kernelName);
        const t0 = process.hrtime.bigint();
        let out;
        try { out = inner(args); } finally { stackNames.pop(); }
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const own = ms - childMs.pop()!;
        if (childMs.length) childMs[childMs.length - 1] += ms;
        const key = `${phase}\t${k.kernelName}${childMs.length ? ` (in ${stackNames[stackNames.length - 1]})` : ""}`;
        const e = kernelMs.get(key) ?? { ms: 0, calls: 0 };
        e.ms += own;
        e.calls++;
        kernelMs.set(key, e);
        return out;
      },
    });
  }

  const task = o.model === "ae" ? buildAutoencoder() : buildVae();
  const vars = trainableVariables(task);
  const loss = task.loss.bind(task);
  task.loss = (batch, ctx) => {
    phase = "forward";
    const r = loss(batch, ctx);
    phase = "backward";
    return r;
  };
  const optimizer = tf.train.adam(5e-4);
  const x = tf.randomUniform([o.batch * 10, 32, 32, 1], 0, 1, "float32", 1);
  const perm = Int32Array.from({ length: o.batch * 10 }, (_, i) => i);
  const wall: Record<Phase, number> = { data: 0, forward: 0, backward: 0, "read-back": 0, adam: 0, other: 0 };

  const step = (s: number, timed: boolean) => {
    const lo = (s % 10) * o.batch;
    let t = performance.now();
    const lap = (p: Phase) => {
      const now = performance.now();
      if (timed) wall[p] += now - t;
      t = now;
    };
    phase = "data";
    const idx = tf.tensor1d(perm.subarray(lo, lo + o.batch), "int32");
    const xb = tf.gather(x, idx);
    lap("data");
    // computeGradients = variableGrads (forward + backward) then one dataSync of the loss;
    // the forward/backward split comes from the task.loss wrapper above.
    const fb = performance.now();
    let fwdEnd = 0;
    const inner = task.loss;
    task.loss = (b, c) => { const r = inner(b, c); fwdEnd = performance.now(); return r; };
    const { grads } = computeGradients(task, vars, { x: xb, y: xb }, s, s);
    task.loss = inner;
    const end = performance.now();
    if (timed) {
      wall.forward += fwdEnd - fb;
      // read-back is inside computeGradients: its dataSync kernel time is what waits there.
      wall.backward += end - fwdEnd;
    }
    t = end;
    phase = "adam";
    optimizer.applyGradients(grads);
    lap("adam");
    phase = "other";
    tf.dispose([grads, idx, xb] as unknown as tf.Tensor[]);
  };

  for (let s = 0; s < o.warmup; s++) step(s, false);
  recording = true;
  const t0 = performance.now();
  for (let s = 0; s < o.steps; s++) step(s, true);
  const totalMs = (performance.now() - t0) / o.steps;
  for (const p of Object.keys(wall) as Phase[]) wall[p] /= o.steps;
  recording = false;

  const rows = [...kernelMs].map(([key, v]) => {
    const [p, name] = key.split("\t");
    return { phase: p as Phase, kernel: name, msPerStep: v.ms / o.steps, callsPerStep: v.calls / o.steps };
  }).sort((a, b) => b.msPerStep - a.msPerStep);
  const kernelTotal = (p?: Phase) => rows.filter((r) => !p || r.phase === p).reduce((a, r) => a + r.msPerStep, 0);

  console.log(`\n${o.model.toUpperCase()} training step on tfjs ${info.name} (${info.engine}), batch ${o.batch}: ${totalMs.toFixed(1)} ms/step = ${(o.batch / totalMs * 1000).toFixed(0)} img/s (median-free mean of ${o.steps} steps)\n`);
  console.log("| phase | wall ms/step | kernel ms/step | tfjs overhead ms/step |");
  console.log("|---|---:|---:|---:|");
  for (const p of PHASES) {
    const w = p === "read-back" ? 0 : wall[p];
    if (p === "read-back") continue;
    console.log(`| ${p} | ${w.toFixed(2)} | ${kernelTotal(p).toFixed(2)} | ${(w - kernelTotal(p)).toFixed(2)} |`);
  }
  console.log(`| total | ${totalMs.toFixed(2)} | ${kernelTotal().toFixed(2)} | ${(totalMs - kernelTotal()).toFixed(2)} |`);
  console.log("\n| phase | kernel | ms/step | calls/step |");
  console.log("|---|---|---:|---:|");
  for (const r of rows.filter((r) => r.msPerStep >= 0.05)) console.log(`| ${r.phase} | ${r.kernel} | ${r.msPerStep.toFixed(2)} | ${r.callsPerStep} |`);
  const rest = rows.filter((r) => r.msPerStep < 0.05);
  console.log(`| | ${rest.length} other kernels | ${rest.reduce((a, r) => a + r.msPerStep, 0).toFixed(2)} | ${rest.reduce((a, r) => a + r.callsPerStep, 0)} |`);
  console.log(`\nkernel calls per step: ${rows.reduce((a, r) => a + r.callsPerStep, 0)}`);
  if (o.json) require("fs").writeFileSync(o.json, JSON.stringify({ options: o, totalMs, wall, rows }, null, 2));
  task.dispose();
  x.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
