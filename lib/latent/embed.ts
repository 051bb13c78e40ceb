// From images to latent codes and back, for any encoder/decoder: the
// autoencoder's single `z` head, or the VAE's [z_mean, z_log_var, z] heads
// (pick one with `output`). Work happens in batches so a 10k-image test set
// never needs one giant activation tensor, and nothing is left behind.
import * as tf from "@tensorflow/tfjs";
import { checkShape, shapeStr } from "../checks";

/** An encoder: a Keras-style model or any function images -> codes (one or several heads). */
export type EncoderLike = tf.LayersModel | ((x: tf.Tensor4D) => tf.Tensor | tf.Tensor[]);
/** A decoder: a Keras-style model or any function codes -> images. */
export type DecoderLike = tf.LayersModel | ((z: tf.Tensor2D) => tf.Tensor | tf.Tensor[]);

export interface EmbedOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /** Which output of a multi-head encoder is the code (default 0; VAE: 0 = z_mean). */
  output?: number;
  /** Embed only the first `limit` images. */
  limit?: number;
}

function run(f: EncoderLike | DecoderLike, x: tf.Tensor, output: number, what: string): tf.Tensor {
  const out = f instanceof tf.LayersModel ? f.predict(x) : (f as (t: tf.Tensor) => tf.Tensor | tf.Tensor[])(x);
  if (Array.isArray(out)) {
    if (output < 0 || output >= out.length) {
      throw new Error(`${what}: output ${output} asked for, but the model has ${out.length} outputs (0..${out.length - 1}).`);
    }
    return out[output];
  }
  if (output !== 0) throw new Error(`${what}: output ${output} asked for, but the model has a single output; use output: 0.`);
  if (!(out instanceof tf.Tensor)) throw new Error(`${what}: the function must return a tensor, got ${typeof out}.`);
  return out;
}

function checkBatchSize(bs: number, what: string): void {
  if (!Number.isInteger(bs) || bs < 1) throw new Error(`${what}: batchSize must be a positive integer, got ${bs}.`);
}

/**
 * Encode `images` [n,h,w,c] into latent codes [n, d], `batchSize` at a time.
 * Returns a new tensor (the caller disposes it); intermediate tensors are freed.
 */
export function embed(encoder: EncoderLike, images: tf.Tensor4D, opts: EmbedOptions = {}): tf.Tensor2D {
  checkShape(images, [null, null, null, null], "embed: images", "pass a batch of images [n, height, width, channels]");
  const bs = opts.batchSize ?? 256;
  checkBatchSize(bs, "embed");
  const n = Math.min(images.shape[0], opts.limit ?? Infinity);
  if (n < 1) throw new Error(`embed: nothing to embed (images has ${images.shape[0]} rows, limit ${opts.limit}).`);
  const parts: tf.Tensor2D[] = [];
  try {
    for (let lo = 0; lo < n; lo += bs) {
      const nb = Math.min(bs, n - lo);
      parts.push(tf.tidy(() => {
        const z = run(encoder, images.slice(lo, nb), opts.output ?? 0, "embed");
        if (z.rank !== 2 || z.shape[0] !== nb) {
          throw new Error(`embed: the encoder must return codes of shape [${nb}, latentDim] for ${nb} images, got ${shapeStr(z.shape)}.`);
        }
        return z as tf.Tensor2D;
      }));
    }
    return parts.length === 1 ? parts.splice(0, 1)[0] : tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}

/** Decode latent codes [n, d] into images [n,h,w,c], `batchSize` at a time (caller disposes). */
export function decodeAll(decoder: DecoderLike, z: tf.Tensor2D | number[][], opts: { batchSize?: number } = {}): tf.Tensor4D {
  if (Array.isArray(z) && z.length === 0) throw new Error("decodeAll: z is an empty array; pass at least one latent code, e.g. [[0, 0]] for a 2-D latent space.");
  const codes = Array.isArray(z) ? tf.tensor2d(z) : z;
  try {
    checkShape(codes, [null, null], "decodeAll: z", "pass latent codes as [n, latentDim]");
    if (codes.shape[0] === 0) throw new Error(`decodeAll: z holds no codes (shape ${shapeStr(codes.shape)}); pass at least one latent code [n >= 1, latentDim].`);
    const bs = opts.batchSize ?? 256;
    checkBatchSize(bs, "decodeAll");
    const n = codes.shape[0];
    if (decoder instanceof tf.LayersModel) {
      const want = decoder.inputs[0].shape;
      if (want.length === 2 && want[1] !== null && want[1] !== codes.shape[1]) {
        throw new Error(`decodeAll: the decoder takes codes of shape [n, ${want[1]}], got ${shapeStr(codes.shape)}.`);
      }
    }
    const parts: tf.Tensor[] = [];
    try {
      for (let lo = 0; lo < n; lo += bs) {
        const nb = Math.min(bs, n - lo);
        parts.push(tf.tidy(() => run(decoder, codes.slice(lo, nb), 0, "decodeAll")));
      }
      const out = parts.length === 1 ? parts.splice(0, 1)[0] : tf.concat(parts, 0);
      if (out.rank !== 4) {
        out.dispose();
        throw new Error(`decodeAll: the decoder must return images [n, h, w, c], got rank ${out.rank}.`);
      }
      return out as tf.Tensor4D;
    } finally {
      tf.dispose(parts);
    }
  } finally {
    if (codes !== z) codes.dispose();
  }
}

/** Plain-array columns of 2-D codes for plotting: { x, y } (first two latent dims). */
export function codesToXY(z: tf.Tensor2D): { x: Float32Array; y: Float32Array } {
  checkShape(z, [null, null], "codesToXY: z");
  if (z.shape[1] < 2) throw new Error(`codesToXY: need at least 2 latent dimensions to plot, got ${z.shape[1]}.`);
  const d = z.shape[1];
  const data = z.dataSync();
  const n = z.shape[0];
  const x = new Float32Array(n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) { x[i] = data[i * d]; y[i] = data[i * d + 1]; }
  return { x, y };
}
