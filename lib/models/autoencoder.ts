// The book's chapter-3 autoencoder for 32x32 Fashion-MNIST: a conv encoder to a
// 2-D latent point and a mirrored transposed-conv decoder. Implements Task, so
// `train(ae, images, ...)` trains it with binary cross-entropy on the pixels.
import * as tf from "@tensorflow/tfjs";
import { buildConvDecoder, buildConvEncoder, ConvStackOptions, DEFAULT_CONV_STACK } from "./blocks";
import { reconstructionLoss, ReconstructionKind } from "./losses";
import { bceRange } from "./task";
import type { Batch, DataRange, LossContext, LossResult, Task, WorkerSpec } from "./task";

export interface AutoencoderOptions extends ConvStackOptions {
  imageSize: number;
  channels: number;
  latentDim: number;
  /** Per-pixel loss: "bce" (book) or "mse". */
  loss: ReconstructionKind;
}

export const AUTOENCODER_DEFAULTS: AutoencoderOptions = {
  ...DEFAULT_CONV_STACK, imageSize: 32, channels: 1, latentDim: 2, loss: "bce",
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

  constructor(readonly options: AutoencoderOptions) {
    const o = options;
    if (!Number.isInteger(o.latentDim) || o.latentDim <= 0) {
      throw new Error(`buildAutoencoder: latentDim must be a positive integer, got ${o.latentDim}`);
    }
    this.encoder = buildConvEncoder({ ...o, heads: { z: o.latentDim }, name: "encoder" });
    this.decoder = buildConvDecoder({ ...o, denseBlock: false, output: "conv", name: "decoder" });
    const input = tf.input({ shape: [o.imageSize, o.imageSize, o.channels], name: "autoencoder_input" });
    const out = this.decoder.apply(this.encoder.apply(input)) as tf.SymbolicTensor;
    this.autoencoder = tf.model({ inputs: input, outputs: out, name: "autoencoder" });
    this.models = { encoder: this.encoder, decoder: this.decoder };
    this.spec = { module: "lib/models/autoencoder", export: "buildAutoencoder", options: o };
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
