// Principal component analysis as the simplest latent-variable picture: each
// image is described by k numbers z, and decoded back as mean + z W. It is the
// linear preview of the autoencoder chapter (whose encoder/decoder are learned
// non-linear maps).
import * as tf from "@tensorflow/tfjs";
import { Rng } from "./rng";

export interface Pca {
  /** Mean image, flattened. */
  mean: Float32Array;
  /** k principal directions, each a unit vector of length D (row-major k x D). */
  components: Float32Array[];
  /** Variance of the data along each component. */
  variances: number[];
  /** Fraction of total variance each component explains. */
  explained: number[];
  shape: [number, number, number];
}

/**
 * Top-k principal components of images [n, H, W, C] by subspace iteration on
 * the covariance matrix (computed with tfjs; the iteration is small and runs
 * in plain JS). Deterministic for a given seed.
 */
export function fitPca(images: tf.Tensor4D, k = 2, opts: { iterations?: number; seed?: number } = {}): Pca {
  if (images.rank !== 4) throw new Error(`fitPca: images must be [n, H, W, C], got shape [${images.shape.join(", ")}]`);
  const [n, h, w, c] = images.shape;
  const d = h * w * c;
  if (n < 2) throw new Error(`fitPca: need at least 2 images, got ${n}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= Math.min(d, n))) throw new Error(`fitPca: k must be an integer 1..${Math.min(d, n)}, got ${k}`);
  const [mean, cov, total] = tf.tidy(() => {
    const X = tf.reshape(images, [n, d]);
    const m = tf.mean(X, 0);
    const xc = tf.sub(X, m);
    // An explicit transpose: matMul(a, b, transposeA) is ~20x slower on the wasm backend.
    const C = tf.div(tf.matMul(tf.transpose(xc), xc), n);
    return [m.dataSync() as Float32Array, C.dataSync() as Float32Array, tf.sum(tf.square(xc)).dataSync()[0] / n];
  });
  const top = topEigenvectors(cov, d, k, { iterations: opts.iterations ?? 100, seed: opts.seed });
  return {
    mean,
    components: top.vectors.map((q) => Float32Array.from(q)),
    variances: top.values,
    explained: top.values.map((v) => v / total),
    shape: [h, w, c],
  };
}

export interface Eigenvectors {
  /** Unit vectors, largest eigenvalue first. */
  vectors: Float64Array[];
  values: number[];
}

/**
 * Top-k eigenvectors of a symmetric positive semi-definite d x d matrix (row-major), e.g. a
 * covariance: subspace iteration from a seeded random start, then Rayleigh quotients for the
 * eigenvalues. The one PCA solver of lib/ (fitPca above; pcaPlane in lib/latent/plane.ts).
 * Runs `iterations` rounds, or stops earlier once one round moves the vectors by less than
 * `tolerance` (sum of absolute changes; default 0: run them all).
 */
export function topEigenvectors(m: ArrayLike<number>, d: number, k: number,
  opts: { iterations?: number; tolerance?: number; seed?: number } = {}): Eigenvectors {
  if (m.length !== d * d) throw new Error(`topEigenvectors: matrix has ${m.length} entries, expected ${d}x${d} = ${d * d}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= d)) throw new Error(`topEigenvectors: k must be an integer 1..${d}, got ${k}`);
  const rng = new Rng(opts.seed ?? 0);
  let Q: Float64Array[] = Array.from({ length: k }, () => Float64Array.from({ length: d }, () => rng.normal()));
  orthonormalise(Q);
  const iterations = opts.iterations ?? 100;
  const tolerance = opts.tolerance ?? 0;
  for (let it = 0; it < iterations; it++) {
    const prev = Q;
    Q = Q.map((q) => matVec(m, q, d));
    orthonormalise(Q);
    let change = 0;
    for (let i = 0; i < k; i++) for (let t = 0; t < d; t++) change += Math.abs(Q[i][t] - prev[i][t]);
    if (change < tolerance) break;
  }
  // Rayleigh quotients give the eigenvalues; order the vectors by them.
  const pairs = Q.map((q) => ({ q, v: dot(q, matVec(m, q, d)) })).sort((a, b) => b.v - a.v);
  return { vectors: pairs.map((p) => p.q), values: pairs.map((p) => p.v) };
}

function matVec(m: ArrayLike<number>, v: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    const row = i * d;
    for (let j = 0; j < d; j++) s += m[row + j] * v[j];
    out[i] = s;
  }
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Gram-Schmidt in place. A vector that (numerically) lies in the span of the ones before it, as
 * happens for a matrix with fewer than k non-zero directions, is replaced by a unit vector
 * orthogonal to them: any such vector is an eigenvector of eigenvalue 0.
 */
function orthonormalise(vs: Float64Array[]): void {
  const project = (v: Float64Array, i: number) => {
    for (let j = 0; j < i; j++) {
      const p = dot(v, vs[j]);
      for (let t = 0; t < v.length; t++) v[t] -= p * vs[j][t];
    }
  };
  for (let i = 0; i < vs.length; i++) {
    const before = Math.sqrt(dot(vs[i], vs[i]));
    project(vs[i], i);
    let norm = Math.sqrt(dot(vs[i], vs[i]));
    for (let e = 0; !(norm > 1e-10 * before) && e < vs[i].length; e++) {
      vs[i].fill(0);
      vs[i][e] = 1;
      project(vs[i], i);
      norm = Math.sqrt(dot(vs[i], vs[i]));
      if (norm < 1e-6) norm = 0; // e lies (nearly) in the span: try the next basis vector
    }
    for (let t = 0; t < vs[i].length; t++) vs[i][t] /= norm;
  }
}

/** Encode: z = (x - mean) . W for each image -> n rows of k numbers. */
export function pcaProject(p: Pca, images: tf.Tensor4D): number[][] {
  const d = p.mean.length;
  const [n, h, w, c] = images.shape;
  if (h * w * c !== d) throw new Error(`pcaProject: images are ${h}x${w}x${c}, the PCA was fitted on ${p.shape.join("x")}`);
  const x = images.dataSync();
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      p.components.map((comp) => {
        let s = 0;
        for (let j = 0; j < d; j++) s += (x[i * d + j] - p.mean[j]) * comp[j];
        return s;
      }),
    );
  }
  return out;
}

/** Decode: x = mean + sum_i z_i W_i, clipped to [0, 1], as images [n, H, W, C] (caller disposes). */
export function pcaDecode(p: Pca, zs: readonly (readonly number[])[]): tf.Tensor4D {
  const d = p.mean.length;
  const v = new Float32Array(zs.length * d);
  zs.forEach((z, i) => {
    if (z.length !== p.components.length) throw new Error(`pcaDecode: zs[${i}] has ${z.length} numbers, the PCA has ${p.components.length} components`);
    for (let j = 0; j < d; j++) {
      let s = p.mean[j];
      for (let t = 0; t < z.length; t++) s += z[t] * p.components[t][j];
      v[i * d + j] = Math.min(1, Math.max(0, s));
    }
  });
  return tf.tensor4d(v, [zs.length, ...p.shape]);
}

/** Evenly spaced points on the segment from a to b (inclusive). */
export function linePoints(a: readonly number[], b: readonly number[], steps: number): number[][] {
  if (steps < 2) throw new Error(`linePoints: steps must be >= 2, got ${steps}`);
  return Array.from({ length: steps }, (_, i) => a.map((v, j) => v + ((b[j] - v) * i) / (steps - 1)));
}
