// The variational autoencoder (book ch. 3): the autoencoder's conv encoder with
// two heads (z_mean, z_log_var), reparameterised sampling, the same decoder.
// The face VAE (face-vae.ts) is this class with other options, not a copy.
import * as tf from "@tensorflow/tfjs";
import { buildConvDecoder, buildConvEncoder, ConvStackOptions, DEFAULT_CONV_STACK } from "./blocks";
import type { Activation } from "./autoencoder";
import { binaryCrossEntropy, BOOK_VAE_LOSS, sampleLatent, vaeLoss, VaeLossOptions } from "./losses";
import { bceRange } from "./task";
import type { Batch, DataRange, LossContext, LossResult, Task, WorkerSpec } from "./task";

// Notebook 05 builds the Fashion-MNIST VAE from these (with 04's buildDecoder) and trains it
// with its own Task; tests compare them with the Vae class below.
// @saved from notebooks/05-variational-autoencoder.ipynb: edit it there, then run `npm run notebooks:tidy`
/** The VAE's encoder: 04's stride-2 convolutions, then two dense heads on the same features. */
export function buildVaeEncoder(latentDim: number, filters = [32, 64, 128], activation: Activation = "relu", imageSize = 32, channels = 1): tf.LayersModel {
  const image = tf.input({ shape: [imageSize, imageSize, channels] });
  let x = image;
  for (const f of filters) {
    x = tf.layers.conv2d({ filters: f, kernelSize: 3, strides: 2, padding: "same", activation }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const zMean = tf.layers.dense({ units: latentDim, name: "z_mean" }).apply(x) as tf.SymbolicTensor;
  const zLogVar = tf.layers.dense({ units: latentDim, name: "z_log_var" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: image, outputs: [zMean, zLogVar], name: "encoder" });
}

/** z ~ N(zMean, exp(zLogVar)) by the reparameterisation trick; the same seed gives the same z. */
export type Sampler = (zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, seed?: number) => tf.Tensor2D;
/** KL(N(zMean, exp(zLogVar)) || N(0, I)) of each example, summed over the latent dimensions. */
export type KlPerExample = (zMean: tf.Tensor2D, zLogVar: tf.Tensor2D) => tf.Tensor1D;

/** The book's VAE loss of one batch: beta × BCE (mean over pixels) + KL, batch means, with both parts. */
export function vaeBatchLoss(encoder: tf.LayersModel, decoder: tf.LayersModel, x: tf.Tensor, beta: number,
  sample: Sampler, kl: KlPerExample, ctx: { training: boolean; seed: number }): LossResult {
  const [zMean, zLogVar] = encoder.apply(x, { training: ctx.training }) as tf.Tensor2D[];
  const z = sample(zMean, zLogVar, ctx.seed);
  const xHat = decoder.apply(z, { training: ctx.training }) as tf.Tensor;
  const reconstruction = binaryCrossEntropy(x, xHat);
  const klTerm = tf.mean(kl(zMean, zLogVar)) as tf.Scalar;
  return { loss: tf.add(tf.mul(beta, reconstruction), klTerm) as tf.Scalar, parts: { reconstruction, kl: klTerm } };
}
// @end saved

export interface VaeOptions extends ConvStackOptions {
  imageSize: number;
  channels: number;
  latentDim: number;
  /** Reconstruction kind, pixel reduction and beta (book Fashion-MNIST: bce, mean, 500). */
  loss: VaeLossOptions;
  /** Decoder: Dense -> [BatchNorm] -> activation before reshape (faces) or plain Dense. */
  denseBlock: boolean;
  /** Decoder's last layer: stride-1 "conv" (Fashion-MNIST) or "convTranspose" (faces). */
  decoderOutput: "conv" | "convTranspose";
}

/** The book's Fashion-MNIST VAE (train with Adam lr 5e-4, batch 100). */
export const VAE_DEFAULTS: VaeOptions = {
  ...DEFAULT_CONV_STACK, imageSize: 32, channels: 1, latentDim: 2,
  loss: BOOK_VAE_LOSS, denseBlock: false, decoderOutput: "conv",
};
/** Book training settings for the Fashion-MNIST VAE. */
export const VAE_TRAINING = { learningRate: 5e-4, batchSize: 100 } as const;

export class Vae implements Task {
  readonly name: string = "vae";
  /** Image -> [z_mean, z_log_var]. */
  readonly encoder: tf.LayersModel;
  /** z -> image in [0,1]. */
  readonly decoder: tf.LayersModel;
  readonly models: Record<string, tf.LayersModel>;
  readonly spec: WorkerSpec;
  readonly dataRange?: DataRange;

  /** `builder`: the name in lib/models/builders.ts that workers call with `options` to rebuild this VAE. */
  constructor(readonly options: VaeOptions, builder = "buildVae") {
    const o = options;
    if (!Number.isInteger(o.latentDim) || o.latentDim <= 0) {
      throw new Error(`buildVae: latentDim must be a positive integer, got ${o.latentDim}`);
    }
    if (!(o.loss?.beta > 0)) throw new Error(`buildVae: loss.beta must be > 0, got ${o.loss?.beta}`);
    this.encoder = buildConvEncoder({ ...o, heads: { z_mean: o.latentDim, z_log_var: o.latentDim }, name: "encoder" });
    this.decoder = buildConvDecoder({ ...o, denseBlock: o.denseBlock, output: o.decoderOutput, name: "decoder" });
    this.models = { encoder: this.encoder, decoder: this.decoder };
    this.spec = { builder, options: o };
    if (o.loss.reconstruction === "bce") this.dataRange = bceRange("x");
  }

  /** beta * reconstruction + KL, with the parts tracked separately. */
  loss({ x }: Batch, { training, seed }: LossContext): LossResult {
    const [zMean, zLogVar] = this.encoder.apply(x, { training }) as tf.Tensor2D[];
    const z = sampleLatent(zMean, zLogVar, seed);
    const rec = this.decoder.apply(z, { training }) as tf.Tensor;
    const p = vaeLoss(x, rec, zMean, zLogVar, this.options.loss);
    return { loss: p.total, parts: { reconstruction: p.reconstruction, kl: p.kl } };
  }

  /** Images -> { zMean, zLogVar } (caller disposes both). */
  encode(x: tf.Tensor4D, batchSize = 256): { zMean: tf.Tensor2D; zLogVar: tf.Tensor2D } {
    const [zMean, zLogVar] = this.encoder.predict(x, { batchSize }) as tf.Tensor2D[];
    return { zMean, zLogVar };
  }
  /** Images -> sampled latent points z = mu + sigma * eps. */
  sampleZ(x: tf.Tensor4D, seed?: number, batchSize = 256): tf.Tensor2D {
    const { zMean, zLogVar } = this.encode(x, batchSize);
    const z = sampleLatent(zMean, zLogVar, seed);
    zMean.dispose(); zLogVar.dispose();
    return z;
  }
  decode(z: tf.Tensor2D, batchSize = 256): tf.Tensor4D {
    return this.decoder.predict(z, { batchSize }) as tf.Tensor4D;
  }
  /** Reconstruct through the mean (default) or a sampled z. */
  reconstruct(x: tf.Tensor4D, opts: { sample?: boolean; seed?: number } = {}): tf.Tensor4D {
    const { zMean, zLogVar } = this.encode(x);
    const z = opts.sample ? sampleLatent(zMean, zLogVar, opts.seed) : zMean;
    const out = this.decode(z);
    tf.dispose([zMean, zLogVar, z]);
    return out;
  }
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

/** Build a VAE; defaults are the book's Fashion-MNIST VAE. */
export function buildVae(options: Partial<VaeOptions> = {}): Vae {
  return new Vae({ ...VAE_DEFAULTS, ...options });
}
