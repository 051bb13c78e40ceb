// The one home of the losses used by the autoencoder and VAE chapters.
// All functions are pure tensor maths (no I/O) and return scalars averaged
// over the batch, so a data-parallel split of a batch averages back exactly.
import * as tf from "@tensorflow/tfjs";

/** Keras' epsilon: probabilities are clipped to [EPS, 1-EPS] before the log. */
export const EPS = 1e-7;

function perImageMean(t: tf.Tensor): tf.Tensor1D {
  // mean over every axis but the batch axis
  const axes = Array.from({ length: t.rank - 1 }, (_, i) => i + 1);
  return axes.length ? tf.mean(t, axes) as tf.Tensor1D : (t as tf.Tensor1D);
}
function perImageSum(t: tf.Tensor): tf.Tensor1D {
  const axes = Array.from({ length: t.rank - 1 }, (_, i) => i + 1);
  return axes.length ? tf.sum(t, axes) as tf.Tensor1D : (t as tf.Tensor1D);
}

/** Elementwise binary cross-entropy -(y log p + (1-y) log(1-p)), p clipped to [EPS, 1-EPS]. */
export function bceElementwise(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, EPS, 1 - EPS);
    return tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))));
  });
}

export type Reduction = "mean" | "sum";

/**
 * Binary cross-entropy per image, reduced over pixels by `reduction`
 * ("mean": Keras' binary_crossentropy over axes (1,2,3); "sum": the
 * Bernoulli negative log-likelihood in nats), then averaged over the batch.
 */
export function binaryCrossEntropy(yTrue: tf.Tensor, yPred: tf.Tensor, reduction: Reduction = "mean"): tf.Scalar {
  checkSameShape("binaryCrossEntropy", yTrue, yPred);
  return tf.tidy(() => {
    const e = bceElementwise(yTrue, yPred);
    return tf.mean(reduction === "mean" ? perImageMean(e) : perImageSum(e)) as tf.Scalar;
  });
}

/** Squared error per image reduced over pixels by `reduction`, averaged over the batch. */
export function meanSquaredError(yTrue: tf.Tensor, yPred: tf.Tensor, reduction: Reduction = "mean"): tf.Scalar {
  checkSameShape("meanSquaredError", yTrue, yPred);
  return tf.tidy(() => {
    const e = tf.squaredDifference(yTrue, yPred);
    return tf.mean(reduction === "mean" ? perImageMean(e) : perImageSum(e)) as tf.Scalar;
  });
}

/**
 * KL( N(mu, exp(logVar)) || N(0, I) ) per example, summed over latent dims:
 * -0.5 * sum(1 + logVar - mu^2 - exp(logVar)). Shape [batch].
 */
export function klPerExample(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D): tf.Tensor1D {
  checkSameShape("klDivergence", zMean, zLogVar);
  return tf.tidy(() =>
    tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, zLogVar), tf.square(zMean)), tf.exp(zLogVar)), 1)) as tf.Tensor1D,
  );
}

/** Batch mean of `klPerExample` (the book's `reduce_mean(reduce_sum(..., axis=1))`). */
export function klDivergence(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(klPerExample(zMean, zLogVar)) as tf.Scalar);
}

/**
 * Reparameterisation trick: z = mu + exp(0.5 logVar) * eps, eps ~ N(0, I).
 * Gradients flow to mu and logVar; `seed` makes eps reproducible.
 */
export function sampleLatent(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, seed?: number): tf.Tensor2D {
  checkSameShape("sampleLatent", zMean, zLogVar);
  return tf.tidy(() => {
    const eps = tf.randomNormal(zMean.shape, 0, 1, "float32", seed);
    return tf.add(zMean, tf.mul(tf.exp(tf.mul(0.5, zLogVar)), eps)) as tf.Tensor2D;
  });
}

export type ReconstructionKind = "bce" | "mse";

/** Reconstruction loss by name (per image reduced by `reduction`, batch-averaged). */
export function reconstructionLoss(kind: ReconstructionKind, yTrue: tf.Tensor, yPred: tf.Tensor, reduction: Reduction = "mean"): tf.Scalar {
  if (kind === "bce") return binaryCrossEntropy(yTrue, yPred, reduction);
  if (kind === "mse") return meanSquaredError(yTrue, yPred, reduction);
  throw new Error(`reconstructionLoss: kind must be "bce" or "mse", got ${JSON.stringify(kind)}`);
}

export interface VaeLossOptions {
  /** "bce" (Fashion-MNIST) or "mse" (faces). */
  reconstruction: ReconstructionKind;
  /** Reduce the reconstruction over pixels by mean (book) or sum (ELBO). */
  reduction: Reduction;
  /** Weight on the reconstruction term (book: 500 for Fashion-MNIST, 2000 for faces; 1 for the ELBO). */
  beta: number;
}

/** The book's Fashion-MNIST VAE loss: 500 x mean BCE over pixels + KL. */
export const BOOK_VAE_LOSS: VaeLossOptions = { reconstruction: "bce", reduction: "mean", beta: 500 };
/** The negative ELBO in nats: BCE summed over pixels + KL (beta = 1). */
export const ELBO_LOSS: VaeLossOptions = { reconstruction: "bce", reduction: "sum", beta: 1 };

/** VAE loss parts (all batch means): total = beta * reconstruction + kl. */
export function vaeLoss(
  x: tf.Tensor, reconstruction: tf.Tensor, zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, opts: VaeLossOptions,
): { total: tf.Scalar; reconstruction: tf.Scalar; kl: tf.Scalar } {
  const rec = reconstructionLoss(opts.reconstruction, x, reconstruction, opts.reduction);
  const kl = klDivergence(zMean, zLogVar);
  const total = tf.tidy(() => tf.add(tf.mul(opts.beta, rec), kl) as tf.Scalar);
  return { total, reconstruction: rec, kl };
}

function checkSameShape(fn: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${fn}: the two tensors must have the same shape, got [${a.shape}] and [${b.shape}]`);
  }
}
