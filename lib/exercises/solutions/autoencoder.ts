// Reference solutions for the autoencoder chapter's exercises (notebook 04).
// Try the exercise first; the check's hint usually suffices.
import * as tf from "@tensorflow/tfjs";

/** Mean binary cross-entropy per pixel between an image and its reconstruction. */
export function reconstructionError(original: tf.Tensor3D, reconstruction: tf.Tensor3D): number {
  return tf.tidy(() => {
    const p = tf.clipByValue(reconstruction, 1e-7, 1 - 1e-7); // log(0) would be -Infinity
    const bce = tf.neg(tf.add(tf.mul(original, tf.log(p)), tf.mul(tf.sub(1, original), tf.log(tf.sub(1, p)))));
    return bce.mean().dataSync()[0];
  });
}

/** Index of the image in `images` with the smallest mean squared difference to `query`. */
export function nearestImage(query: tf.Tensor3D, images: tf.Tensor4D): number {
  return tf.tidy(() => {
    const d = tf.squaredDifference(images, query.expandDims(0)).mean([1, 2, 3]); // [n]
    return d.argMin().dataSync()[0];
  });
}

/** `steps` evenly spaced codes from z0 to z1, both ends included: [steps, d]. */
export function interpolate(z0: tf.Tensor1D, z1: tf.Tensor1D, steps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const t = tf.linspace(0, 1, steps).reshape([steps, 1]);
    return tf.add(tf.mul(tf.sub(1, t), z0), tf.mul(t, z1)) as tf.Tensor2D;
  });
}
