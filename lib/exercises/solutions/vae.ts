// Reference solutions for the VAE chapter's exercises (notebook 05).
// Try the exercise first; the check's hint usually suffices.
import * as tf from "@tensorflow/tfjs";

/** KL( N(mean, exp(logVar)) || N(0, I) ) per example, summed over latent dims: [batch]. */
export function klDivergence(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const perDim = tf.sub(tf.sub(tf.add(1, zLogVar), tf.square(zMean)), tf.exp(zLogVar));
    return tf.mul(-0.5, tf.sum(perDim, 1)) as tf.Tensor1D;
  });
}

/** Reparameterisation: z = mean + exp(0.5 logVar) * eps, eps ~ N(0, I) drawn with `seed`. */
export function sampleZ(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, seed?: number): tf.Tensor2D {
  return tf.tidy(() => {
    const eps = tf.randomNormal(zMean.shape, 0, 1, "float32", seed);
    return tf.add(zMean, tf.mul(tf.exp(tf.mul(0.5, zLogVar)), eps)) as tf.Tensor2D;
  });
}

/** Negative ELBO of one image in nats: BCE summed over pixels + KL. */
export function negativeElbo(x: tf.Tensor3D, xHat: tf.Tensor3D, zMean: tf.Tensor1D, zLogVar: tf.Tensor1D): number {
  return tf.tidy(() => {
    const p = tf.clipByValue(xHat, 1e-7, 1 - 1e-7); // log(0) would be -Infinity
    const reconstruction = tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p))))));
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, zLogVar), tf.square(zMean)), tf.exp(zLogVar))));
    return tf.add(reconstruction, kl).dataSync()[0];
  });
}
