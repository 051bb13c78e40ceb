// The one training loop of the workbook. Every chapter calls `train(task, data, opts)`:
// Adam by default, live progress updated in place, validation per epoch, stop on
// NaN/Inf, per-epoch callback, clean interrupt (SIGINT) between steps, and
// data-parallel training over worker threads (`workers`) with the same result.
import * as tf from "@tensorflow/tfjs";
import * as os from "os";
import { asTask, ModelLoss, Task, trainableVariables } from "../models/task";
import { ProgressMode, ProgressState, TrainingProgress } from "./progress";
import { computeGradients, Engine, EpochOutcome, EpochRun, evaluateSums, stepSeed, stepsPerEpoch } from "./step";
import { createParallelEngine, ParallelStats } from "./parallel/index";

export type DataLike = tf.Tensor | { x: tf.Tensor; y?: tf.Tensor };

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Adam learning rate (default 1e-3). Not allowed together with `optimizer`. */
  learningRate?: number;
  /** Your own optimizer (kept across calls; you dispose it). Default: a fresh Adam per call. */
  optimizer?: tf.Optimizer;
  /** Held-out data: val_loss (and val_<part>) are computed after every epoch. */
  validation?: DataLike;
  /** Shuffle the training order every epoch (default true). */
  shuffle?: boolean;
  /** Seed for shuffling and loss noise (default: random). Same seed -> same run. */
  seed?: number;
  /** After each epoch (1-based), with the epoch's logs; return "stop" to end training early. */
  onEpochEnd?: (epoch: number, logs: Record<string, number>) => void | "stop" | Promise<void | "stop">;
  /** Live progress (default true: in-place display in a kernel, a line per epoch elsewhere). */
  progress?: ProgressMode;
  /** Worker threads for data-parallel training: "auto" (default: all cores when possible) or a count; 1 = this thread. */
  workers?: number | "auto";
  /** Loss when `model` is a bare tf.LayersModel (default "mse"). */
  loss?: ModelLoss;
  /** Title of the progress display. */
  title?: string;
}

export interface TrainHistory {
  /** Per-epoch means: loss, each named loss part, and val_* when validation data was given. */
  metrics: Record<string, number[]>;
  /** Epochs completed. */
  epochs: number;
  /** "completed", "stopped" (onEpochEnd returned "stop") or "nan" (loss became NaN/Inf). */
  status: "completed" | "stopped" | "nan";
  message: string;
  /** Wall time of the training steps (excluding validation and callbacks). */
  seconds: number;
  imagesPerSecond: number;
  workers: number;
  /** Why this many workers (e.g. "2 cores", "backend cpu (workers are used with wasm)"). */
  workersReason: string;
  steps: number;
  /** Data-parallel runs: per-worker compute/exchange ms of the last epoch, wasm heap, replica check. */
  parallel?: ParallelStats;
}

/** Thrown when a kernel interrupt (SIGINT) stopped training between two steps. */
export class TrainingInterrupted extends Error {
  constructor(message: string, readonly history: TrainHistory) {
    super(message);
    this.name = "TrainingInterrupted";
  }
}

class LocalEngine implements Engine {
  readonly workers = 1;
  private readonly vars: tf.Variable[];
  constructor(private task: Task, private optimizer: tf.Optimizer, private x: tf.Tensor, private y: tf.Tensor,
              private batchSize: number, private seed: number) {
    this.vars = trainableVariables(task);
    if (this.vars.length === 0) throw new Error(`train: task ${task.name} has no trainable weights.`);
  }

  async runEpoch(run: EpochRun): Promise<EpochOutcome> {
    const n = run.perm.length;
    const steps = stepsPerEpoch(n, this.batchSize);
    for (let b = 0; b < steps; b++) {
      if (run.shouldStop()) return { status: "interrupted", step: b };
      const lo = b * this.batchSize;
      const hi = Math.min(n, lo + this.batchSize);
      const idx = tf.tensor1d(run.perm.subarray(lo, hi), "int32");
      const xb = tf.gather(this.x, idx);
      const yb = this.y === this.x ? xb : tf.gather(this.y, idx);
      let nan: EpochOutcome | null = null;
      try {
        const { grads, values } = computeGradients(this.task, this.vars, { x: xb, y: yb }, run.stepStart + b, stepSeed(this.seed, run.stepStart + b));
        // Check before applying: a NaN step leaves the weights untouched.
        if (!Number.isFinite(values.loss)) nan = { status: "nan", step: b, values };
        else this.optimizer.applyGradients(grads);
        tf.dispose(grads);
        if (!nan) run.onStep({ images: hi - lo, values });
      } finally {
        tf.dispose(yb === xb ? [idx, xb] : [idx, xb, yb]);
      }
      if (nan) return nan;
      // Let the event loop run: progress output, and a SIGINT handler that sets shouldStop.
      await new Promise<void>((r) => setImmediate(r));
    }
    return { status: "ok" };
  }
  async sync(): Promise<void> {}
  async dispose(): Promise<void> {}
}

/** Mean loss (and parts) over a dataset in batches, training=false, fixed noise seeds. */
export function evaluate(task: Task, data: DataLike, opts: { batchSize?: number; seed?: number } = {}): Record<string, number> {
  const { x, y } = normaliseData(data, "evaluate data");
  const n = x.shape[0];
  const sums = evaluateSums(task, n, opts.batchSize ?? 256, opts.seed ?? 1234, (lo, nb) => {
    const xb = x.slice(lo, nb);
    return { x: xb, y: y === x ? xb : y.slice(lo, nb) };
  });
  const out: Record<string, number> = {};
  for (const k of Object.keys(sums)) out[k] = sums[k] / n;
  return out;
}

export function normaliseData(d: DataLike, what: string): { x: tf.Tensor; y: tf.Tensor } {
  const x = d instanceof tf.Tensor ? d : d?.x;
  const y = d instanceof tf.Tensor ? d : d?.y ?? d?.x;
  if (!(x instanceof tf.Tensor) || !(y instanceof tf.Tensor)) {
    throw new Error(`train: ${what} must be a tensor (autoencoders: images are input and target) or { x, y? } of tensors.`);
  }
  if (x.isDisposed || y.isDisposed) throw new Error(`train: ${what} tensor was disposed; load the data again.`);
  if (x.rank < 2) throw new Error(`train: ${what} must have a batch axis and at least one feature axis, got shape [${x.shape}].`);
  if (x.shape[0] === 0) throw new Error(`train: ${what} is empty (shape [${x.shape}]).`);
  if (y.shape[0] !== x.shape[0]) throw new Error(`train: ${what}: x has ${x.shape[0]} rows but y has ${y.shape[0]}; they must match.`);
  if (x.dtype !== "float32") throw new Error(`train: ${what} must be float32, got ${x.dtype}; convert with x.toFloat() (and scale to [0, 1]).`);
  return { x, y };
}

function checkOptions(o: TrainOptions): void {
  if (typeof o !== "object" || o === null) throw new Error("train: options { epochs, batchSize } are required, e.g. train(ae, images, { epochs: 5, batchSize: 100 }).");
  if (!Number.isInteger(o.epochs) || o.epochs < 1) {
    throw new Error(`train: epochs must be a whole number >= 1, got ${o.epochs}.`);
  }
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
    throw new Error(`train: batchSize must be a whole number >= 1, got ${o.batchSize}; the book uses 100.`);
  }
  if (o.learningRate !== undefined) {
    if (o.optimizer) throw new Error("train: pass either learningRate or optimizer, not both (set the rate when you create the optimizer).");
    if (typeof o.learningRate !== "number" || !Number.isFinite(o.learningRate) || o.learningRate <= 0) {
      throw new Error(`train: learningRate must be a finite number > 0, got ${o.learningRate}; Adam usually works with 1e-4 .. 1e-2 (book: 5e-4).`);
    }
  }
  const w = o.workers;
  if (w !== undefined && w !== "auto" && (!Number.isInteger(w) || w < 1)) {
    throw new Error(`train: workers must be "auto" or a whole number >= 1, got ${JSON.stringify(w)}.`);
  }
  if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== "function") throw new Error("train: onEpochEnd must be a function (epoch, logs) => void.");
}

/** Random permutation of 0..n-1 (Fisher-Yates with a seeded mulberry32). */
export function permutation(n: number, rng: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const training = new Set<Task | tf.LayersModel>();

/** "auto" uses workers only from this many training examples on. */
export const AUTO_MIN_EXAMPLES = 1000;

export interface WorkerChoice {
  workers: number;
  reason: string;
  /** Say the reason when training starts: workers would have been used but cannot be. */
  notice?: boolean;
}

/** How many workers `workers: "auto"|n` means for this task here (GDL_WORKERS overrides "auto"). */
export function chooseWorkers(task: Task, opts: Pick<TrainOptions, "workers" | "optimizer">, n: number): WorkerChoice {
  const req = opts.workers ?? "auto";
  const backend = tf.getBackend();
  const env = process.env.GDL_WORKERS?.trim();
  if (req === "auto") {
    if (env) {
      const k = Number(env);
      if (!Number.isInteger(k) || k < 1) throw new Error(`GDL_WORKERS=${env} must be a whole number >= 1 (or unset).`);
      if (k === 1) return { workers: 1, reason: "GDL_WORKERS=1" };
      return chooseWorkers(task, { ...opts, workers: k }, n);
    }
    if (backend !== "wasm") return { workers: 1, reason: `backend ${backend} (workers are used with wasm)` };
    if (opts.optimizer && !isAdam(opts.optimizer)) return { workers: 1, reason: "a custom non-Adam optimizer" };
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    if (cores < 2) return { workers: 1, reason: "one core" };
    // Starting workers costs a few seconds (TS loader, tfjs, wasm): only worth it for real datasets.
    if (n < AUTO_MIN_EXAMPLES) return { workers: 1, reason: `a small dataset (< ${AUTO_MIN_EXAMPLES} examples)` };
    if (!task.spec) {
      return {
        workers: 1, notice: true,
        reason: `${task.name}'s loss is code from this notebook, which worker threads cannot rebuild: training on this thread (1 of ${cores} cores)`,
      };
    }
    return { workers: Math.min(cores, 8), reason: `${cores} cores` };
  }
  if (req === 1) return { workers: 1, reason: "workers: 1" };
  if (!task.spec) throw new Error(`train: workers: ${req} needs a task that workers can rebuild (task.spec = { builder, options }, e.g. autoencoderTask with a named loss); ${task.name} has none. Use workers: 1.`);
  if (opts.optimizer && !isAdam(opts.optimizer)) throw new Error("train: data-parallel workers support Adam only; pass learningRate instead of optimizer, or use workers: 1.");
  if (backend !== "wasm" && backend !== "cpu") throw new Error(`train: workers need the wasm or cpu backend, not ${backend}.`);
  return { workers: req, reason: "requested" };
}

function isAdam(o: tf.Optimizer): boolean {
  return o.getClassName() === "Adam";
}

/**
 * Train `model` (a Task such as buildAutoencoder()/buildVae(), or a tf.LayersModel)
 * on `data` (images as input and target, or { x, y }). Resolves with the history;
 * rejects with TrainingInterrupted on a kernel interrupt (the model keeps the
 * weights of its last completed step and can be trained further or saved).
 */
export async function train(model: Task | tf.LayersModel, data: DataLike, opts: TrainOptions): Promise<TrainHistory> {
  checkOptions(opts);
  const task = asTask(model, opts.loss ?? "mse");
  const { x, y } = normaliseData(data, "data");
  const val = opts.validation ? normaliseData(opts.validation, "validation") : null;
  checkInputShape(task, x, "data");
  if (val) checkInputShape(task, val.x, "validation");
  checkValues(task, { x, y }, "the training data");
  if (val) checkValues(task, val, "the validation set");
  const key = model;
  if (training.has(key)) {
    throw new Error(`train: ${task.name} is still training from an earlier call (interrupt it or wait for it to finish).`);
  }
  const n = x.shape[0];
  const steps = stepsPerEpoch(n, opts.batchSize);
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rng = mulberry32(seed);
  const choice = chooseWorkers(task, opts, n);
  if (choice.notice) console.log(`train: ${choice.reason}.`);
  const ownOptimizer = !opts.optimizer;
  const optimizer = opts.optimizer ?? tf.train.adam(opts.learningRate ?? 1e-3);
  const progress = new TrainingProgress(opts.progress, opts.title ?? `Training ${task.name}`);
  const metrics: Record<string, number[]> = {};
  const history: TrainHistory = { metrics, epochs: 0, status: "completed", message: "", seconds: 0, imagesPerSecond: 0, workers: choice.workers, workersReason: choice.reason, steps: 0 };
  let stop = false;
  const onSigint = () => { stop = true; };
  training.add(key);
  process.on("SIGINT", onSigint);
  let engine: Engine | null = null;
  let images = 0;
  let state: ProgressState | null = null;
  try {
    if (choice.workers > 1) {
      engine = await createParallelEngine({ task, x, y, validation: val, batchSize: opts.batchSize, seed, workers: choice.workers, optimizer, keepOptimizerState: !ownOptimizer });
    } else {
      engine = new LocalEngine(task, optimizer, x, y, opts.batchSize, seed);
    }
    const eng: Engine = engine;
    history.workers = eng.workers;
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const perm = opts.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : permutation(n, rng);
      const sums: Record<string, number> = {};
      let seen = 0;
      let done = 0;
      const t0 = performance.now();
      const st: ProgressState = { epoch, epochs: opts.epochs, step: 0, steps, running: {}, imagesPerSecond: 0, epochSeconds: 0, workers: eng.workers };
      state = st;
      const outcome = await eng.runEpoch({
        epoch, perm, stepStart: history.steps, shouldStop: () => stop,
        onStep: (r) => {
          for (const [k, v] of Object.entries(r.values)) sums[k] = (sums[k] ?? 0) + v * r.images;
          seen += r.images;
          done++;
          history.steps++;
          st.step = done;
          st.epochSeconds = (performance.now() - t0) / 1000;
          st.imagesPerSecond = seen / Math.max(st.epochSeconds, 1e-9);
          for (const k of Object.keys(sums)) st.running[k] = sums[k] / seen;
          progress.step(st);
        },
      });
      const secs = (performance.now() - t0) / 1000;
      history.seconds += secs;
      images += seen;
      history.imagesPerSecond = images / Math.max(history.seconds, 1e-9);
      await eng.sync();
      if ("stats" in eng) history.parallel = { ...(eng as { stats: ParallelStats }).stats };
      if (outcome.status === "nan") {
        const vals = Object.entries(outcome.values).map(([k, v]) => `${k}=${v}`).join(", ");
        history.status = "nan";
        history.message = `Stopped: the loss became ${outcome.values.loss} at epoch ${epoch}, step ${outcome.step + 1} of ${steps} (${vals}). ` +
          `That step's update was not applied, so the model keeps its last finite weights. Try a smaller learningRate${opts.learningRate ? ` than ${opts.learningRate}` : ""} or check the data for NaN/Inf.`;
        console.warn(history.message);
        progress.finish(st, history.message);
        return history;
      }
      if (outcome.status === "interrupted") {
        history.message = `Training interrupted during epoch ${epoch} after step ${outcome.step} of ${steps}; ` +
          `the model keeps the weights of its last completed step (train again to continue, or save it).`;
        progress.finish(st, history.message);
        throw new TrainingInterrupted(history.message, history);
      }
      const logs: Record<string, number> = {};
      for (const k of Object.keys(sums)) logs[k] = sums[k] / seen;
      st.epochSeconds = secs;
      st.imagesPerSecond = seen / Math.max(secs, 1e-9);
      if (val) {
        progress.validating(st, val.x.shape[0]);
        await new Promise<void>((r) => setTimeout(r, 0)); // let the "validating…" output reach the notebook first
        const vbs = Math.max(opts.batchSize, 256);
        const v = eng.evaluate ? await eng.evaluate(vbs, seed) : evaluate(task, val, { batchSize: vbs, seed });
        for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      for (const [k, v] of Object.entries(logs)) (metrics[k] ??= []).push(v);
      history.epochs = epoch;
      progress.epochEnd(st, logs);
      const badVal = Object.entries(logs).filter(([k, v]) => k.startsWith("val_") && !Number.isFinite(v));
      if (badVal.length) {
        // The validation set was checked for NaN/Inf up front, so the model's outputs broke down on it.
        history.status = "nan";
        history.message = `Stopped after epoch ${epoch} of ${opts.epochs}: on the validation set the loss became ${badVal.map(([k, v]) => `${k}=${v}`).join(", ")} ` +
          `while the training loss is ${logs.loss}. The validation set holds no NaN/Inf values (checked before training), so check that it is ` +
          `scaled like the training data, or try a smaller learningRate${opts.learningRate ? ` than ${opts.learningRate}` : ""}.`;
        console.warn(history.message);
        progress.finish(st, history.message);
        return history;
      }
      if (opts.onEpochEnd) {
        const r = await opts.onEpochEnd(epoch, logs);
        if (r === "stop") {
          history.status = "stopped";
          history.message = `Stopped by onEpochEnd after epoch ${epoch} of ${opts.epochs}.`;
          break;
        }
      }
      if (stop && epoch < opts.epochs) {
        history.message = `Training interrupted after epoch ${epoch} of ${opts.epochs}; the model keeps its weights (train again to continue, or save it).`;
        progress.finish(st, history.message);
        throw new TrainingInterrupted(history.message, history);
      }
    }
    if (history.status === "completed") {
      history.message = `Trained ${history.epochs} epoch${history.epochs === 1 ? "" : "s"} in ${history.seconds.toFixed(1)} s (${Math.round(history.imagesPerSecond)} img/s${history.workers > 1 ? `, ${history.workers} workers` : ""}).`;
    }
    progress.finish(state, history.message);
    return history;
  } finally {
    process.off("SIGINT", onSigint);
    training.delete(key);
    try {
      if (engine) await engine.dispose();
    } finally {
      if (ownOptimizer) optimizer.dispose();
    }
  }
}

interface ValueStats { min: number; max: number; nonFinite: number; firstBad: number }

// Tensors are immutable, so a data set's statistics are computed once, not per train() call or step.
const statsOf = new WeakMap<tf.Tensor, ValueStats>();

/** min, max and the count of NaN/Inf values of `t` (and the first example holding one): three reductions. */
function valueStats(t: tf.Tensor): ValueStats {
  const hit = t instanceof tf.Variable ? undefined : statsOf.get(t);
  if (hit) return hit;
  const [min, max, sum] = tf.tidy(() => tf.stack([tf.min(t), tf.max(t), tf.sum(t)]).dataSync());
  let nonFinite = 0, firstBad = -1;
  if (!Number.isFinite(sum)) { // NaN/Inf somewhere (or a sum past float range): find them
    tf.tidy(() => {
      const bad = tf.logicalNot(tf.isFinite(t));
      nonFinite = tf.sum(tf.cast(bad, "int32")).dataSync()[0];
      if (nonFinite) firstBad = tf.any(tf.reshape(bad, [t.shape[0], -1]), 1).dataSync().indexOf(1);
    });
  }
  const s = { min, max, nonFinite, firstBad };
  if (!(t instanceof tf.Variable)) statsOf.set(t, s);
  return s;
}

const fmtValue = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** Reject NaN/Inf in the data, and values outside what the task's loss needs (BCE: [0, 1]), before the first step. */
function checkValues(task: Task, d: { x: tf.Tensor; y: tf.Tensor }, what: string): void {
  const parts: [string, tf.Tensor][] = d.y === d.x ? [["", d.x]] : [[" x", d.x], [" y", d.y]];
  for (const [name, t] of parts) {
    const s = valueStats(t);
    if (s.nonFinite) {
      throw new Error(`train: ${what}${name} holds ${s.nonFinite} NaN/Inf value${s.nonFinite === 1 ? "" : "s"} (the first in example ${s.firstBad}), ` +
        "which would make the loss NaN. Remove or repair those examples, e.g. tf.where(tf.isNaN(x), tf.zerosLike(x), x), or load the data again.");
    }
  }
  const r = task.dataRange;
  if (!r) return;
  const t = r.of === "x" ? d.x : d.y;
  const s = valueStats(t);
  const tol = 1e-6 * Math.max(1, Math.abs(r.max - r.min));
  if (s.min < r.min - tol || s.max > r.max + tol) {
    const which = r.of === "x" ? "its inputs (the images it reconstructs)" : "the targets y";
    const name = d.y === d.x ? "" : ` ${r.of}`;
    throw new Error(`train: ${what}${name} has values from ${fmtValue(s.min)} to ${fmtValue(s.max)}, but ${task.name} is trained with ${r.loss}, ` +
      `which needs ${which} in [${r.min}, ${r.max}]. Scale them first, e.g. images.div(255) for 8-bit pixels ` +
      "(loadFashionMnist and the face loaders already return [0, 1]).");
  }
}

function checkInputShape(task: Task, x: tf.Tensor, what: string): void {
  const first = Object.values(task.models)[0];
  const want = first?.inputs?.[0]?.shape;
  if (!want) return;
  const got = x.shape.slice(1);
  const exp = want.slice(1);
  if (got.length !== exp.length || exp.some((d, i) => d !== null && d !== got[i])) {
    throw new Error(`train: ${what} has examples of shape [${got}] but ${task.name} expects [${exp.map((d) => d ?? "any")}]` +
      (exp.length === 3 && got.length === 3 && exp[0] === 32 && got[0] === 28 ? " (pad 28x28 images to 32x32: loadFashionMnist({ pad: true }))." : "."));
  }
}
