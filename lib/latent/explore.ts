// Making new latent codes: uniform samples in the range the data occupies, a
// regular grid over two latent dimensions, straight lines between two codes,
// and steps along a direction. Pure tensor maths, model-agnostic; each
// function returns one new tensor and frees everything else it made.
import * as tf from "@tensorflow/tfjs";
import { checkShape } from "../checks";

/** Per-dimension bounds of a latent region. */
export interface LatentRange {
  min: number[];
  max: number[];
}

type Code = tf.Tensor1D | tf.Tensor2D | ArrayLike<number>;

/** A single code as a [d] tensor (accepts [d], [1, d] or a plain array). Caller disposes. */
function asCode(z: Code, what: string): tf.Tensor1D {
  if (z instanceof tf.Tensor) {
    if (z.rank === 2 && z.shape[0] === 1) return z.reshape([z.shape[1] as number]) as tf.Tensor1D;
    checkShape(z, [null], what, "pass one latent code as [latentDim] (or [1, latentDim])");
    return z.clone() as tf.Tensor1D;
  }
  const a = Array.from(z as ArrayLike<number>);
  if (a.length === 0 || a.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new Error(`${what}: expected a non-empty array of finite numbers, got ${JSON.stringify(a.slice(0, 6))}.`);
  }
  return tf.tensor1d(a);
}

/** Min and max of each latent dimension over codes [n, d]. */
export function latentRange(z: tf.Tensor2D): LatentRange {
  checkShape(z, [null, null], "latentRange: z", "pass the embedded codes [n, latentDim]");
  if (z.shape[0] === 0) throw new Error("latentRange: z has no rows.");
  const [lo, hi] = tf.tidy(() => [z.min(0), z.max(0)]);
  const range: LatentRange = { min: Array.from(lo.dataSync() as Float32Array), max: Array.from(hi.dataSync() as Float32Array) };
  tf.dispose([lo, hi]);
  return range;
}

function checkRange(r: LatentRange, what: string): number {
  if (!r || !Array.isArray(r.min) || !Array.isArray(r.max) || r.min.length === 0 || r.min.length !== r.max.length) {
    throw new Error(`${what}: range must be { min: number[], max: number[] } of equal non-zero length, e.g. latentRange(codes).`);
  }
  r.min.forEach((lo, i) => {
    if (!Number.isFinite(lo) || !Number.isFinite(r.max[i]) || lo > r.max[i]) {
      throw new Error(`${what}: dimension ${i} has min ${lo} > max ${r.max[i]} (or not finite).`);
    }
  });
  return r.min.length;
}

/** `n` codes drawn uniformly in the box `range` (the book's way of sampling an autoencoder). */
export function sampleUniform(range: LatentRange, n: number, seed?: number): tf.Tensor2D {
  const d = checkRange(range, "sampleUniform");
  if (!Number.isInteger(n) || n < 1) throw new Error(`sampleUniform: n must be a positive integer, got ${n}.`);
  return tf.tidy(() => {
    const u = tf.randomUniform([n, d], 0, 1, "float32", seed);
    const lo = tf.tensor1d(range.min), span = tf.sub(tf.tensor1d(range.max), lo);
    return tf.add(lo, tf.mul(u, span)) as tf.Tensor2D;
  });
}

/** The latent values of the grid's columns (x) and rows (y, top row first = largest y). */
export function gridAxes(range: LatentRange, cols: number, rows = cols, dims: [number, number] = [0, 1]): { xs: number[]; ys: number[] } {
  const d = checkRange(range, "latentGrid");
  for (const [name, v] of [["cols", cols], ["rows", rows]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`latentGrid: ${name} must be a positive integer, got ${v}.`);
  }
  if (dims.some((k) => !Number.isInteger(k) || k < 0 || k >= d)) {
    throw new Error(`latentGrid: dims ${JSON.stringify(dims)} must be two latent dimensions in 0..${d - 1}.`);
  }
  const lin = (lo: number, hi: number, k: number) => Array.from({ length: k }, (_, i) => (k === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (k - 1)));
  return { xs: lin(range.min[dims[0]], range.max[dims[0]], cols), ys: lin(range.min[dims[1]], range.max[dims[1]], rows).reverse() };
}

/**
 * A regular rows x cols grid over latent dims `dims` (default [0, 1]) of `range`,
 * as codes [rows*cols, d] in reading order: top row (largest y) first, x
 * increasing left to right, so an image mosaic of the decoded codes has the same
 * orientation as the scatter plot. Other dimensions are held at `fill` (default
 * the middle of their range).
 */
export function latentGrid(range: LatentRange, cols: number, rows = cols, opts: { dims?: [number, number]; fill?: number[] } = {}): tf.Tensor2D {
  const dims = opts.dims ?? [0, 1];
  const { xs, ys } = gridAxes(range, cols, rows, dims);
  const d = range.min.length;
  const fill = opts.fill ?? range.min.map((lo, i) => (lo + range.max[i]) / 2);
  if (fill.length !== d) throw new Error(`latentGrid: fill must have ${d} values (one per latent dimension), got ${fill.length}.`);
  const out = new Float32Array(rows * cols * d);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const o = (r * cols + c) * d;
      for (let k = 0; k < d; k++) out[o + k] = fill[k];
      out[o + dims[0]] = xs[c];
      out[o + dims[1]] = ys[r];
    }
  }
  return tf.tensor2d(out, [rows * cols, d]);
}

/** `steps` codes evenly spaced on the straight line from z0 to z1 (both ends included). */
export function interpolate(z0: Code, z1: Code, steps: number): tf.Tensor2D {
  if (!Number.isInteger(steps) || steps < 2) throw new Error(`interpolate: steps must be an integer >= 2 (the two ends included), got ${steps}.`);
  const a = asCode(z0, "interpolate: z0");
  const b = asCode(z1, "interpolate: z1");
  try {
    if (a.shape[0] !== b.shape[0]) throw new Error(`interpolate: z0 and z1 must have the same length, got [${a.shape}] and [${b.shape}].`);
    return tf.tidy(() => {
      const t = tf.linspace(0, 1, steps).reshape([steps, 1]);
      // (1 - t) z0 + t z1, written so both ends are exact
      return tf.add(tf.mul(tf.sub(1, t), a), tf.mul(t, b)) as tf.Tensor2D;
    });
  } finally {
    tf.dispose([a, b]);
  }
}

/** Codes z + alpha * direction for each alpha (e.g. [-2, -1, 0, 1, 2]): [alphas.length, d]. */
export function moveAlong(z: Code, direction: Code, alphas: readonly number[]): tf.Tensor2D {
  if (!Array.isArray(alphas) || alphas.length === 0 || alphas.some((v) => !Number.isFinite(v))) {
    throw new Error(`moveAlong: alphas must be a non-empty array of finite numbers, got ${JSON.stringify(alphas)}.`);
  }
  const a = asCode(z, "moveAlong: z");
  const v = asCode(direction, "moveAlong: direction");
  try {
    if (a.shape[0] !== v.shape[0]) throw new Error(`moveAlong: z and direction must have the same length, got [${a.shape}] and [${v.shape}].`);
    return tf.tidy(() => tf.add(a, tf.mul(tf.tensor2d(alphas as number[], [alphas.length, 1]), v)) as tf.Tensor2D);
  } finally {
    tf.dispose([a, v]);
  }
}

/** Mean of the codes [n, d] where `mask` is true (e.g. all "Ankle boot" codes): [d]. */
export function meanCode(z: tf.Tensor2D, mask: ArrayLike<boolean>): tf.Tensor1D {
  checkShape(z, [null, null], "meanCode: z");
  if (mask.length !== z.shape[0]) throw new Error(`meanCode: mask has ${mask.length} entries, expected ${z.shape[0]} (one per code).`);
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  if (!idx.length) throw new Error("meanCode: the mask selects no codes; check the label you filter on.");
  return tf.tidy(() => tf.gather(z, tf.tensor1d(idx, "int32")).mean(0) as tf.Tensor1D);
}

/**
 * Mean code of the rows where `mask` is true minus the mean where it is false
 * (e.g. "Trouser" minus everything else): a direction to move along.
 */
export function directionBetween(z: tf.Tensor2D, mask: ArrayLike<boolean>): tf.Tensor1D {
  checkShape(z, [null, null], "directionBetween: z");
  if (mask.length !== z.shape[0]) throw new Error(`directionBetween: mask has ${mask.length} entries, expected ${z.shape[0]} (one per code).`);
  const inIdx: number[] = [], outIdx: number[] = [];
  for (let i = 0; i < mask.length; i++) (mask[i] ? inIdx : outIdx).push(i);
  if (!inIdx.length || !outIdx.length) throw new Error(`directionBetween: need codes on both sides of the mask, got ${inIdx.length} with and ${outIdx.length} without.`);
  return tf.tidy(() => tf.sub(
    tf.gather(z, tf.tensor1d(inIdx, "int32")).mean(0),
    tf.gather(z, tf.tensor1d(outIdx, "int32")).mean(0),
  ) as tf.Tensor1D);
}
