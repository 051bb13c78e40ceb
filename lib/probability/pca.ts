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
  const rng = new Rng(opts.seed ?? 0);
  let Q: Float64Array[] = Array.from({ length: k }, () => Float64Array.from({ length: d }, () => rng.normal()));
  orthonormalise(Q);
  const iterations = opts.iterations ?? 100;
  for (let it = 0; it < iterations; it++) {
    Q = Q.map((q) => matVec(cov, q, d));
    orthonormalise(Q);
  }
  // Rayleigh quotients give the variances; order components by them.
  const pairs = Q.map((q) => ({ q, v: dot(q, matVec(cov, q, d)) })).sort((a, b) => b.v - a.v);
  return {
    mean,
    components: pairs.map((p) => Float32Array.from(p.q)),
    variances: pairs.map((p) => p.v),
    explained: pairs.map((p) => p.v / total),
    shape: [h, w, c],
  };
}

function matVec(m: Float32Array, v: Float64Array, d: number): Float64Array {
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

/** Gram-Schmidt in place. */
function orthonormalise(vs: Float64Array[]): void {
  for (let i = 0; i < vs.length; i++) {
    for (let j = 0; j < i; j++) {
      const p = dot(vs[i], vs[j]);
      for (let t = 0; t < vs[i].length; t++) vs[i][t] -= p * vs[j][t];
    }
    const norm = Math.sqrt(dot(vs[i], vs[i])) || 1;
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
