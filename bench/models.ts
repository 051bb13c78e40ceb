// The book's chapter-3 autoencoder and VAE (Generative Deep Learning 2nd ed.),
// defined here for the benchmark only, so that bench numbers do not depend on
// lib/models changing. bench/torch_peer.py builds the same layers in PyTorch;
// both sides assert the parameter counts below.
import * as tf from "@tensorflow/tfjs";

export const PARAMS = { aeEncoder: 96_770, decoder: 246_273, vaeEncoder: 100_868 } as const;

function convEncoder(input: tf.SymbolicTensor): tf.SymbolicTensor {
  let h = input;
  for (const filters of [32, 64, 128]) {
    h = tf.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }).apply(h) as tf.SymbolicTensor;
  }
  return tf.layers.flatten().apply(h) as tf.SymbolicTensor;
}

export function decoder(latent = 2): tf.LayersModel {
  const z = tf.input({ shape: [latent] });
  let h = tf.layers.dense({ units: 4 * 4 * 128 }).apply(z) as tf.SymbolicTensor;
  h = tf.layers.reshape({ targetShape: [4, 4, 128] }).apply(h) as tf.SymbolicTensor;
  for (const filters of [128, 64, 32]) {
    h = tf.layers.conv2dTranspose({ filters, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }).apply(h) as tf.SymbolicTensor;
  }
  const out = tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: z, outputs: out, name: "decoder" });
}

export function aeEncoder(latent = 2): tf.LayersModel {
  const x = tf.input({ shape: [32, 32, 1] });
  const z = tf.layers.dense({ units: latent }).apply(convEncoder(x)) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: z, name: "encoder" });
}

/** VAE encoder: outputs [z_mean, z_log_var]. */
export function vaeEncoder(latent = 2): tf.LayersModel {
  const x = tf.input({ shape: [32, 32, 1] });
  const h = convEncoder(x);
  const mean = tf.layers.dense({ units: latent, name: "z_mean" }).apply(h) as tf.SymbolicTensor;
  const logVar = tf.layers.dense({ units: latent, name: "z_log_var" }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: [mean, logVar], name: "vae_encoder" });
}

export interface Built {
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** End-to-end model (AE only) for model.fit. */
  autoencoder?: tf.LayersModel;
}

export function buildAE(): Built {
  const encoder = aeEncoder();
  const dec = decoder();
  const x = tf.input({ shape: [32, 32, 1] });
  const autoencoder = tf.model({ inputs: x, outputs: dec.apply(encoder.apply(x)) as tf.SymbolicTensor });
  return { encoder, decoder: dec, autoencoder };
}

export function buildVAE(): Built {
  return { encoder: vaeEncoder(), decoder: decoder() };
}

/** Book VAE loss: 500 * mean pixel BCE + KL, averaged over the batch. */
export function vaeLoss(enc: tf.LayersModel, dec: tf.LayersModel, x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [mean, logVar] = enc.apply(x, { training: true }) as tf.Tensor2D[];
    const eps = tf.randomNormal(mean.shape);
    const z = mean.add(logVar.mul(0.5).exp().mul(eps));
    const recon = dec.apply(z, { training: true }) as tf.Tensor4D;
    const bce = tf.metrics.binaryCrossentropy(x.reshape([x.shape[0], -1]), recon.reshape([x.shape[0], -1]));
    const kl = tf.sum(tf.scalar(1).add(logVar).sub(mean.square()).sub(logVar.exp()), 1).mul(-0.5);
    return bce.mul(500).add(kl).mean() as tf.Scalar;
  });
}
