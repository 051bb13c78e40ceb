// Shared-memory layout and the barrier used by the data-parallel workers.
// Workers exchange gradients through SharedArrayBuffers: each writes its
// (shard-weighted) gradient into its own slot, waits at the barrier, then every
// worker sums all slots in the same order, so all replicas apply the same
// update and stay bitwise identical. Slots are double-buffered by step parity
// so a fast worker writing step t+1 never overwrites a slot still being read.
import type { WorkerSpec } from "../../models/task";

/** Indices into the control Int32Array. */
export const GEN = 0; // barrier generation
export const COUNT = 1; // arrivals in this generation
export const STOP_REQ = 2; // set by the main thread (interrupt)
export const STOP_DECISION = 3; // STOP_REQ snapshotted at the last barrier: the same for every worker
export const ABORT = 4; // a worker failed: others leave their barrier wait
export const CONTROL_INTS = 8;

/** Max loss values per step (loss + named parts). */
export const MAX_VALUES = 16;

export class AbortedError extends Error {
  constructor() {
    super("aborted because another worker failed");
    this.name = "AbortedError";
  }
}

/**
 * Wait until all `n` workers arrived. The last to arrive snapshots the stop
 * request, so every worker takes the same stop decision after this barrier.
 */
export function barrier(ctrl: Int32Array, n: number): void {
  const gen = Atomics.load(ctrl, GEN);
  if (Atomics.add(ctrl, COUNT, 1) === n - 1) {
    Atomics.store(ctrl, COUNT, 0);
    Atomics.store(ctrl, STOP_DECISION, Atomics.load(ctrl, STOP_REQ));
    Atomics.add(ctrl, GEN, 1);
    Atomics.notify(ctrl, GEN);
    return;
  }
  while (Atomics.load(ctrl, GEN) === gen) {
    if (Atomics.load(ctrl, ABORT)) throw new AbortedError();
    Atomics.wait(ctrl, GEN, gen, 100);
  }
}

/** Rows [start, end) of batch rows [lo, hi) that worker `rank` of `n` takes (earlier ranks get the extra row). */
export function shard(lo: number, hi: number, rank: number, n: number): [number, number] {
  const nb = hi - lo;
  return [lo + Math.ceil((nb * rank) / n), lo + Math.ceil((nb * (rank + 1)) / n)];
}

/** FNV-1a over the bytes of float arrays: replicas compare weights by hash. */
export function hashFloats(arrays: Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
    for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

export interface TensorData {
  name: string;
  shape: number[];
  dtype: string;
  data: Float32Array | Int32Array;
}

/** What the main thread passes to each worker at start (structured-cloneable). */
export interface WorkerInit {
  rank: number;
  workers: number;
  backend: string;
  spec: WorkerSpec;
  projectRoot: string;
  control: SharedArrayBuffer;
  perm: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  values: SharedArrayBuffer;
  x: SharedArrayBuffer;
  xShape: number[];
  /** null: targets are the inputs (autoencoders). */
  y: SharedArrayBuffer | null;
  yShape: number[];
  /** Validation data (null: none; vy null: targets are the inputs). */
  vx: SharedArrayBuffer | null;
  vy: SharedArrayBuffer | null;
  vxShape: number[];
  vyShape: number[];
  batchSize: number;
  seed: number;
  optimizer: { className: string; config: Record<string, unknown> };
  optimizerState: TensorData[] | null;
  weights: TensorData[];
}

export type ToWorker =
  | { type: "epoch"; epoch: number; stepStart: number; n: number }
  | { type: "validate"; batchSize: number; seed: number }
  | { type: "finish"; wantOptimizer: boolean };

export type FromWorker =
  | { type: "ready"; rank: number; params: number; heapMB: number }
  | { type: "step"; rank: number; step: number; images: number; values: Record<string, number> }
  | { type: "epochEnd"; rank: number; outcome: { status: "ok" } | { status: "nan"; step: number; values: Record<string, number> } | { status: "interrupted"; step: number }; hash: string; weights: TensorData[] | null; exchangeMs: number; waitMs: number; computeMs: number; heapMB: number; steps: number }
  | { type: "finished"; rank: number; optimizerState: TensorData[] | null }
  | { type: "validated"; rank: number; sums: Record<string, number> }
  | { type: "error"; rank: number; message: string; stack: string };
