// Data-parallel inference on wasm: wasm kernels run on one thread, so a pool of
// worker threads (one per core, like training's data-parallel workers) each
// predicts its share of the rows. The pool starts on first use (~1-2 s), stays
// for later calls, and does not keep the process alive. Other backends, or a
// single core, use model.predict() in this thread.
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import * as tf from "@tensorflow/tfjs";
import { autoWorkers } from "../backend";

export type ToPredictWorker =
  | { type: "model"; id: number; topology: unknown }
  | { type: "predict"; id: number; weights: { shape: number[]; data: Float32Array }[]; x: SharedArrayBuffer; xShape: number[];
      lo: number; hi: number; outputs: SharedArrayBuffer[]; batchSize: number };
export type FromPredictWorker = { type: "ready" } | { type: "ok" } | { type: "error"; message: string };

const ENTRY = path.join(__dirname, "worker-entry.js");

class Pool {
  private sent = new Map<Worker, Set<number>>();
  private constructor(readonly workers: Worker[]) {
    for (const w of workers) this.sent.set(w, new Set());
  }

  static async start(n: number): Promise<Pool> {
    const workers = Array.from({ length: n }, () => new Worker(ENTRY, { env: { ...process.env, GDL_BACKEND: "wasm" }, stdout: false, stderr: false }));
    const pool = new Pool(workers);
    await Promise.all(workers.map((w) => pool.reply(w)));
    for (const w of workers) w.unref(); // an idle pool must not keep Node running
    return pool;
  }

  reply(w: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMsg = (m: FromPredictWorker) => { off(); m.type === "error" ? reject(new Error(`predict worker: ${m.message}`)) : resolve(); };
      const onErr = (e: Error) => { off(); reject(e); };
      const onExit = (code: number) => { off(); reject(new Error(`predict worker exited (code ${code})`)); };
      const off = () => { w.off("message", onMsg); w.off("error", onErr); w.off("exit", onExit); };
      w.on("message", onMsg);
      w.on("error", onErr);
      w.on("exit", onExit);
    });
  }

  async send(w: Worker, m: ToPredictWorker): Promise<void> {
    w.ref();
    try {
      const done = this.reply(w);
      w.postMessage(m);
      await done;
    } finally {
      w.unref();
    }
  }

  async ensureModel(w: Worker, id: number, model: tf.LayersModel): Promise<void> {
    const have = this.sent.get(w)!;
    if (have.has(id)) return;
    await this.send(w, { type: "model", id, topology: model.toJSON(null, false) });
    have.add(id);
  }
}

let pool: Promise<Pool> | null = null;
const ids = new WeakMap<tf.LayersModel, number>();
let nextId = 1;

/** Workers predictParallel uses here: one per core on wasm (GDL_WORKERS overrides), else 1. */
export function predictWorkers(): number {
  return tf.getBackend() === "wasm" ? autoWorkers("wasm") : 1;
}

/**
 * model.predict(x) split by rows over worker threads on wasm (same results: each row
 * is computed by the same kernels). `minRows`: below it, predict here (pool start-up
 * and the copies cost more than they save). Returns what model.predict returns.
 */
export async function predictParallel(model: tf.LayersModel, x: tf.Tensor, opts: { batchSize?: number; workers?: number; minRows?: number } = {}): Promise<tf.Tensor | tf.Tensor[]> {
  const n = x.shape[0];
  const workers = Math.min(opts.workers ?? predictWorkers(), os.availableParallelism?.() ?? os.cpus().length, n);
  const batchSize = opts.batchSize ?? 256;
  if (workers <= 1 || tf.getBackend() !== "wasm" || n < (opts.minRows ?? 256)) return model.predict(x, { batchSize });
  pool ??= Pool.start(workers);
  const p = await pool.catch((e) => { pool = null; throw e; });
  const ws = p.workers.slice(0, workers);
  if (!ids.has(model)) ids.set(model, nextId++);
  const id = ids.get(model)!;
  const xs = new SharedArrayBuffer(x.size * 4);
  new Float32Array(xs).set(x.dataSync() as Float32Array);
  const outShapes = model.outputs.map((o) => [n, ...o.shape.slice(1) as number[]]);
  const outputs = outShapes.map((s) => new SharedArrayBuffer(s.reduce((a, b) => a * b, 1) * 4));
  const weights = model.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync() as Float32Array }));
  await Promise.all(ws.map(async (w, rank) => {
    await p.ensureModel(w, id, model);
    const lo = Math.floor((n * rank) / workers), hi = Math.floor((n * (rank + 1)) / workers);
    await p.send(w, { type: "predict", id, weights, x: xs, xShape: x.shape, lo, hi, outputs, batchSize });
  }));
  const ys = outputs.map((b, i) => tf.tensor(new Float32Array(b), outShapes[i]));
  return ys.length === 1 ? ys[0] : ys;
}
