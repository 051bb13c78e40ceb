// The VAE's "p-space" view (book ch. 3): push each latent coordinate through
// the standard normal CDF, p = Phi(z). If the codes follow the N(0, I) prior,
// the points fill the unit square evenly; clumps and empty corners show where
// the encoder's codes disagree with the prior. The inverse map gives a grid of
// codes at normal quantiles: even steps in p-space, denser near z = 0.
import * as tf from "@tensorflow/tfjs";
import { normalCdf, normalQuantile } from "../probability/gaussian";

/**
 * Codes [n, >=2] (tensor or columns) -> points in p-space, (Phi(z0), Phi(z1)), with `rest`
 * (e.g. { label, classNames }) carried along: ready for scatter().
 */
export function toPSpace<R extends object = {}>(codes: tf.Tensor2D | { x: ArrayLike<number>; y: ArrayLike<number> }, rest: R = {} as R): Omit<R, "x" | "y"> & { x: Float64Array; y: Float64Array } {
  let xs: ArrayLike<number>, ys: ArrayLike<number>;
  if (codes instanceof tf.Tensor) {
    if (codes.rank !== 2 || codes.shape[1] < 2) throw new Error(`toPSpace: codes must have shape [n, >=2], got [${codes.shape}].`);
    const [a, b] = tf.tidy(() => [codes.slice([0, 0], [-1, 1]).dataSync(), codes.slice([0, 1], [-1, 1]).dataSync()]);
    xs = a as Float32Array; ys = b as Float32Array;
  } else {
    xs = codes.x; ys = codes.y;
  }
  if (xs.length !== ys.length) throw new Error(`toPSpace: x has ${xs.length} values but y has ${ys.length}.`);
  return { ...rest, x: Float64Array.from(xs, normalCdf), y: Float64Array.from(ys, normalCdf) };
}

/** The p values of an evenly spaced grid with `n` points per side: (i + 0.5) / n, never 0 or 1. */
export function pGrid(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`pGrid: n must be a positive integer, got ${n}.`);
  return Array.from({ length: n }, (_, i) => (i + 0.5) / n);
}

/**
 * A rows x cols grid of 2-D codes at normal quantiles (even steps in p-space),
 * in reading order: top row = largest z1, z0 increasing left to right, so a
 * mosaic of the decoded images has the same orientation as the scatter plots.
 * Returns codes [rows*cols, 2] (caller disposes) and the axis values.
 */
export function quantileGrid(cols: number, rows = cols): { codes: tf.Tensor2D; xs: number[]; ys: number[] } {
  const xs = pGrid(cols).map(normalQuantile);
  const ys = pGrid(rows).map(normalQuantile).reverse();
  const out = new Float32Array(rows * cols * 2);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[(r * cols + c) * 2] = xs[c];
      out[(r * cols + c) * 2 + 1] = ys[r];
    }
  }
  return { codes: tf.tensor2d(out, [rows * cols, 2]), xs, ys };
}
