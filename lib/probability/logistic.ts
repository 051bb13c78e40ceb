// A discriminative model p(y = 1 | x) = sigmoid(w.x + b), fitted with tfjs by
// minimising the mean binary cross-entropy (= maximising the log-likelihood of
// the labels given the inputs).
import * as tf from "@tensorflow/tfjs";

export interface LogisticRegression {
  weights: number[];
  bias: number;
  /** Mean cross-entropy per recorded step. */
  losses: { step: number; loss: number }[];
  /** p(y = 1 | x) for each point. */
  predict(points: readonly (readonly number[])[]): number[];
}

export function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

export function fitLogisticRegression(
  points: readonly (readonly number[])[],
  labels: ArrayLike<number>,
  opts: { steps?: number; learningRate?: number } = {},
): LogisticRegression {
  const n = points.length;
  if (n < 2) throw new Error(`fitLogisticRegression: need at least 2 points, got ${n}`);
  if (labels.length !== n) throw new Error(`fitLogisticRegression: ${n} points but ${labels.length} labels; pass one 0/1 label per point`);
  const d = points[0].length;
  for (let i = 0; i < n; i++) {
    if (points[i].length !== d) throw new Error(`fitLogisticRegression: points[${i}] has ${points[i].length} coordinates, expected ${d}`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`fitLogisticRegression: labels[${i}] = ${labels[i]}; labels must be 0 or 1`);
  }
  const steps = opts.steps ?? 300;
  // Standardise inputs inside the fit so one learning rate suits any units; fold back after.
  const mu = new Array<number>(d).fill(0), sd = new Array<number>(d).fill(0);
  for (const p of points) for (let j = 0; j < d; j++) mu[j] += p[j] / n;
  for (const p of points) for (let j = 0; j < d; j++) sd[j] += (p[j] - mu[j]) ** 2 / n;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) || 1;

  const X = tf.tensor2d(points.map((p) => p.map((v, j) => (v - mu[j]) / sd[j])).flat(), [n, d]);
  const Y = tf.tensor2d(Array.from(labels), [n, 1]);
  // tidy frees the zeros the variables are copied from.
  const w = tf.tidy(() => tf.variable(tf.zeros([d, 1])));
  const b = tf.tidy(() => tf.variable(tf.zeros([1])));
  const opt = tf.train.adam(opts.learningRate ?? 0.1);
  const losses: { step: number; loss: number }[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const loss = opt.minimize(() => tf.losses.sigmoidCrossEntropy(Y, tf.add(tf.matMul(X, w), b)) as tf.Scalar, true);
      if (loss) {
        if (step % Math.max(1, Math.floor(steps / 50)) === 0 || step === steps - 1) losses.push({ step, loss: loss.dataSync()[0] });
        loss.dispose();
      }
    }
    const ws = w.dataSync(), bs = b.dataSync()[0];
    const weights = Array.from(ws, (v, j) => v / sd[j]);
    const bias = bs - weights.reduce((s, v, j) => s + v * mu[j], 0);
    return {
      weights,
      bias,
      losses,
      predict: (qs) => qs.map((q) => sigmoid(q.reduce((s, v, j) => s + v * weights[j], bias))),
    };
  } finally {
    tf.dispose([X, Y, w, b]);
    opt.dispose();
  }
}
