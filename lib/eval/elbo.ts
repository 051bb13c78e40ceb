// How good is a VAE as a density model? Two numbers in nats per image, both
// computed from a VAE's encoder (x -> [z_mean, z_log_var]) and decoder
// (z -> Bernoulli pixel probabilities):
//
//   negativeElbo:  E_q[-log p(x|z)] + KL(q(z|x) || N(0, I))   (an upper bound on -log p(x))
//   iwaeNll:       -log (1/k) sum_i p(x, z_i) / q(z_i|x)       (a tighter upper bound, k samples)
//
// The reconstruction term is the binary cross-entropy summed over pixels
// (natural log, probabilities clipped like the training loss), so the numbers
// are comparable with the literature's "nats per image" for Bernoulli decoders.
// Both are batched, seedable (same seed -> same numbers) and leave no tensors.
import * as tf from "@tensorflow/tfjs";
import { bceElementwise, klPerExample } from "../models/losses";

/** Anything with the VAE's two halves (e.g. `buildVae()`). */
export interface EncoderDecoder {
  /** Images [n,h,w,c] -> [z_mean, z_log_var] (a third output, e.g. Keras' sampled z, is ignored). */
  encoder: tf.LayersModel;
  /** z [n,d] -> pixel probabilities in (0,1), same shape as the images. */
  decoder: tf.LayersModel;
}

export interface ElboOptions {
  /** Images per batch (default 250). */
  batchSize?: number;
  /** Seed of the latent noise (default 0): same seed, same numbers. */
  seed?: number;
  /** Samples of z per image for the reconstruction expectation (default 1). */
  samples?: number;
  /** Weight of the book-style training loss, beta x mean BCE + KL (default 500, the book's). */
  beta?: number;
}

export interface ElboResult {
  /** Mean negative ELBO, nats per image: reconstruction + kl. */
  negativeElbo: number;
  /** Mean E_q[-log p(x|z)]: BCE summed over pixels, nats per image. */
  reconstruction: number;
  /** Mean KL(q(z|x) || N(0, I)), summed over latent dimensions (closed form), nats. */
  kl: number;
  /** Negative ELBO of each image. */
  perImage: Float32Array;
  images: number;
  /** Pixels per image (the ratio between "summed" and "mean" BCE). */
  pixels: number;
  /** The same quantities in the book's training-loss units: beta x mean-over-pixels BCE, KL, their sum. */
  book: { beta: number; reconstruction: number; kl: number; total: number };
}

export interface IwaeOptions {
  /** Importance samples per image (default 100; the bound tightens as k grows). */
  k?: number;
  /** Images per batch (default: about 1000 decoded samples per batch). */
  batchSize?: number;
  /** Seed of the latent noise (default 0). */
  seed?: number;
}

export interface IwaeResult {
  /** Mean importance-weighted estimate of -log p(x), nats per image (an upper bound in expectation). */
  nll: number;
  /** Mean negative ELBO estimated from the SAME samples (mean of -log w); always >= nll. */
  negativeElbo: number;
  /** -log p(x) estimate of each image. */
  perImage: Float32Array;
  k: number;
  images: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

function checkImages(fn: string, m: EncoderDecoder, images: tf.Tensor): void {
  if (!m || !(m.encoder instanceof tf.LayersModel) || !(m.decoder instanceof tf.LayersModel)) {
    throw new Error(`${fn}: model must have encoder and decoder tf.LayersModels (e.g. buildVae()), got ${typeof m}.`);
  }
  if (!(images instanceof tf.Tensor) || images.isDisposed) {
    throw new Error(`${fn}: images must be a live tensor [n, h, w, c] with values in [0, 1]; load them again if disposed.`);
  }
  const want = m.encoder.inputs[0].shape.slice(1);
  const got = images.shape.slice(1);
  if (images.rank !== want.length + 1 || want.some((d, i) => d !== null && d !== got[i])) {
    throw new Error(`${fn}: images have shape [${images.shape}] but the encoder expects [n, ${want.map((d) => d ?? "any")}]` +
      (got[0] === 28 && want[0] === 32 ? " (pad 28x28 images to 32x32: loadFashionMnist({ pad: true }))." : "."));
  }
  if (images.shape[0] === 0) throw new Error(`${fn}: images is empty (shape [${images.shape}]).`);
}

function positiveInt(fn: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${name} must be a whole number >= 1, got ${v}.`);
  return v;
}

/** Seed for batch `b`, chunk `c` of a run with base `seed` (distinct, deterministic). */
function subSeed(seed: number, b: number, c = 0): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (b + 0x632be5ab), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (c + 0x27d4eb2f), 0x165667b1) >>> 0;
  return (h ^ (h >>> 15)) % 2147483647;
}

function encode(m: EncoderDecoder, x: tf.Tensor): [tf.Tensor2D, tf.Tensor2D] {
  const out = m.encoder.predict(x) as tf.Tensor[];
  if (!Array.isArray(out) || out.length < 2) {
    throw new Error("encoder must return [z_mean, z_log_var] (two outputs); got a single tensor. Use a VAE encoder, not a plain autoencoder's.");
  }
  return [out[0] as tf.Tensor2D, out[1] as tf.Tensor2D];
}

/**
 * log w = log p(x|z) + log p(z) - log q(z|x) for `k` samples of each image in `x`
 * ([b,k]), plus log p(x|z) alone ([b,k]). Call inside tf.tidy.
 */
function logWeights(m: EncoderDecoder, x: tf.Tensor, mu: tf.Tensor2D, logVar: tf.Tensor2D, k: number, seed: number):
  { logW: tf.Tensor2D; logPxz: tf.Tensor2D } {
  const [b, d] = mu.shape;
  const eps = tf.randomNormal([b, k, d], 0, 1, "float32", seed);
  const z = tf.add(tf.expandDims(mu, 1), tf.mul(tf.exp(tf.mul(0.5, tf.expandDims(logVar, 1))), eps));
  const probs = m.decoder.predict(tf.reshape(z, [b * k, d])) as tf.Tensor;
  const pixels = x.size / b;
  if (probs.size !== b * k * pixels) {
    throw new Error(`decoder output has ${probs.size / (b * k)} values per image but the images have ${pixels}; encoder and decoder do not match.`);
  }
  const bce = bceElementwise(tf.reshape(x, [b, 1, pixels]), tf.reshape(probs, [b, k, pixels]));
  const logPxz = tf.neg(tf.sum(bce, 2)) as tf.Tensor2D;
  const logPz = tf.mul(-0.5, tf.add(tf.sum(tf.square(z), 2), d * LOG_2PI));
  // (z - mu)^2 / sigma^2 = eps^2 exactly, so use eps (no division by a tiny variance).
  const logQ = tf.mul(-0.5, tf.add(tf.add(tf.sum(tf.square(eps), 2), tf.sum(logVar, 1, true)), d * LOG_2PI));
  return { logW: tf.sub(tf.add(logPxz, logPz), logQ) as tf.Tensor2D, logPxz };
}

/**
 * Test-set negative ELBO in nats per image: reconstruction (BCE summed over pixels,
 * Monte Carlo over `samples` draws of z) + KL in closed form. Also reports the
 * book's units (beta x mean BCE + KL) so numbers line up with the training log.
 */
export function negativeElbo(model: EncoderDecoder, images: tf.Tensor, opts: ElboOptions = {}): ElboResult {
  const fn = "negativeElbo";
  checkImages(fn, model, images);
  const bs = positiveInt(fn, "batchSize", opts.batchSize ?? 250);
  const L = positiveInt(fn, "samples", opts.samples ?? 1);
  const seed = opts.seed ?? 0;
  const beta = opts.beta ?? 500;
  if (!(beta > 0)) throw new Error(`${fn}: beta must be > 0, got ${beta}.`);
  const n = images.shape[0];
  const pixels = images.size / n;
  const rec = new Float32Array(n);
  const kl = new Float32Array(n);
  for (let lo = 0, b = 0; lo < n; lo += bs, b++) {
    const nb = Math.min(bs, n - lo);
    const [r, k] = tf.tidy(() => {
      const x = images.slice(lo, nb);
      const [mu, logVar] = encode(model, x);
      const { logPxz } = logWeights(model, x, mu, logVar, L, subSeed(seed, b));
      return [tf.neg(tf.mean(logPxz, 1)).dataSync(), klPerExample(mu, logVar).dataSync()];
    });
    rec.set(r, lo);
    kl.set(k, lo);
  }
  const perImage = rec.map((r, i) => r + kl[i]);
  const recMean = mean(rec), klMean = mean(kl);
  return {
    negativeElbo: recMean + klMean, reconstruction: recMean, kl: klMean, perImage, images: n, pixels,
    book: { beta, reconstruction: (beta * recMean) / pixels, kl: klMean, total: (beta * recMean) / pixels + klMean },
  };
}

/**
 * Importance-weighted (IWAE) estimate of -log p(x) in nats per image, with `k`
 * samples from q(z|x) per image: -log mean_i exp(log w_i). Its expectation is an
 * upper bound on -log p(x) that is never looser than the negative ELBO and
 * tightens as k grows (Burda et al. 2016).
 */
export function iwaeNll(model: EncoderDecoder, images: tf.Tensor, opts: IwaeOptions = {}): IwaeResult {
  const fn = "iwaeNll";
  checkImages(fn, model, images);
  const k = positiveInt(fn, "k", opts.k ?? 100);
  const bs = positiveInt(fn, "batchSize", opts.batchSize ?? Math.max(1, Math.floor(1000 / k)));
  // Decode at most ~1000 samples at once: split an image's k samples into chunks if k is large.
  const chunk = Math.max(1, Math.min(k, Math.floor(1000 / Math.min(bs, images.shape[0]))));
  const seed = opts.seed ?? 0;
  const n = images.shape[0];
  const nll = new Float32Array(n);
  const elbo = new Float32Array(n);
  for (let lo = 0, b = 0; lo < n; lo += bs, b++) {
    const nb = Math.min(bs, n - lo);
    const [a, e] = tf.tidy(() => {
      const x = images.slice(lo, nb);
      const [mu, logVar] = encode(model, x);
      const parts: tf.Tensor2D[] = [];
      for (let c = 0, done = 0; done < k; c++, done += chunk) {
        // tidy per chunk keeps only that chunk's log-weights alive
        parts.push(tf.tidy(() => logWeights(model, x, mu, logVar, Math.min(chunk, k - done), subSeed(seed, b, c)).logW));
      }
      const logW = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
      const logMeanW = tf.sub(tf.logSumExp(logW, 1), Math.log(k));
      return [tf.neg(logMeanW).dataSync(), tf.neg(tf.mean(logW, 1)).dataSync()];
    });
    nll.set(a, lo);
    elbo.set(e, lo);
  }
  return { nll: mean(nll), negativeElbo: mean(elbo), perImage: nll, k, images: n };
}

function mean(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/** One-line summary, e.g. for a notebook or README. */
export function describeElbo(r: ElboResult, iwae?: IwaeResult): string {
  const f = (v: number) => v.toFixed(2);
  let s = `negative ELBO ${f(r.negativeElbo)} nats/image (reconstruction ${f(r.reconstruction)} + KL ${f(r.kl)}) on ${r.images} images; ` +
    `book units (beta=${r.book.beta}): reconstruction ${f(r.book.reconstruction)}, KL ${f(r.book.kl)}, total ${f(r.book.total)}`;
  if (iwae) s += `; IWAE (k=${iwae.k}) -log p(x) <= ${f(iwae.nll)} nats/image on ${iwae.images} images`;
  return s;
}
