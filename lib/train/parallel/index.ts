// Data-parallel training over worker threads. Each worker holds a replica of
// the task (rebuilt from task.spec) on its own tfjs backend and trains on its
// share of every global batch; gradients are summed through shared memory and
// every replica takes the identical Adam step. The main thread only shuffles,
// shows progress, and receives the weights after every epoch, so callbacks and
// validation see the trained model. Used by train() via `workers`.
import * as tf from "@tensorflow/tfjs";
import * as path from "path";
import { Worker } from "worker_threads";
import type { Engine, EpochOutcome, EpochRun } from "../step";
import { allWeights, setAllWeights, Task, trainableVariables } from "../../models/task";
import { projectRoot } from "../../settings";
import { CONTROL_INTS, FromWorker, MAX_VALUES, STOP_REQ, ABORT, TensorData, WorkerInit } from "./shared";

export interface ParallelOptions {
  task: Task;
  x: tf.Tensor;
  y: tf.Tensor;
  /** Validation data, evaluated by the workers after every epoch. */
  validation?: { x: tf.Tensor; y: tf.Tensor } | null;
  batchSize: number;
  seed: number;
  workers: number;
  /** Adam (or another registered tf.train optimizer): its config and state go to the workers and back. */
  optimizer: tf.Optimizer;
  /** Transfer the optimizer state back at the end (a caller-owned optimizer). */
  keepOptimizerState?: boolean;
}

/** Timing of the last epoch, per worker (ms, summed over steps). */
export interface ParallelStats {
  /** Steps in the last epoch (divide the sums by it for ms per step). */
  steps: number;
  /** Forward + backward + copying the gradient into shared memory. */
  computeMs: number[];
  /** Waiting at the barrier for the other workers (load imbalance, a busy machine). */
  waitMs: number[];
  /** Summing all workers' gradients and losses (the exchange itself). */
  exchangeMs: number[];
  heapMB: number[];
  replicasIdentical: boolean;
  /** Time from spawning the workers until all were ready (TS loader, tfjs, wasm, model build). */
  startupMs: number;
}

// One shared copy of a dataset per tensor, reused by later train() calls.
const shared = new WeakMap<tf.Tensor, SharedArrayBuffer>();
function sharedCopy(t: tf.Tensor): SharedArrayBuffer {
  let sab = shared.get(t);
  if (!sab) {
    sab = new SharedArrayBuffer(t.size * 4);
    new Float32Array(sab).set(t.dataSync() as Float32Array);
    shared.set(t, sab);
  }
  return sab;
}

function tensorData(ts: tf.Tensor[]): TensorData[] {
  return ts.map((t, i) => ({ name: String(i), shape: t.shape, dtype: t.dtype, data: t.dataSync().slice() as Float32Array }));
}

const ENTRY = path.join(__dirname, "worker-entry.js");
/** After an interrupt, how long workers get to finish their current step. */
export const STOP_GRACE_MS = 60_000;

export class WorkerError extends Error {
  constructor(message: string, readonly workerStack: string) {
    super(message);
    this.name = "WorkerError";
    this.stack = `${this.name}: ${message}\n--- worker stack ---\n${workerStack}`;
  }
}

class ParallelEngine implements Engine {
  readonly workers: number;
  stats: ParallelStats = { startupMs: 0, steps: 0, computeMs: [], waitMs: [], exchangeMs: [], heapMB: [], replicasIdentical: true };
  private pool: Worker[] = [];
  private ctrl: Int32Array;
  private perm: Int32Array;
  private failure: Error | null = null;
  private onFailure: ((e: Error) => void) | null = null;
  private listeners = new Map<string, (m: FromWorker) => void>();
  private pendingWeights: TensorData[] | null = null;
  private disposed = false;

  private constructor(private o: ParallelOptions, init: Omit<WorkerInit, "rank">) {
    this.workers = o.workers;
    this.ctrl = new Int32Array(init.control);
    this.perm = new Int32Array(init.perm);
    for (let rank = 0; rank < o.workers; rank++) {
      const w = new Worker(ENTRY, {
        workerData: { ...init, rank },
        env: { ...process.env, GDL_BACKEND: init.backend },
        stdout: false,
        stderr: false,
      });
      w.on("message", (m: FromWorker) => {
        if (m.type === "error") this.fail(new WorkerError(`data-parallel worker ${m.rank} failed: ${m.message}`, m.stack), m.message.startsWith("aborted because"));
        else this.listeners.get(m.type)?.(m);
      });
      w.on("error", (e) => this.fail(new WorkerError(`data-parallel worker ${rank} crashed: ${e.message}`, e.stack ?? e.message)));
      w.on("exit", (code) => {
        if (!this.disposed) this.fail(new Error(`data-parallel worker ${rank} exited unexpectedly (code ${code}); it may have run out of memory. Train with workers: 1 to run in this thread.`));
      });
      this.pool.push(w);
    }
  }

  static async create(o: ParallelOptions): Promise<ParallelEngine> {
    const { task } = o;
    if (!task.spec) throw new Error(`task ${task.name} has no spec: workers cannot rebuild it.`);
    const P = trainableVariables(task).reduce((s, v) => s + v.size, 0);
    const n = o.x.shape[0];
    const init: Omit<WorkerInit, "rank"> = {
      workers: o.workers,
      backend: tf.getBackend(),
      spec: task.spec,
      projectRoot: projectRoot(),
      control: new SharedArrayBuffer(CONTROL_INTS * 4),
      perm: new SharedArrayBuffer(n * 4),
      grads: new SharedArrayBuffer(2 * o.workers * P * 4),
      values: new SharedArrayBuffer(2 * o.workers * MAX_VALUES * 8),
      x: sharedCopy(o.x),
      xShape: o.x.shape,
      y: o.y === o.x ? null : sharedCopy(o.y),
      yShape: o.y.shape,
      vx: o.validation ? sharedCopy(o.validation.x) : null,
      vy: o.validation && o.validation.y !== o.validation.x ? sharedCopy(o.validation.y) : null,
      vxShape: o.validation?.x.shape ?? [],
      vyShape: o.validation?.y.shape ?? [],
      batchSize: o.batchSize,
      seed: o.seed,
      optimizer: { className: o.optimizer.getClassName(), config: o.optimizer.getConfig() as Record<string, unknown> },
      optimizerState: null,
      weights: tensorData(allWeights(task)),
    };
    if (o.keepOptimizerState) {
      const st = await o.optimizer.getWeights();
      init.optimizerState = st.length > 1 ? st.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype, data: w.tensor.dataSync().slice() as Float32Array })) : null;
    }
    const t0 = performance.now();
    const engine = new ParallelEngine(o, init);
    try {
      const ready = await engine.collect("ready");
      engine.stats.startupMs = performance.now() - t0;
      engine.stats.heapMB = ready.map((r) => (r as Extract<FromWorker, { type: "ready" }>).heapMB);
      for (const r of ready) {
        const p = (r as Extract<FromWorker, { type: "ready" }>).params;
        if (p !== P) throw new Error(`data-parallel worker built a task with ${p} trainable parameters, the main thread has ${P}: task.spec does not rebuild the same architecture.`);
      }
    } catch (e) {
      await engine.dispose();
      throw e;
    }
    return engine;
  }

  private fail(e: Error, secondary = false): void {
    // A worker that left its barrier because another failed reports "aborted": the other's error is the one to show.
    if (secondary || this.failure) return;
    this.failure = e;
    Atomics.store(this.ctrl, ABORT, 1);
    this.onFailure?.(e);
  }

  /** Wait for one message of `type` from every worker (rejects on any worker failure). */
  private collect(type: FromWorker["type"], onEach?: (m: FromWorker) => void): Promise<FromWorker[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const got: FromWorker[] = [];
      this.onFailure = (e) => { this.listeners.delete(type); reject(e); };
      this.listeners.set(type, (m) => {
        onEach?.(m);
        got[(m as { rank: number }).rank] = m;
        if (got.filter(Boolean).length === this.workers) {
          this.listeners.delete(type);
          this.onFailure = null;
          resolve(got);
        }
      });
    });
  }

  async runEpoch(run: EpochRun): Promise<EpochOutcome> {
    this.perm.set(run.perm);
    Atomics.store(this.ctrl, STOP_REQ, 0);
    // Workers stop at their next step boundary; one that never gets there (stuck) is terminated.
    let stopSeen = 0;
    const poll = setInterval(() => {
      if (!run.shouldStop()) return;
      Atomics.store(this.ctrl, STOP_REQ, 1);
      stopSeen ||= Date.now();
      if (Date.now() - stopSeen > STOP_GRACE_MS) {
        this.fail(new Error(`data-parallel workers did not stop within ${STOP_GRACE_MS / 1000} s of the interrupt and were terminated; the model keeps the weights of the last finished epoch.`));
      }
    }, 20);
    this.listeners.set("step", (m) => {
      const s = m as Extract<FromWorker, { type: "step" }>;
      try {
        run.onStep({ images: s.images, values: s.values });
      } catch (e) {
        this.fail(e as Error); // e.g. a progress display error: stop the workers, reject train()
      }
      if (run.shouldStop()) Atomics.store(this.ctrl, STOP_REQ, 1);
    });
    try {
      const ends = this.collect("epochEnd");
      for (const w of this.pool) w.postMessage({ type: "epoch", epoch: run.epoch, stepStart: run.stepStart, n: run.perm.length });
      const res = (await ends) as Extract<FromWorker, { type: "epochEnd" }>[];
      this.stats.computeMs = res.map((r) => r.computeMs);
      this.stats.exchangeMs = res.map((r) => r.exchangeMs);
      this.stats.waitMs = res.map((r) => r.waitMs);
      this.stats.heapMB = res.map((r) => r.heapMB);
      this.stats.steps = res[0].steps;
      const hashes = new Set(res.map((r) => r.hash));
      this.stats.replicasIdentical = hashes.size === 1;
      if (hashes.size !== 1) {
        throw new Error(`data-parallel replicas diverged (weight hashes ${[...hashes].join(", ")}); this is a bug in lib/train/parallel. Train with workers: 1.`);
      }
      this.pendingWeights = res[0].weights;
      return res[0].outcome;
    } finally {
      clearInterval(poll);
      this.listeners.delete("step");
    }
  }

  /** Validation loss sums over all rows, each worker taking every W-th batch. */
  async evaluate(batchSize: number, seed: number): Promise<Record<string, number>> {
    if (!this.o.validation) throw new Error("parallel engine: no validation data was given at start");
    const done = this.collect("validated");
    for (const w of this.pool) w.postMessage({ type: "validate", batchSize, seed });
    const res = (await done) as Extract<FromWorker, { type: "validated" }>[];
    const n = this.o.validation.x.shape[0];
    const out: Record<string, number> = {};
    for (const k of Object.keys(res[0].sums)) out[k] = res.reduce((s, r) => s + (r.sums[k] ?? 0), 0) / n;
    return out;
  }

  /** Copy the replicas' weights into the main-thread task. */
  async sync(): Promise<void> {
    const w = this.pendingWeights;
    if (!w) return;
    this.pendingWeights = null;
    const ts = w.map((t) => tf.tensor(t.data, t.shape, t.dtype as tf.DataType));
    try {
      setAllWeights(this.o.task, ts);
    } finally {
      tf.dispose(ts);
    }
  }

  /** Bring the optimizer state home (caller-owned optimizer), then stop the workers. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    try {
      if (this.o.keepOptimizerState && !this.failure) {
        const done = this.collect("finished");
        for (const w of this.pool) w.postMessage({ type: "finish", wantOptimizer: true });
        const res = (await withTimeout(done, 30_000, "workers did not return the optimizer state")) as Extract<FromWorker, { type: "finished" }>[];
        const st = res[0].optimizerState;
        if (st) await setOptimizerState(this.o.optimizer, st);
      }
    } finally {
      this.disposed = true;
      Atomics.store(this.ctrl, ABORT, 1);
      await Promise.all(this.pool.map((w) => w.terminate()));
      this.pool = [];
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(what)), ms); })]).finally(() => clearTimeout(t));
}

/** Replace an optimizer's state (Adam: iterations, first and second moments) without leaking the old variables. */
async function setOptimizerState(opt: tf.Optimizer, st: TensorData[]): Promise<void> {
  const o = opt as unknown as { accumulatedFirstMoment?: { variable: tf.Variable }[]; accumulatedSecondMoment?: { variable: tf.Variable }[] };
  const old = [...(o.accumulatedFirstMoment ?? []), ...(o.accumulatedSecondMoment ?? [])].map((v) => v.variable);
  const named = st.map((t) => ({ name: t.name, tensor: tf.tensor(t.data, t.shape, t.dtype as tf.DataType) }));
  await opt.setWeights(named);
  tf.dispose(old);
  tf.dispose(named.map((n) => n.tensor));
}

/** Start `workers` replicas of `task` and return an Engine for train(). */
export function createParallelEngine(o: ParallelOptions): Promise<Engine & { stats: ParallelStats }> {
  return ParallelEngine.create(o);
}
