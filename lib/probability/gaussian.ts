// Gaussian densities and their maximum-likelihood fits: the closed form
// (sample mean, biased covariance) and the same answer found by gradient
// ascent on the log-likelihood with tfjs, so the two can be compared.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "./rng";

const LOG_2PI = Math.log(2 * Math.PI);

export interface Gaussian1D {
  mean: number;
  /** MLE variance: divides by n, not n - 1. */
  variance: number;
  std: number;
}

export interface GaussianND {
  mean: number[];
  /** MLE covariance (divides by n). */
  cov: number[][];
}

function checkFinite(xs: ArrayLike<number>, what: string): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) throw new Error(`${what}[${i}] = ${xs[i]}; every value must be a finite number`);
  }
}

/** log N(x; mean, std^2). */
export function gaussianLogPdf(x: number, mean: number, std: number): number {
  if (!(std > 0)) throw new Error(`gaussianLogPdf: std must be > 0, got ${std}`);
  const z = (x - mean) / std;
  return -0.5 * z * z - Math.log(std) - 0.5 * LOG_2PI;
}

/** Closed-form MLE for a 1-D Gaussian: the sample mean and the biased (divide-by-n) variance. */
export function fitGaussian1D(xs: ArrayLike<number>): Gaussian1D {
  if (xs.length < 1) throw new Error("fitGaussian1D: need at least one observation, got an empty array");
  checkFinite(xs, "fitGaussian1D: xs");
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i];
  mean /= xs.length;
  let variance = 0;
  for (let i = 0; i < xs.length; i++) variance += (xs[i] - mean) ** 2;
  variance /= xs.length;
  return { mean, variance, std: Math.sqrt(variance) };
}

/** Sum of log N(x_i; mean, std^2) over the data. */
export function gaussianLogLikelihood1D(xs: ArrayLike<number>, g: { mean: number; std: number }): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += gaussianLogPdf(xs[i], g.mean, g.std);
  return s;
}

export function sampleGaussian1D(g: { mean: number; std: number }, n: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => rng.normal(g.mean, g.std));
}

function checkPoints(points: readonly (readonly number[])[], what: string): number {
  if (points.length < 1) throw new Error(`${what}: need at least one point, got an empty array`);
  const d = points[0].length;
  if (d < 1) throw new Error(`${what}: points[0] has no coordinates`);
  points.forEach((p, i) => {
    if (p.length !== d) throw new Error(`${what}: points[${i}] has ${p.length} coordinates, expected ${d} like points[0]`);
    checkFinite(p, `${what}: points[${i}]`);
  });
  return d;
}

/** Closed-form MLE for a d-dimensional Gaussian: sample mean and biased covariance. */
export function fitGaussian(points: readonly (readonly number[])[]): GaussianND {
  const d = checkPoints(points, "fitGaussian");
  const n = points.length;
  const mean = new Array<number>(d).fill(0);
  for (const p of points) for (let j = 0; j < d; j++) mean[j] += p[j] / n;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const p of points) {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a][b] += ((p[a] - mean[a]) * (p[b] - mean[b])) / n;
  }
  return { mean, cov };
}

/** Lower-triangular L with L L^T = cov; throws if cov is not positive definite. */
export function cholesky(cov: readonly (readonly number[])[]): number[][] {
  const d = cov.length;
  const L = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    if (cov[i].length !== d) throw new Error(`cholesky: cov must be square; row ${i} has ${cov[i].length} entries, expected ${d}`);
    for (let j = 0; j <= i; j++) {
      let s = cov[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (!(s > 0)) {
          throw new Error(
            "cholesky: covariance is not positive definite (the points lie on a line or a single point). " +
              "Use more, less degenerate points, or add a small value to the diagonal.",
          );
        }
        L[i][i] = Math.sqrt(s);
      } else {
        L[i][j] = s / L[j][j];
      }
    }
  }
  return L;
}

/** log N(x; mean, cov) for one point. */
export function gaussianLogPdfND(x: readonly number[], g: GaussianND): number {
  const d = g.mean.length;
  if (x.length !== d) throw new Error(`gaussianLogPdfND: point has ${x.length} coordinates, the Gaussian has ${d}`);
  const L = cholesky(g.cov);
  // Solve L z = x - mean by forward substitution; then log|cov| = 2 sum log L_ii.
  const z = new Array<number>(d).fill(0);
  let quad = 0;
  let logDet = 0;
  for (let i = 0; i < d; i++) {
    let s = x[i] - g.mean[i];
    for (let k = 0; k < i; k++) s -= L[i][k] * z[k];
    z[i] = s / L[i][i];
    quad += z[i] * z[i];
    logDet += 2 * Math.log(L[i][i]);
  }
  return -0.5 * (quad + logDet + d * LOG_2PI);
}

export function gaussianLogLikelihood(points: readonly (readonly number[])[], g: GaussianND): number {
  let s = 0;
  for (const p of points) s += gaussianLogPdfND(p, g);
  return s;
}

/** n draws from N(mean, cov): mean + L z with z standard normal. */
export function sampleGaussian(g: GaussianND, n: number, rng: Rng): number[][] {
  const L = cholesky(g.cov);
  const d = g.mean.length;
  return Array.from({ length: n }, () => {
    const z = Array.from({ length: d }, () => rng.normal());
    return g.mean.map((m, i) => {
      let s = m;
      for (let k = 0; k <= i; k++) s += L[i][k] * z[k];
      return s;
    });
  });
}

export interface GradientAscentOptions {
  /** Optimisation steps (default 1000). */
  steps?: number;
  /** Peak Adam learning rate; it decays to ~0 by the last step so the answer settles (default 0.1). */
  learningRate?: number;
  /** Called every `every` steps with the mean log-likelihood per point. */
  onStep?: (step: number, meanLogLik: number) => void;
  every?: number;
}

export interface GradientAscentResult extends GaussianND {
  /** Mean log-likelihood per point at each recorded step (every `every` steps). */
  history: { step: number; meanLogLik: number }[];
}

/**
 * Fit a Gaussian by gradient ascent on the mean log-likelihood with tfjs
 * autodiff. Parameters: the mean and a Cholesky factor L of the covariance
 * (log of its diagonal, so the covariance stays positive definite whatever
 * the step). Starts at the first observation with covariance I (any start
 * works given enough steps; this one is near the data whatever its units).
 * Accepts 1-D data (numbers) or points (arrays of coordinates).
 */
export function fitGaussianGradientAscent(
  data: readonly number[] | readonly (readonly number[])[],
  opts: GradientAscentOptions = {},
): GradientAscentResult {
  const points: number[][] = (data as readonly unknown[]).map((v) => (typeof v === "number" ? [v] : [...(v as number[])]));
  const d = checkPoints(points, "fitGaussianGradientAscent");
  const steps = opts.steps ?? 1000;
  const lr0 = opts.learningRate ?? 0.1;
  const every = opts.every ?? Math.max(1, Math.floor(steps / 50));
  const nOff = (d * (d - 1)) / 2;
  const nParams = 2 * d + nOff;
  // theta = [mean (d), log diag L (d), off-diagonal L row by row (nOff)]
  const theta = new Float64Array(nParams);
  for (let j = 0; j < d; j++) theta[j] = points[0][j];
  const m = new Float64Array(nParams);
  const v = new Float64Array(nParams);
  const b1 = 0.9, b2 = 0.99, eps = 1e-8; // short second-moment memory: gradient scales shift a lot as sigma grows

  const X = tf.tensor2d(points.flat(), [points.length, d]);
  const objective = (t: tf.Tensor1D): tf.Scalar => {
    const mean = t.slice(0, d);
    const logDiag = t.slice(d, d);
    const diff = tf.sub(X, mean); // [n, d]
    // Forward substitution z_i = (diff_i - sum_{k<i} L_ik z_k) / L_ii, column by column.
    const zs: tf.Tensor[] = [];
    let off = 2 * d;
    for (let i = 0; i < d; i++) {
      let s: tf.Tensor = diff.slice([0, i], [-1, 1]);
      for (let k = 0; k < i; k++) s = tf.sub(s, tf.mul(t.slice(off + k, 1), zs[k]));
      off += i;
      zs.push(tf.div(s, tf.exp(logDiag.slice(i, 1))));
    }
    const z = tf.concat(zs, 1);
    const quad = tf.mean(tf.sum(tf.square(z), 1));
    return tf.neg(tf.add(tf.mul(0.5, quad), tf.add(tf.sum(logDiag), 0.5 * d * LOG_2PI))) as tf.Scalar;
  };
  const gradFn = tf.valueAndGrad(objective);
  const history: { step: number; meanLogLik: number }[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const [value, grad] = tf.tidy(() => {
        const { value, grad } = gradFn(tf.tensor1d(Float32Array.from(theta)));
        return [value.dataSync()[0], grad.dataSync()];
      });
      if (step % every === 0 || step === steps - 1) {
        history.push({ step, meanLogLik: value });
        opts.onStep?.(step, value);
      }
      if (!Number.isFinite(value)) throw new Error(`fitGaussianGradientAscent: log-likelihood became ${value} at step ${step}; lower learningRate`);
      // Adam ascent step with a cosine-decayed learning rate.
      const lr = lr0 * 0.5 * (1 + Math.cos((Math.PI * step) / steps));
      for (let i = 0; i < nParams; i++) {
        const g = grad[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        const mh = m[i] / (1 - b1 ** (step + 1));
        const vh = v[i] / (1 - b2 ** (step + 1));
        theta[i] += (lr * mh) / (Math.sqrt(vh) + eps);
      }
    }
  } finally {
    X.dispose();
  }
  // Rebuild mean and cov = L L^T from theta.
  const mean = Array.from(theta.slice(0, d));
  const L = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  let off = 2 * d;
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < i; k++) L[i][k] = theta[off + k];
    off += i;
    L[i][i] = Math.exp(theta[d + i]);
  }
  const cov = L.map((row, a) => L.map((_, b) => row.reduce((s, l, k) => s + l * L[b][k], 0)));
  return { mean, cov, history };
}

/** Points on the contour `k` standard deviations from the mean of a 2-D Gaussian (for drawing it). */
export function gaussianEllipse(g: GaussianND, k = 2, n = 64): { x: number[]; y: number[] } {
  if (g.mean.length !== 2) throw new Error(`gaussianEllipse: needs a 2-D Gaussian, got ${g.mean.length}-D`);
  const L = cholesky(g.cov);
  const x: number[] = [], y: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t = (2 * Math.PI * i) / n;
    const u = k * Math.cos(t), v = k * Math.sin(t);
    x.push(g.mean[0] + L[0][0] * u);
    y.push(g.mean[1] + L[1][0] * u + L[1][1] * v);
  }
  return { x, y };
}

// ---- the standard normal's CDF and quantile (the VAE's p-space, lib/latent/pspace.ts) ----

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
