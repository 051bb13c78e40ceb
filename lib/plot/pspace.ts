// The VAE's "p-space" view (book ch. 3): push each latent coordinate through
// the standard normal CDF, p = Phi(z). If the codes follow the N(0, I) prior,
// the points fill the unit square evenly; clumps and empty corners show where
// the encoder's codes disagree with the prior. The inverse map gives a grid of
// codes at normal quantiles: even steps in p-space, denser near z = 0.
import * as tf from "@tensorflow/tfjs";
import type { ScatterData } from "./scatter";

/** Standard normal CDF Phi(x), via erfc (W. J. Cody's rational approximation, |error| < 1.2e-7). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes' erfc with Chebyshev fit; relative error < 1.2e-7 everywhere.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Inverse standard normal CDF Phi^-1(p) for p in (0, 1) (Acklam's algorithm + one Newton step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be strictly between 0 and 1, got ${p}.`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Newton step on Phi(x) = p sharpens the 1e-9 approximation.
  const e = normalCdf(x) - p;
  return x - e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
}

/** Codes [n, >=2] (tensor or columns) -> scatter data in p-space: (Phi(z0), Phi(z1)). */
export function toPSpace(codes: tf.Tensor2D | { x: ArrayLike<number>; y: ArrayLike<number> }, rest: Omit<ScatterData, "x" | "y"> = {}): ScatterData {
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
