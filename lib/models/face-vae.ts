// The book's CelebA face VAE: the same Vae class with face options -
// Conv(128) + BatchNorm + LeakyReLU blocks, 200-d latent, MSE x 2000, RGB.
import { buildVae, Vae, VaeOptions, VAE_DEFAULTS } from "./vae";

export const FACE_VAE_DEFAULTS: VaeOptions = {
  ...VAE_DEFAULTS,
  imageSize: 32, // 64 also works (one more halving per block: use 5 filters or accept 4x4)
  channels: 3,
  latentDim: 200,
  filters: [128, 128, 128, 128],
  batchNorm: true,
  activation: "leakyRelu",
  leakyAlpha: 0.3,
  denseBlock: true,
  decoderOutput: "convTranspose",
  loss: { reconstruction: "mse", reduction: "mean", beta: 2000 },
};
/** Book training settings for the face VAE. */
export const FACE_VAE_TRAINING = { learningRate: 5e-4, batchSize: 128 } as const;

export function buildFaceVae(options: Partial<VaeOptions> = {}): Vae {
  return new Vae({ ...FACE_VAE_DEFAULTS, ...options }, "buildFaceVae");
}

/**
 * The workbook's face VAE: the book's recipe (BatchNorm + LeakyReLU blocks,
 * 200-d latent, 2000 x MSE + KL) with fewer filters, so it trains on a 2-core
 * CPU in minutes instead of hours. pretrained/face-vae/ holds its weights for
 * the 32x32 synthetic faces.
 */
export const WORKBOOK_FACE_VAE: Partial<VaeOptions> = { filters: [32, 64, 64, 64] };

/** buildFaceVae with the workbook's smaller filters (any option can still be overridden). */
export function buildWorkbookFaceVae(options: Partial<VaeOptions> = {}): Vae {
  return buildFaceVae({ ...WORKBOOK_FACE_VAE, ...options });
}
