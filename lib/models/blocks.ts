// Shared convolutional building blocks for the autoencoder, the VAE and the
// face VAE: one encoder builder and one decoder builder, configured by
// options, so each model file states only what differs from the others.
// Every layer gets an explicit name (prefix + role + index) so saved weights
// keep the same names across sessions (tfjs otherwise numbers layers globally).
import * as tf from "@tensorflow/tfjs";

export type Activation = "relu" | "leakyRelu";

export interface ConvStackOptions {
  /** Filters of each stride-2 conv block, input side first (book: [32, 64, 128]). */
  filters: number[];
  kernelSize: number;
  /** Conv -> BatchNorm -> activation (face VAE) instead of Conv(activation) (Fashion-MNIST). */
  batchNorm: boolean;
  activation: Activation;
  /** Negative slope of LeakyReLU (Keras default 0.3). */
  leakyAlpha: number;
}

export const DEFAULT_CONV_STACK: ConvStackOptions = {
  filters: [32, 64, 128], kernelSize: 3, batchNorm: false, activation: "relu", leakyAlpha: 0.3,
};

function activationLayer(o: ConvStackOptions, name: string): tf.layers.Layer {
  return o.activation === "relu"
    ? tf.layers.reLU({ name })
    : tf.layers.leakyReLU({ alpha: o.leakyAlpha, name });
}

/**
 * One down- or up-sampling block: Conv2D (or Conv2DTranspose) stride 2, "same"
 * padding, then either a fused activation or BatchNorm + activation.
 */
export function convBlock(
  x: tf.SymbolicTensor, filters: number, o: ConvStackOptions, name: string, transpose = false,
): tf.SymbolicTensor {
  const fused = !o.batchNorm && o.activation === "relu";
  const cfg = { filters, kernelSize: o.kernelSize, strides: 2, padding: "same" as const, activation: fused ? "relu" as const : undefined, name };
  let y = (transpose ? tf.layers.conv2dTranspose(cfg) : tf.layers.conv2d(cfg)).apply(x) as tf.SymbolicTensor;
  if (!fused) {
    if (o.batchNorm) y = tf.layers.batchNormalization({ name: `${name}_bn` }).apply(y) as tf.SymbolicTensor;
    y = activationLayer(o, `${name}_act`).apply(y) as tf.SymbolicTensor;
  }
  return y;
}

export interface ConvEncoderOptions extends ConvStackOptions {
  imageSize: number;
  channels: number;
  /** Dense heads on the flattened features, name -> units (AE: {z: 2}; VAE: {z_mean: d, z_log_var: d}). */
  heads: Record<string, number>;
  name: string;
}

/** Shape after the conv stack (before Flatten), e.g. [4, 4, 128] for 32x32 and 3 blocks. */
export function shapeBeforeFlatten(imageSize: number, filters: number[]): [number, number, number] {
  const f = 2 ** filters.length;
  if (!Number.isInteger(imageSize) || imageSize <= 0 || imageSize % f !== 0) {
    throw new Error(`imageSize must be a positive multiple of 2^${filters.length} = ${f} (one halving per conv block), got ${imageSize}; pad the images or change the number of filters.`);
  }
  return [imageSize / f, imageSize / f, filters[filters.length - 1]];
}

/** Image -> conv blocks -> Flatten -> one Dense per head. Outputs follow the order of `heads`. */
export function buildConvEncoder(o: ConvEncoderOptions): tf.LayersModel {
  checkStack(o);
  shapeBeforeFlatten(o.imageSize, o.filters);
  const input = tf.input({ shape: [o.imageSize, o.imageSize, o.channels], name: `${o.name}_input` });
  let x: tf.SymbolicTensor = input;
  o.filters.forEach((f, i) => { x = convBlock(x, f, o, `${o.name}_conv${i + 1}`); });
  x = tf.layers.flatten({ name: `${o.name}_flatten` }).apply(x) as tf.SymbolicTensor;
  const outputs = Object.entries(o.heads).map(([head, units]) =>
    tf.layers.dense({ units, name: head }).apply(x) as tf.SymbolicTensor);
  return tf.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs, name: o.name });
}

export interface ConvDecoderOptions extends ConvStackOptions {
  latentDim: number;
  imageSize: number;
  channels: number;
  /** Dense -> BatchNorm -> activation before the reshape (face VAE); plain Dense otherwise. */
  denseBlock: boolean;
  /** Last layer: stride-1 Conv2D (Fashion-MNIST) or Conv2DTranspose (face VAE), sigmoid. */
  output: "conv" | "convTranspose";
  name: string;
}

/** Latent -> Dense -> Reshape -> transposed conv blocks (filters reversed) -> sigmoid image. */
export function buildConvDecoder(o: ConvDecoderOptions): tf.LayersModel {
  checkStack(o);
  const shape = shapeBeforeFlatten(o.imageSize, o.filters);
  const input = tf.input({ shape: [o.latentDim], name: `${o.name}_input` });
  let x = tf.layers.dense({ units: shape[0] * shape[1] * shape[2], name: `${o.name}_dense` }).apply(input) as tf.SymbolicTensor;
  if (o.denseBlock) {
    if (o.batchNorm) x = tf.layers.batchNormalization({ name: `${o.name}_dense_bn` }).apply(x) as tf.SymbolicTensor;
    x = activationLayer(o, `${o.name}_dense_act`).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.reshape({ targetShape: shape, name: `${o.name}_reshape` }).apply(x) as tf.SymbolicTensor;
  [...o.filters].reverse().forEach((f, i) => { x = convBlock(x, f, o, `${o.name}_deconv${i + 1}`, true); });
  const outCfg = { filters: o.channels, kernelSize: o.kernelSize, strides: 1, padding: "same" as const, activation: "sigmoid" as const, name: `${o.name}_output` };
  x = (o.output === "conv" ? tf.layers.conv2d(outCfg) : tf.layers.conv2dTranspose(outCfg)).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: o.name });
}

function checkStack(o: ConvStackOptions & { channels: number }): void {
  const bad = (what: string, v: unknown, want: string) => {
    throw new Error(`conv stack option ${what} must be ${want}, got ${JSON.stringify(v)}`);
  };
  if (!Array.isArray(o.filters) || o.filters.length === 0 || o.filters.some((f) => !Number.isInteger(f) || f <= 0)) bad("filters", o.filters, "a non-empty array of positive integers, e.g. [32, 64, 128]");
  if (!Number.isInteger(o.kernelSize) || o.kernelSize <= 0) bad("kernelSize", o.kernelSize, "a positive integer");
  if (!Number.isInteger(o.channels) || o.channels <= 0) bad("channels", o.channels, "a positive integer (1 grey, 3 RGB)");
  if (o.activation !== "relu" && o.activation !== "leakyRelu") bad("activation", o.activation, `"relu" or "leakyRelu"`);
}

/** Total parameter count of a model (trainable + non-trainable), like Keras' summary. */
export function countParams(model: tf.LayersModel): number {
  return model.countParams();
}
