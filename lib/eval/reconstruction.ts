// How well does a model reproduce its input, and is a generated image new or a
// copy? Per-image reconstruction error (BCE or MSE, mean per pixel, the same
// numbers Keras reports as loss), its mean over a data set, and the nearest
// training image to any query image.
import * as tf from "@tensorflow/tfjs";
import { bceElementwise } from "../models/losses";
import { checkShape } from "../checks";

export type ErrorKind = "bce" | "mse";

/** A reconstruction function images -> images (e.g. `x => ae.reconstruct(x)` or a model). */
export type Reconstructor = tf.LayersModel | ((x: tf.Tensor4D) => tf.Tensor);

function sameShape(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${what}: originals and reconstructions must have the same shape, got [${a.shape}] and [${b.shape}].`);
  }
}

/**
 * Error of each image: mean over its pixels of binary cross-entropy (`bce`,
 * probabilities clipped like Keras) or squared error (`mse`). Input [n,h,w,c]
 * (or one image [h,w,c]); returns [n].
 */
export function perImageError(original: tf.Tensor, reconstruction: tf.Tensor, kind: ErrorKind = "bce"): tf.Tensor1D {
  sameShape(original, reconstruction, "perImageError");
  if (kind !== "bce" && kind !== "mse") throw new Error(`perImageError: kind must be "bce" or "mse", got ${JSON.stringify(kind)}.`);
  if (original.rank === 3) return tf.tidy(() => perImageError(original.expandDims(0), reconstruction.expandDims(0), kind));
  checkShape(original, [null, null, null, null], "perImageError: images", "pass [n, height, width, channels] or one image [height, width, channels]");
  return tf.tidy(() => {
    const e = kind === "bce" ? bceElementwise(original, reconstruction) : tf.squaredDifference(original, reconstruction);
    return e.mean([1, 2, 3]) as tf.Tensor1D;
  });
}

export interface ReconstructionReport {
  /** Mean over images of the per-image error (BCE or MSE per pixel). */
  mean: number;
  /** Each image's error, in data-set order. */
  perImage: Float32Array;
  kind: ErrorKind;
}

/** Reconstruct `images` in batches and report the error per image and its mean. */
export function reconstructionError(model: Reconstructor, images: tf.Tensor4D, opts: { kind?: ErrorKind; batchSize?: number; limit?: number } = {}): ReconstructionReport {
  checkShape(images, [null, null, null, null], "reconstructionError: images", "pass [n, height, width, channels]");
  const kind = opts.kind ?? "bce";
  const bs = opts.batchSize ?? 256;
  if (!Number.isInteger(bs) || bs < 1) throw new Error(`reconstructionError: batchSize must be a positive integer, got ${bs}.`);
  const n = Math.min(images.shape[0], opts.limit ?? Infinity);
  const perImage = new Float32Array(n);
  for (let lo = 0; lo < n; lo += bs) {
    const nb = Math.min(bs, n - lo);
    const e = tf.tidy(() => {
      const x = images.slice(lo, nb);
      const r = model instanceof tf.LayersModel ? (model.predict(x) as tf.Tensor) : model(x);
      return perImageError(x, r, kind);
    });
    perImage.set(e.dataSync(), lo);
    e.dispose();
  }
  let s = 0;
  for (const v of perImage) s += v;
  return { mean: s / n, perImage, kind };
}

export interface Nearest {
  /** Index into `images` of the closest image to each query. */
  indices: Int32Array;
  /** Mean squared pixel difference to that image. */
  distances: Float32Array;
}

/**
 * For each query image [m,h,w,c] (or one [h,w,c]), the image of `images`
 * [n,h,w,c] with the smallest mean squared pixel difference. Scans `images` in
 * chunks with ||q - x||^2 = ||q||^2 - 2 q.x + ||x||^2, so 60k training images fit.
 */
export function nearestImages(queries: tf.Tensor, images: tf.Tensor4D, opts: { batchSize?: number } = {}): Nearest {
  checkShape(images, [null, null, null, null], "nearestImages: images", "pass the data set as [n, height, width, channels]");
  const q4 = queries.rank === 3 ? queries.expandDims(0) : queries;
  try {
    const [, h, w, c] = images.shape;
    checkShape(q4, [null, h, w, c], "nearestImages: queries", "queries must be images of the same size as the data set");
    const m = q4.shape[0], n = images.shape[0], p = h * w * c;
    const bs = opts.batchSize ?? 4096;
    const best = new Float32Array(m).fill(Infinity);
    const indices = new Int32Array(m).fill(-1);
    const q = tf.tidy(() => q4.reshape([m, p]));
    const qq = tf.tidy(() => q.square().sum(1, true)); // [m,1]
    try {
      for (let lo = 0; lo < n; lo += bs) {
        const nb = Math.min(bs, n - lo);
        const d = tf.tidy(() => {
          const x = images.slice(lo, nb).reshape([nb, p]);
          const xx = x.square().sum(1).reshape([1, nb]);
          return tf.add(tf.sub(qq, tf.mul(2, tf.matMul(q, x, false, true))), xx); // [m, nb]
        });
        const dv = d.dataSync();
        d.dispose();
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < nb; j++) {
            const v = dv[i * nb + j];
            if (v < best[i]) { best[i] = v; indices[i] = lo + j; }
          }
        }
      }
    } finally {
      tf.dispose([q, qq]);
    }
    // float cancellation can leave tiny negatives for exact copies
    const distances = Float32Array.from(best, (v) => Math.max(0, v) / p);
    return { indices, distances };
  } finally {
    if (q4 !== queries) q4.dispose();
  }
}
