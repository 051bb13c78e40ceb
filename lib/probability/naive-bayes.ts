// Gaussian Naive Bayes: chapter 1's per-class independent-pixel Gaussians used
// as a classifier. "Naive" because pixels are taken to be independent given
// the class, so log p(x | y) = sum_j log N(x_j; mu_yj, var_yj); Bayes' rule
// then classifies by argmax_y log p(y) + log p(x | y). It is a generative
// classifier: it models p(x | y) and p(y), so it can also sample images of a
// chosen class. Images are tensors [n, H, W, C]; parameters are plain arrays,
// so a fitted model holds no tensors and needs no dispose.
import * as tf from "@tensorflow/tfjs";
import { GaussianPixelModel, imageShape, ImageShape, imagesOfClass } from "./pixels";
import { Rng } from "./rng";

const LOG_2PI = Math.log(2 * Math.PI);

export interface GaussianNaiveBayesOptions {
  /**
   * Smallest variance a pixel may have (default 0.01, a standard deviation of 0.1). A pixel that
   * never changes within a class in training has MLE variance 0, and would make that class
   * impossible for any image that differs there even slightly.
   */
  varFloor?: number;
  /** Number of classes (default: largest label + 1). Every class needs at least one image. */
  numClasses?: number;
}

function checkLabels(labels: ArrayLike<number>, n: number, numClasses: number, where: string): void {
  if (labels.length !== n) throw new Error(`${where}: images has ${n} images but labels has ${labels.length} entries; pass one label per image`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new Error(`${where}: labels[${i}] = ${y}; labels must be integers 0..${numClasses - 1}`);
    }
  }
}

export class GaussianNaiveBayes {
  constructor(
    /** p(y) per class. */
    readonly priors: number[],
    /** Per class, the mean of every pixel (row-major over H x W x C). */
    readonly means: Float32Array[],
    /** Per class, the variance of every pixel: the MLE (divide by n), raised to at least varFloor. */
    readonly variances: Float32Array[],
    readonly shape: ImageShape,
    readonly varFloor: number,
  ) {}

  get numClasses(): number {
    return this.priors.length;
  }

  /** MLE per class: p(y) = class fraction, per-pixel mean and variance of the class's images. */
  static fit(images: tf.Tensor4D, labels: ArrayLike<number>, opts: GaussianNaiveBayesOptions = {}): GaussianNaiveBayes {
    const where = "GaussianNaiveBayes.fit";
    const shape = imageShape(images, where);
    const n = images.shape[0];
    const varFloor = opts.varFloor ?? 0.01;
    if (!(varFloor > 0 && Number.isFinite(varFloor))) throw new Error(`${where}: varFloor must be a finite number > 0, got ${varFloor}`);
    let numClasses = opts.numClasses;
    if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
      throw new Error(`${where}: numClasses must be a positive integer, got ${numClasses}`);
    }
    // Default: largest valid label + 1; checkLabels names any invalid one.
    numClasses ??= Array.from(labels).reduce((k, y) => (Number.isInteger(y) && y >= 0 ? Math.max(k, y + 1) : k), 1);
    checkLabels(labels, n, numClasses, where);
    const counts = new Array<number>(numClasses).fill(0);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    const empty = counts.indexOf(0);
    if (empty >= 0) throw new Error(`${where}: class ${empty} has no image in labels; every class 0..${numClasses - 1} needs at least one`);
    const means: Float32Array[] = [], variances: Float32Array[] = [];
    for (let y = 0; y < numClasses; y++) {
      const imgs = imagesOfClass(images, labels, y);
      const pixels = GaussianPixelModel.fit(imgs); // the per-class pixel Gaussians of notebook 1
      imgs.dispose();
      means.push(pixels.mean);
      variances.push(pixels.std.map((s) => Math.max(s * s, varFloor)));
    }
    return new GaussianNaiveBayes(counts.map((c) => c / n), means, variances, shape, varFloor);
  }

  /** log p(y) + log p(x | y) for every image and class, as a tensor [n, K] (caller disposes). */
  private logJointTensor(images: tf.Tensor4D, where: string): tf.Tensor2D {
    const shape = imageShape(images, where);
    if (shape.join() !== this.shape.join()) {
      throw new Error(`${where}: images are ${shape.join("x")}, the model was fitted on ${this.shape.join("x")}`);
    }
    const n = images.shape[0], d = this.means[0].length;
    return tf.tidy(() => {
      const X = tf.reshape(images, [n, d]);
      // One class at a time, each in its own tidy, so only one [n, d] difference lives at once.
      const cols = this.means.map((mean, y) => tf.tidy(() => {
        const v = this.variances[y];
        let logNorm = 0; // sum_j log sqrt(2 pi var_j)
        for (let j = 0; j < d; j++) logNorm += 0.5 * (LOG_2PI + Math.log(v[j]));
        const quad = tf.sum(tf.div(tf.square(tf.sub(X, tf.tensor1d(mean))), tf.tensor1d(v)), 1);
        return tf.sub(Math.log(this.priors[y]) - logNorm, tf.mul(0.5, quad));
      }));
      return tf.stack(cols, 1) as tf.Tensor2D;
    });
  }

  /** log p(y) + log p(x | y): row i, column y (natural log). */
  logJoint(images: tf.Tensor4D): number[][] {
    return tf.tidy(() => this.logJointTensor(images, "GaussianNaiveBayes.logJoint").arraySync());
  }

  /** log p(y | x) by Bayes' rule: the log joint minus log p(x); each row's exp sums to 1. */
  predictLogPosterior(images: tf.Tensor4D): number[][] {
    return tf.tidy(() => {
      const joint = this.logJointTensor(images, "GaussianNaiveBayes.predictLogPosterior");
      return tf.sub(joint, tf.logSumExp(joint, 1, true)).arraySync() as number[][];
    });
  }

  /** log p(x) = log sum_y p(y) p(x | y) per image: the model's density, exact (no approximation). */
  logDensity(images: tf.Tensor4D): number[] {
    return tf.tidy(() => tf.logSumExp(this.logJointTensor(images, "GaussianNaiveBayes.logDensity"), 1).arraySync() as number[]);
  }

  /** The most probable class per image: argmax_y log p(y) + log p(x | y). */
  predict(images: tf.Tensor4D): number[] {
    return tf.tidy(() => tf.argMax(this.logJointTensor(images, "GaussianNaiveBayes.predict"), 1).arraySync() as number[]);
  }

  /** Fraction of images whose predicted class equals its label. */
  accuracy(images: tf.Tensor4D, labels: ArrayLike<number>): number {
    const predicted = this.predict(images);
    checkLabels(labels, predicted.length, this.numClasses, "GaussianNaiveBayes.accuracy");
    return predicted.filter((y, i) => y === labels[i]).length / predicted.length;
  }

  /** p(x | y) as an independent-pixel Gaussian (with the floored variances). */
  classModel(y: number): GaussianPixelModel {
    if (!Number.isInteger(y) || y < 0 || y >= this.numClasses) {
      throw new Error(`GaussianNaiveBayes: class y = ${y} does not exist; classes are 0..${this.numClasses - 1}`);
    }
    return new GaussianPixelModel(this.means[y], this.variances[y].map(Math.sqrt), this.shape);
  }

  /** n new images of class y, sampled from p(x | y) and clipped to [0, 1] (caller disposes). */
  sample(y: number, n: number, rng: Rng): tf.Tensor4D {
    return this.classModel(y).sample(n, rng);
  }

  /** The K class means as images [K, H, W, C] (caller disposes). */
  meanImages(): tf.Tensor4D {
    const d = this.means[0].length;
    const all = new Float32Array(this.numClasses * d);
    this.means.forEach((m, y) => all.set(m, y * d));
    return tf.tensor4d(all, [this.numClasses, ...this.shape]);
  }
}
