// One training step, shared by the two engines that run it: this thread
// (LocalEngine in train.ts) and each data-parallel worker (parallel/worker.ts).
// The Engine contract between train() and those engines lives here too, so
// train.ts and parallel/ both import this module and not each other.
import * as tf from "@tensorflow/tfjs";
import { Batch, Task } from "../models/task";

/** What one engine (this thread, or worker threads) reports per step. */
export interface StepReport {
  images: number;
  /** loss and the named parts, batch means. */
  values: Record<string, number>;
}
export type EpochOutcome =
  | { status: "ok" }
  | { status: "nan"; step: number; values: Record<string, number> }
  | { status: "interrupted"; step: number };

export interface EpochRun {
  epoch: number;
  perm: Int32Array;
  /** Global step index of this epoch's first step. */
  stepStart: number;
  onStep: (r: StepReport) => void;
  shouldStop: () => boolean;
}

export interface Engine {
  readonly workers: number;
  runEpoch(run: EpochRun): Promise<EpochOutcome>;
  /** Make the main-thread task hold the latest weights (no-op on this thread). */
  sync(): Promise<void>;
  /** Validation sums split over the workers (absent: evaluate in this thread). */
  evaluate?(batchSize: number, seed: number): Promise<Record<string, number>>;
  dispose(): Promise<void>;
}

/** Seed for a step's randomness: distinct per (base seed, global step, worker). */
export function stepSeed(seed: number, step: number, rank = 0): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (step + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (rank + 0x165667b1), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) % 2147483647;
}

/** Batches of an epoch: [lo, hi) row ranges into the permutation. */
export function stepsPerEpoch(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}

/** The shared step: loss + gradients of one batch; values read back in one sync. */
export function computeGradients(task: Task, vars: tf.Variable[], batch: Batch, step: number, seed: number):
  { grads: tf.NamedTensorMap; values: Record<string, number> } {
  let names: string[] = ["loss"];
  const kept: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const r = task.loss(batch, { training: true, step, seed });
    if (!r || !(r.loss instanceof tf.Tensor) || r.loss.rank !== 0) {
      throw new Error(`task ${task.name}: loss() must return { loss: <scalar tensor> }, got ${r?.loss instanceof tf.Tensor ? `a tensor of shape [${r.loss.shape}]` : typeof r?.loss}; average over the batch, e.g. tf.mean(...).`);
    }
    const parts = r.parts ?? {};
    names = ["loss", ...Object.keys(parts)];
    for (const p of Object.values(parts)) kept.push(tf.keep(p));
    return r.loss;
  }, vars);
  const stacked = tf.stack([value, ...kept]);
  const data = stacked.dataSync();
  tf.dispose([stacked, value, ...kept]);
  const values: Record<string, number> = {};
  names.forEach((k, i) => { values[k] = data[i]; });
  return { grads, values };
}

/**
 * Sums (weighted by rows) of loss and parts over batches [k*bs, (k+1)*bs) of n rows, for the
 * batches k where take(k); training=false, noise seeded per batch index so any split of the
 * batches between threads gives the same per-batch values.
 */
export function evaluateSums(task: Task, n: number, batchSize: number, seed: number,
  batchAt: (lo: number, nb: number) => Batch, take: (k: number) => boolean = () => true): Record<string, number> {
  const sums: Record<string, number> = {};
  for (let k = 0, lo = 0; lo < n; k++, lo += batchSize) {
    if (!take(k)) continue;
    const nb = Math.min(batchSize, n - lo);
    tf.tidy(() => {
      const r = task.loss(batchAt(lo, nb), { training: false, step: k, seed: stepSeed(seed, k, 99) });
      const parts = r.parts ?? {};
      const names = ["loss", ...Object.keys(parts)];
      const vals = tf.stack([r.loss, ...Object.values(parts)]).dataSync();
      names.forEach((name, i) => { sums[name] = (sums[name] ?? 0) + vals[i] * nb; });
    });
  }
  return sums;
}
