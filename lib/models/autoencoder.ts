// The book's chapter-3 autoencoder for 32x32 Fashion-MNIST: a conv encoder to a
// 2-D latent point and a mirrored transposed-conv decoder, written in notebook 04
// (the saved block below). The Autoencoder class wraps them as a Task for the
// other notebooks, scripts and tests: `train(ae, images, ...)` trains it with BCE.
import * as tf from "@tensorflow/tfjs";
import { reconstructionLoss, ReconstructionKind } from "./losses";
import { bceRange } from "./task";
import type { Batch, DataRange, LossContext, LossResult, Recipe, Task, WorkerSpec } from "./task";

// @saved from notebooks/04-autoencoder.ipynb: edit it there, then run `npm run notebooks:tidy`
/** Activations the encoder and decoder accept between their layers. */
export type Activation = "relu" | "elu" | "selu" | "tanh" | "sigmoid" | "linear";

/** The book's encoder: stride-2 convolutions halve the image, a dense layer maps it to the latent point. */
export function buildEncoder(latentDim: number, filters = [32, 64, 128], activation: Activation = "relu", imageSize = 32, channels = 1): tf.Sequential {
  const encoder = tf.sequential({ name: "encoder" });
  encoder.add(tf.layers.inputLayer({ inputShape: [imageSize, imageSize, channels] }));
  for (const f of filters) {
    encoder.add(tf.layers.conv2d({ filters: f, kernelSize: 3, strides: 2, padding: "same", activation }));
  }
  encoder.add(tf.layers.flatten());
  encoder.add(tf.layers.dense({ units: latentDim }));
  return encoder;
}

/** The book's decoder: dense to a small image, stride-2 transposed convolutions grow it, sigmoid pixels. */
export function buildDecoder(latentDim: number, filters = [32, 64, 128], activation: Activation = "relu", imageSize = 32, channels = 1): tf.Sequential {
  const side = imageSize / 2 ** filters.length; // 32 / 2^3 = 4
  const deepest = filters[filters.length - 1];
  const decoder = tf.sequential({ name: "decoder" });
  decoder.add(tf.layers.dense({ inputShape: [latentDim], units: side * side * deepest }));
  decoder.add(tf.layers.reshape({ targetShape: [side, side, deepest] }));
  for (const f of [...filters].reverse()) {
    decoder.add(tf.layers.conv2dTranspose({ filters: f, kernelSize: 3, strides: 2, padding: "same", activation }));
  }
  decoder.add(tf.layers.conv2d({ filters: channels, kernelSize: 3, padding: "same", activation: "sigmoid" }));
  return decoder;
}
// @end saved

export interface AutoencoderOptions {
  imageSize: number;
  channels: number;
  latentDim: number;
  /** Filters of each stride-2 convolution, input side first (book: [32, 64, 128]). */
  filters: number[];
  activation: Activation;
  /** Per-pixel loss: "bce" (book) or "mse". */
  loss: ReconstructionKind;
}

export const AUTOENCODER_DEFAULTS: AutoencoderOptions = {
  imageSize: 32, channels: 1, latentDim: 2, filters: [32, 64, 128], activation: "relu", loss: "bce",
};

export class Autoencoder implements Task {
  readonly name = "autoencoder";
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  /** encoder then decoder as one model (for predict/summary; shares their weights). */
  readonly autoencoder: tf.LayersModel;
  readonly models: Record<string, tf.LayersModel>;
  readonly spec: WorkerSpec;
  readonly dataRange?: DataRange;
  readonly recipe: Recipe;

  constructor(readonly options: AutoencoderOptions) {
    const o = options;
    if (!Number.isInteger(o.latentDim) || o.latentDim <= 0) {
      throw new Error(`buildAutoencoder: latentDim must be a positive integer, got ${o.latentDim}`);
    }
    const halvings = 2 ** (o.filters?.length ?? 0);
    if (!Array.isArray(o.filters) || o.filters.length === 0 || o.filters.some((f) => !Number.isInteger(f) || f <= 0)) {
      throw new Error(`buildAutoencoder: filters must be a non-empty array of positive integers, e.g. [32, 64, 128], got ${JSON.stringify(o.filters)}`);
    }
    if (!Number.isInteger(o.imageSize) || o.imageSize % halvings !== 0) {
      throw new Error(`buildAutoencoder: imageSize must be a multiple of 2^${o.filters.length} = ${halvings} (one halving per convolution), got ${o.imageSize}; pad the images or change filters.`);
    }
    this.encoder = buildEncoder(o.latentDim, o.filters, o.activation, o.imageSize, o.channels);
    this.decoder = buildDecoder(o.latentDim, o.filters, o.activation, o.imageSize, o.channels);
    const input = tf.input({ shape: [o.imageSize, o.imageSize, o.channels], name: "autoencoder_input" });
    const out = this.decoder.apply(this.encoder.apply(input)) as tf.SymbolicTensor;
    this.autoencoder = tf.model({ inputs: input, outputs: out, name: "autoencoder" });
    this.models = { encoder: this.encoder, decoder: this.decoder };
    this.spec = { builder: "buildAutoencoder", options: o };
    this.recipe = { reconstruction: o.loss };
    if (o.loss === "bce") this.dataRange = bceRange("x");
  }

  loss({ x }: Batch, { training }: LossContext): LossResult {
    const z = this.encoder.apply(x, { training }) as tf.Tensor;
    const rec = this.decoder.apply(z, { training }) as tf.Tensor;
    return { loss: reconstructionLoss(this.options.loss, x, rec, "mean") };
  }

  /** Images [n,h,w,c] -> latent points [n, latentDim]. */
  encode(x: tf.Tensor4D, batchSize = 256): tf.Tensor2D {
    return this.encoder.predict(x, { batchSize }) as tf.Tensor2D;
  }
  /** Latent points [n, latentDim] -> images [n,h,w,c] in [0,1]. */
  decode(z: tf.Tensor2D, batchSize = 256): tf.Tensor4D {
    return this.decoder.predict(z, { batchSize }) as tf.Tensor4D;
  }
  reconstruct(x: tf.Tensor4D, batchSize = 256): tf.Tensor4D {
    return this.autoencoder.predict(x, { batchSize }) as tf.Tensor4D;
  }
  dispose(): void {
    this.autoencoder.dispose(); // disposes the shared encoder/decoder weights too
  }
}

/** Build the book's autoencoder; any option can be overridden (latentDim, filters, imageSize, channels...). */
export function buildAutoencoder(options: Partial<AutoencoderOptions> = {}): Autoencoder {
  return new Autoencoder({ ...AUTOENCODER_DEFAULTS, ...options });
}
