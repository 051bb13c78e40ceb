// One data-parallel replica: its own tfjs backend (wasm heap), its own copy of
// the task built from the task's WorkerSpec, and the same Adam step as every
// other replica on the gradient summed through shared memory.
import { parentPort, workerData } from "worker_threads";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend";
import { buildTaskFromSpec } from "../../models/builders";
import type { Task } from "../../models/task";
import { trainableVariables, allWeights, setAllWeights } from "../../models/task";
import { computeGradients, evaluateSums, stepSeed, stepsPerEpoch } from "../step";
import { ABORT, barrier, FromWorker, hashFloats, MAX_VALUES, shard, STOP_DECISION, TensorData, ToWorker, WorkerInit } from "./shared";

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function toTensor(t: TensorData): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.dtype as tf.DataType);
}

async function build(): Promise<{ task: Task; optimizer: tf.Optimizer }> {
  process.env.GDL_BACKEND = init.backend;
  await initBackend({ quiet: true });
  // Test fixtures register extra builders from files named here (comma-separated, project-relative).
  for (const f of (process.env.GDL_WORKER_PRELOAD ?? "").split(",").filter(Boolean)) require(path.join(init.projectRoot, f));
  const task = await buildTaskFromSpec(init.spec);
  const w = init.weights.map(toTensor);
  setAllWeights(task, w);
  tf.dispose(w);
  const cls = tf.serialization.SerializationMap.getMap().classNameMap[init.optimizer.className];
  if (!cls) throw new Error(`worker: unknown optimizer class ${init.optimizer.className}`);
  const optimizer = cls[1](cls[0], init.optimizer.config as tf.serialization.ConfigDict) as tf.Optimizer;
  if (init.optimizerState) {
    const st = init.optimizerState.map((t) => ({ name: t.name, tensor: toTensor(t) }));
    await optimizer.setWeights(st);
  }
  return { task, optimizer };
}

async function main(): Promise<void> {
  const { task, optimizer } = await build();
  const vars = trainableVariables(task);
  const sizes = vars.map((v) => v.size);
  const offsets: number[] = [];
  let P = 0;
  for (const s of sizes) { offsets.push(P); P += s; }
  const W = init.workers;
  const rank = init.rank;
  const ctrl = new Int32Array(init.control);
  const perm = new Int32Array(init.perm);
  const grads = new Float32Array(init.grads);
  const vals = new Float64Array(init.values);
  if (grads.length !== 2 * W * P) throw new Error(`worker ${rank}: gradient buffer holds ${grads.length} floats, expected ${2 * W * P}; the replica's architecture differs from the main model.`);
  const xs = new Float32Array(init.x);
  const ys = init.y ? new Float32Array(init.y) : xs;
  const xRow = init.xShape.slice(1).reduce((a, b) => a * b, 1);
  const yRow = init.yShape.slice(1).reduce((a, b) => a * b, 1);
  const acc = new Float32Array(P);
  let names: string[] = ["loss"];
  let exchangeMs = 0;
  let waitMs = 0;
  let computeMs = 0;

  const gather = (src: Float32Array, row: number, s0: number, s1: number): Float32Array => {
    const out = new Float32Array((s1 - s0) * row);
    for (let i = s0; i < s1; i++) {
      const r = perm[i];
      out.set(src.subarray(r * row, (r + 1) * row), (i - s0) * row);
    }
    return out;
  };

  const runEpoch = async (m: Extract<ToWorker, { type: "epoch" }>) => {
    const steps = stepsPerEpoch(m.n, init.batchSize);
    let done = 0;
    let outcome: Extract<FromWorker, { type: "epochEnd" }>["outcome"] = { status: "ok" };
    for (let b = 0; b < steps; b++) {
      const step = m.stepStart + b;
      const lo = b * init.batchSize;
      const hi = Math.min(m.n, lo + init.batchSize);
      const nb = hi - lo;
      const [s0, s1] = shard(lo, hi, rank, W);
      const parity = step & 1;
      const gslot = grads.subarray((parity * W + rank) * P, (parity * W + rank + 1) * P);
      const vslot = vals.subarray((parity * W + rank) * MAX_VALUES, (parity * W + rank + 1) * MAX_VALUES);
      const t0 = performance.now();
      if (s1 > s0) {
        const shape = [s1 - s0, ...init.xShape.slice(1)];
        const xb = tf.tensor(gather(xs, xRow, s0, s1), shape);
        const yb = init.y ? tf.tensor(gather(ys, yRow, s0, s1), [s1 - s0, ...init.yShape.slice(1)]) : xb;
        try {
          const r = computeGradients(task, vars, { x: xb, y: yb }, step, stepSeed(init.seed, step, rank));
          const scale = (s1 - s0) / nb;
          vars.forEach((v, i) => {
            const g = r.grads[v.name];
            const o = offsets[i];
            if (!g) { gslot.fill(0, o, o + sizes[i]); return; }
            const d = g.dataSync() as Float32Array;
            for (let k = 0; k < d.length; k++) gslot[o + k] = d[k] * scale;
          });
          tf.dispose(r.grads);
          names = Object.keys(r.values);
          if (names.length > MAX_VALUES) throw new Error(`task ${task.name} reports ${names.length} loss values; at most ${MAX_VALUES} are supported by the workers.`);
          vslot.fill(0);
          names.forEach((k, j) => { vslot[j] = r.values[k] * scale; });
        } finally {
          tf.dispose(yb === xb ? [xb] : [xb, yb]);
        }
      } else {
        gslot.fill(0);
        vslot.fill(0);
      }
      const t1 = performance.now();
      barrier(ctrl, W);
      const t2 = performance.now();
      waitMs += t2 - t1;
      // Sum the slots in rank order: every worker computes the same bits.
      const base = parity * W * P;
      acc.set(grads.subarray(base, base + P));
      for (let r = 1; r < W; r++) {
        const s = grads.subarray(base + r * P, base + (r + 1) * P);
        for (let k = 0; k < P; k++) acc[k] += s[k];
      }
      const values: Record<string, number> = {};
      names.forEach((k, j) => {
        let t = 0;
        for (let r = 0; r < W; r++) t += vals[(parity * W + r) * MAX_VALUES + j];
        values[k] = t;
      });
      exchangeMs += performance.now() - t2;
      computeMs += t1 - t0;
      if (!Number.isFinite(values.loss)) {
        outcome = { status: "nan", step: b, values };
        break;
      }
      tf.tidy(() => {
        const map: tf.NamedTensorMap = {};
        vars.forEach((v, i) => { map[v.name] = tf.tensor(acc.subarray(offsets[i], offsets[i] + sizes[i]), v.shape); });
        optimizer.applyGradients(map);
      });
      done++;
      if (rank === 0) post({ type: "step", rank, step: b, images: nb, values });
      if (Atomics.load(ctrl, STOP_DECISION)) {
        outcome = { status: "interrupted", step: b + 1 };
        break;
      }
    }
    const trainable = vars.map((v) => v.dataSync() as Float32Array);
    const hash = hashFloats(trainable);
    let weights: TensorData[] | null = null;
    if (rank === 0) {
      weights = allWeights(task).map((t, i) => ({ name: String(i), shape: t.shape, dtype: t.dtype, data: t.dataSync().slice() as Float32Array }));
    }
    post({ type: "epochEnd", rank, outcome, hash, weights, exchangeMs, waitMs, computeMs, heapMB: heapMB(), steps: done }, weights ? weights.map((w) => w.data.buffer as ArrayBuffer) : []);
    exchangeMs = 0;
    waitMs = 0;
    computeMs = 0;
  };

  let queue = Promise.resolve();
  port.on("message", (m: ToWorker) => {
    queue = queue.then(async () => {
      if (m.type === "epoch") await runEpoch(m);
      else if (m.type === "validate") {
        // whole batches, round-robin: batch k on worker k % W (same noise seeds as one thread)
        const vx = new Float32Array(init.vx!);
        const vy = init.vy ? new Float32Array(init.vy) : vx;
        const xr = init.vxShape.slice(1).reduce((a, b) => a * b, 1);
        const yr = init.vyShape.slice(1).reduce((a, b) => a * b, 1);
        const sums = evaluateSums(task, init.vxShape[0], m.batchSize, m.seed, (lo, nb) => {
          const xb = tf.tensor(vx.subarray(lo * xr, (lo + nb) * xr), [nb, ...init.vxShape.slice(1)]);
          return { x: xb, y: init.vy ? tf.tensor(vy.subarray(lo * yr, (lo + nb) * yr), [nb, ...init.vyShape.slice(1)]) : xb };
        }, (k) => k % W === rank);
        post({ type: "validated", rank, sums });
      }
      else if (m.type === "finish") {
        let optimizerState: TensorData[] | null = null;
        if (m.wantOptimizer && rank === 0) {
          const ws = await optimizer.getWeights();
          optimizerState = ws.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype, data: w.tensor.dataSync().slice() as Float32Array }));
        }
        post({ type: "finished", rank, optimizerState });
      }
    }).catch(fail);
  });
  post({ type: "ready", rank, params: P, heapMB: heapMB() });
}

/** Size of this worker's wasm heap (0 on the cpu backend). */
function heapMB(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return Math.round((b.wasm?.HEAPU8?.length ?? 0) / 2 ** 20);
}

function fail(e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  // Report first, then release the other workers from their barrier wait.
  post({ type: "error", rank: init.rank, message: err.message, stack: err.stack ?? err.message });
  Atomics.store(new Int32Array(init.control), ABORT, 1);
}

main().catch(fail);
