// Reference solutions for the faces chapter's exercises (notebook 06).
// Try the exercise first; the check's hint usually suffices.
import * as tf from "@tensorflow/tfjs";

/** Mean code of the faces with the attribute minus the mean code of those without: [d]. */
export function attributeVector(codes: tf.Tensor2D, labels: number[]): tf.Tensor1D {
  return tf.tidy(() => {
    const withIdx: number[] = [], withoutIdx: number[] = [];
    labels.forEach((l, i) => (l === 1 ? withIdx : withoutIdx).push(i));
    const meanOf = (idx: number[]) => tf.gather(codes, tf.tensor1d(idx, "int32")).mean(0);
    return tf.sub(meanOf(withIdx), meanOf(withoutIdx)) as tf.Tensor1D;
  });
}

/** Of the faces without the attribute before (p <= 0.5), the fraction with it after (p > 0.5). */
export function flipRate(before: ArrayLike<number>, after: ArrayLike<number>): number {
  let absent = 0, flipped = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] <= 0.5) {
      absent++;
      if (after[i] > 0.5) flipped++;
    }
  }
  return flipped / absent;
}

/** KL(N(mu, exp(logVar)) || N(0, 1)) per latent dimension, averaged over the faces. */
export function klPerDimension(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D): number[] {
  return tf.tidy(() => {
    const kl = tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, zLogVar), tf.square(zMean)), tf.exp(zLogVar)));
    return Array.from(kl.mean(0).dataSync());
  });
}
