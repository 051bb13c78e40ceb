// Pixel-independent image models (chapter 1's "naive" generative models):
// every pixel is its own Bernoulli (on/off) or Gaussian (grey level), fitted by
// maximum likelihood, ignoring how pixels depend on each other. Images are
// tensors [n, H, W, C] with values in [0, 1]; parameters come back as plain
// arrays, samples as tensors the caller disposes.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "./rng";

export type ImageShape = [number, number, number];

/** [H, W, C] of a non-empty image batch [n, H, W, C]; otherwise an error naming `where`. */
export function imageShape(images: tf.Tensor, where: string): ImageShape {
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    const got = images instanceof tf.Tensor ? `shape [${images.shape.join(", ")}]` : typeof images;
    throw new Error(`${where}: images must be a 4-D tensor [n, H, W, C], got ${got}`);
  }
  if (images.shape[0] < 1) throw new Error(`${where}: images is empty (n = 0)`);
  const [, h, w, c] = images.shape as number[];
  return [h, w, c];
}

function flatData(images: tf.Tensor): Float32Array {
  return images.dataSync() as Float32Array;
}

/** 1 where the pixel is brighter than threshold, else 0 (caller disposes). */
export function binarize(images: tf.Tensor4D, threshold = 0.5): tf.Tensor4D {
  return tf.tidy(() => tf.cast(tf.greater(images, threshold), "float32")) as tf.Tensor4D;
}

/** n images with each pixel on with probability 1/2: a uniform draw from the binary sample space. */
export function randomBinaryImages(n: number, shape: ImageShape, rng: Rng): tf.Tensor4D {
  const d = shape[0] * shape[1] * shape[2];
  const v = new Float32Array(n * d);
  for (let i = 0; i < v.length; i++) v[i] = rng.bernoulli(0.5);
  return tf.tensor4d(v, [n, ...shape]);
}

/** Independent Bernoulli per pixel: p(x) = prod_j p_j^x_j (1 - p_j)^(1 - x_j). */
export class BernoulliPixelModel {
  constructor(
    /** p_j = P(pixel j is on), row-major over H x W x C. */
    readonly probs: Float32Array,
    readonly shape: ImageShape,
    /** Grey images are binarised at this level before fitting / scoring. */
    readonly threshold = 0.5,
  ) {}

  /**
   * MLE: p_j = fraction of training images with pixel j on. alpha > 0 adds
   * smoothing, (count + alpha) / (n + 2 alpha), so no pixel is ever impossible.
   */
  static fit(images: tf.Tensor4D, opts: { threshold?: number; alpha?: number } = {}): BernoulliPixelModel {
    const shape = imageShape(images, "BernoulliPixelModel.fit");
    const threshold = opts.threshold ?? 0.5;
    const alpha = opts.alpha ?? 0;
    if (!(alpha >= 0)) throw new Error(`BernoulliPixelModel.fit: alpha must be >= 0, got ${alpha}`);
    const n = images.shape[0];
    const counts = tf.tidy(() => tf.sum(binarize(images, threshold), 0).dataSync() as Float32Array);
    const probs = counts.map((c) => (c + alpha) / (n + 2 * alpha));
    return new BernoulliPixelModel(probs, shape, threshold);
  }

  /**
   * log p(x) per image (natural log). A pixel that is on where the model says
   * p_j = 0 (or off where p_j = 1) gives -Infinity: computed case by case so
   * 0 * log 0 never turns into NaN.
   */
  logLikelihood(images: tf.Tensor4D): Float64Array {
    const shape = imageShape(images, "BernoulliPixelModel.logLikelihood");
    if (shape.join() !== this.shape.join()) {
      throw new Error(`BernoulliPixelModel.logLikelihood: images are ${shape.join("x")}, the model was fitted on ${this.shape.join("x")}`);
    }
    const bin = binarize(images, this.threshold);
    const x = flatData(bin);
    bin.dispose();
    const d = this.probs.length;
    const logOn = Array.from(this.probs, (p) => Math.log(p));
    const logOff = Array.from(this.probs, (p) => Math.log(1 - p));
    const out = new Float64Array(images.shape[0]);
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[i * d + j] > 0 ? logOn[j] : logOff[j];
      out[i] = s;
    }
    return out;
  }

  sample(n: number, rng: Rng): tf.Tensor4D {
    const d = this.probs.length;
    const v = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) v[i * d + j] = rng.bernoulli(this.probs[j]);
    return tf.tensor4d(v, [n, ...this.shape]);
  }

  /** The probabilities as one image [1, H, W, C] (caller disposes). */
  probsImage(): tf.Tensor4D {
    return tf.tensor4d(this.probs, [1, ...this.shape]);
  }
}

/** Independent Gaussian per pixel (grey level), clipped to [0, 1] when sampling. */
export class GaussianPixelModel {
  constructor(readonly mean: Float32Array, readonly std: Float32Array, readonly shape: ImageShape) {}

  /** MLE per pixel: mean and biased standard deviation over the images. */
  static fit(images: tf.Tensor4D): GaussianPixelModel {
    const shape = imageShape(images, "GaussianPixelModel.fit");
    const [mean, std] = tf.tidy(() => {
      const m = tf.moments(images, 0);
      return [m.mean.dataSync() as Float32Array, tf.sqrt(m.variance).dataSync() as Float32Array];
    });
    return new GaussianPixelModel(mean, std, shape);
  }

  /** The mean image [1, H, W, C]: a fixed calculation, the same every call. */
  meanImage(): tf.Tensor4D {
    return tf.tensor4d(this.mean, [1, ...this.shape]);
  }

  /** n images: mean + std * noise per pixel (the stochastic element), clipped to [0, 1]. */
  sample(n: number, rng: Rng): tf.Tensor4D {
    const d = this.mean.length;
    const v = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) v[i * d + j] = Math.min(1, Math.max(0, rng.normal(this.mean[j], this.std[j])));
    }
    return tf.tensor4d(v, [n, ...this.shape]);
  }
}

/** Images whose label equals y (caller disposes). */
export function imagesOfClass(images: tf.Tensor4D, labels: ArrayLike<number>, y: number): tf.Tensor4D {
  if (labels.length !== images.shape[0]) {
    throw new Error(`imagesOfClass: ${images.shape[0]} images but ${labels.length} labels`);
  }
  const idx: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === y) idx.push(i);
  if (idx.length === 0) throw new Error(`imagesOfClass: no image has label ${y}`);
  return tf.tidy(() => tf.gather(images, tf.tensor1d(idx, "int32"))) as tf.Tensor4D;
}

/**
 * Pearson correlation (over images) between pixel `pixel` (row-major index)
 * and every pixel: a map [H*W*C] in [-1, 1]. Pixels that never change get 0.
 */
export function pixelCorrelationMap(images: tf.Tensor4D, pixel: number): Float32Array {
  const [h, w, c] = imageShape(images, "pixelCorrelationMap");
  const d = h * w * c;
  if (!Number.isInteger(pixel) || pixel < 0 || pixel >= d) {
    throw new Error(`pixelCorrelationMap: pixel must be an integer 0..${d - 1} (row * ${w * c} + col), got ${pixel}`);
  }
  return tf.tidy(() => {
    const X = tf.reshape(images, [images.shape[0], d]);
    const xc = tf.sub(X, tf.mean(X, 0));
    const sd = tf.sqrt(tf.mean(tf.square(xc), 0)); // [d]
    const xi = tf.slice(xc, [0, pixel], [-1, 1]); // [n, 1]
    const cov = tf.mean(tf.mul(xc, xi), 0);
    const denom = tf.mul(sd, tf.slice(sd, [pixel], [1]));
    const safe = tf.greater(denom, 1e-6);
    return tf.where(safe, tf.div(cov, tf.where(safe, denom, tf.onesLike(denom))), tf.zerosLike(cov)).dataSync() as Float32Array;
  });
}

/**
 * Mean correlation between horizontally neighbouring pixels, over pairs where
 * both pixels vary. Real images: strongly positive; samples from a
 * pixel-independent model: about 0.
 */
export function neighbourCorrelation(images: tf.Tensor4D): number {
  const [h, w, c] = imageShape(images, "neighbourCorrelation");
  if (w < 2) throw new Error("neighbourCorrelation: images need width >= 2");
  return tf.tidy(() => {
    const a = tf.slice(images, [0, 0, 0, 0], [-1, h, w - 1, c]);
    const b = tf.slice(images, [0, 0, 1, 0], [-1, h, w - 1, c]);
    const ma = tf.moments(a, 0), mb = tf.moments(b, 0);
    const cov = tf.mean(tf.mul(tf.sub(a, ma.mean), tf.sub(b, mb.mean)), 0);
    const denom = tf.sqrt(tf.mul(ma.variance, mb.variance));
    const ok = tf.greater(denom, 1e-6);
    const corr = tf.where(ok, tf.div(cov, tf.where(ok, denom, tf.onesLike(denom))), tf.zerosLike(cov));
    const count = tf.sum(tf.cast(ok, "float32")).dataSync()[0];
    if (count === 0) return 0;
    return tf.sum(corr).dataSync()[0] / count;
  });
}

/**
 * log10 of the number of possible images with `pixels` pixels of `levels`
 * values each (levels^pixels is far too big for a number, its log is not).
 */
export function sampleSpaceLog10(pixels: number, levels: number): number {
  if (!(Number.isInteger(pixels) && pixels > 0)) throw new Error(`sampleSpaceLog10: pixels must be a positive integer, got ${pixels}`);
  if (!(Number.isInteger(levels) && levels >= 2)) throw new Error(`sampleSpaceLog10: levels must be an integer >= 2, got ${levels}`);
  return pixels * Math.log10(levels);
}
