// Exercise checks for the VAE chapter (notebook 05). In a notebook:
//   import { check } from "./lib/exercises/vae";
//   check.klDivergence(klDivergence);   // ✅ / ❌ + hint / ⏳; never throws
// `evaluate.*` does the same and returns the CheckResult (used by tests).
// Hidden cases are small seeded tensors; lib/models/losses and lib/eval/elbo
// hold the reference maths. Each check also counts tensors: a function that
// leaves tensors behind fails with a hint to use tf.tidy.
import * as tf from "@tensorflow/tfjs";
import { CheckCase, callAndVerify, exercise, expectArrayClose, expectClose, expectTrue, Mismatch, shapeOf } from "./check";
import { bceElementwise, klPerExample } from "../models/losses";

function expectTensor(got: unknown, shape: number[], what: string): asserts got is tf.Tensor {
  if (!(got instanceof tf.Tensor)) throw new Mismatch(`${what}: return a tensor of shape [${shape}], got ${shapeOf(got)}`);
  expectTrue(got.rank === shape.length && (got.shape as number[]).every((d: number, i: number) => d === shape[i]), `${what}: expected shape [${shape}], got [${got.shape}]`);
}

/** Seeded latent statistics for a batch of `n` examples in `d` dimensions. */
function latents(n: number, d: number, seed: number): [tf.Tensor2D, tf.Tensor2D] {
  return [
    tf.randomNormal([n, d], 0, 1.5, "float32", seed) as tf.Tensor2D,
    tf.randomUniform([n, d], -3, 1.5, "float32", seed + 1) as tf.Tensor2D,
  ];
}

// ---- the KL term ---------------------------------------------------------------

type KlFn = (zMean: tf.Tensor2D, zLogVar: tf.Tensor2D) => tf.Tensor1D;
const klDivergence = exercise<KlFn>(
  "klDivergence",
  "per example, KL = -0.5 * sum over latent dims of (1 + logVar - mean^2 - exp(logVar)). " +
    "Sum over axis 1 (the latent dims), do not average, and keep one number per example: a [batch] tensor. Wrap it in tf.tidy.",
  (fn) => {
    const cases: CheckCase[] = [];
    const run = (name: string, make: () => [tf.Tensor2D, tf.Tensor2D]) => cases.push({
      name,
      run: () => callAndVerify(make, ([m, v]) => fn(m, v), (got: unknown, [m, v]) => {
        expectTensor(got, [m.shape[0]], "KL per example");
        const want = tf.tidy(() => klPerExample(m, v).dataSync());
        expectArrayClose(got.dataSync(), want, 1e-4, "KL per example");
      }),
    });
    run("q(z|x) equal to the prior: mean 0, logVar 0 gives KL 0", () => [tf.zeros([2, 2]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D]);
    run("one example, mean (1, -2), logVar 0 (KL = (1 + 4) / 2)", () => [tf.tensor2d([[1, -2]]), tf.zeros([1, 2]) as tf.Tensor2D]);
    run("one example, mean 0, logVar (-1, 2) (a narrow and a wide dimension)", () => [tf.zeros([1, 2]) as tf.Tensor2D, tf.tensor2d([[-1, 2]])]);
    run("a batch of 5 in 2-D", () => latents(5, 2, 7));
    run("a batch of 3 in 8-D", () => latents(3, 8, 17));
    return cases;
  },
);

// ---- the reparameterisation trick -----------------------------------------------

type SampleFn = (zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, seed?: number) => tf.Tensor2D;
/** Mean and standard deviation of each column of a [n, d] tensor. */
function columnStats(z: tf.Tensor2D): { mean: Float32Array; std: Float32Array } {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(z, 0);
    return { mean: mean.dataSync() as Float32Array, std: tf.sqrt(variance).dataSync() as Float32Array };
  });
}
const sampleZ = exercise<SampleFn>(
  "sampleZ",
  "z = mean + sigma * eps with sigma = exp(0.5 * logVar) (the standard deviation, not the variance exp(logVar)) and " +
    "eps = tf.randomNormal(zMean.shape, 0, 1, \"float32\", seed), so the same seed gives the same z. " +
    "Use only tensor operations, so gradients reach mean and logVar.",
  (fn) => {
    const cases: CheckCase[] = [];
    // Many rows, so the sample's mean and spread can be checked against the distribution's.
    const n = 20000;
    cases.push({
      name: "a tiny sigma (logVar = -30) gives z = mean",
      run: () => callAndVerify(() => [tf.tensor2d([[1, -2], [0, 3]]), tf.fill([2, 2], -30) as tf.Tensor2D], ([m, v]) => fn(m, v, 1), (got: unknown, [m]) => {
        expectTensor(got, m.shape, "z");
        expectArrayClose(got.dataSync(), m.dataSync(), 1e-3, "z");
      }),
    });
    cases.push({
      name: `${n} draws with mean (1, -2) and sigma (1, 3): the sample has that mean and spread`,
      run: () => callAndVerify(
        () => tf.tidy(() => [tf.tile(tf.tensor2d([[1, -2]]), [n, 1]), tf.tile(tf.tensor2d([[0, 2 * Math.log(3)]]), [n, 1])] as [tf.Tensor2D, tf.Tensor2D]),
        ([m, v]) => fn(m, v, 7),
        (got: unknown, [m]) => {
          expectTensor(got, m.shape, "z");
          const s = columnStats(got as tf.Tensor2D);
          expectArrayClose(Array.from(s.std), [1, 3], 0.05, "standard deviation of z per dimension (sigma = exp(0.5 logVar))");
          expectArrayClose(Array.from(s.mean), [1, -2], 0.1, "mean of z per dimension");
        }),
    });
    cases.push({
      name: "the same seed gives the same z, another seed another z",
      run: () => callAndVerify(() => latents(4, 3, 3), ([m, v]) => fn(m, v, 5), (a: unknown, [m, v]) => {
        expectTensor(a, m.shape, "z");
        const again = fn(m, v, 5), other = fn(m, v, 6);
        try {
          expectArrayClose(again.dataSync(), a.dataSync(), 1e-6, "z with seed 5, second call (pass seed to tf.randomNormal)");
          expectTrue(tf.tidy(() => tf.any(tf.notEqual(a, other)).dataSync()[0] === 1), "seeds 5 and 6 gave the same z: draw eps with the seed you are given");
        } finally {
          tf.dispose([again, other]);
        }
      }),
    });
    cases.push({
      name: "gradients flow to mean and logVar (that is the trick)",
      run: () => {
        const [m, v] = latents(3, 2, 11);
        try {
          let gm: tf.Tensor | null = null, gv: tf.Tensor | null = null;
          try {
            [gm, gv] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(fn(a as tf.Tensor2D, b as tf.Tensor2D, 12)))([m, v]);
          } catch (err) {
            throw new Mismatch(`no gradient reached mean/logVar (${(err as Error).message.split("\n")[0]}); build z from the input tensors with tf operations only (no dataSync, no new tf.tensor(...))`);
          }
          try {
            // d z / d mean = 1; d z / d logVar = 0.5 * sigma * eps = 0.5 * (z - mean)
            expectArrayClose(gm.dataSync(), new Float32Array(6).fill(1), 1e-4, "d(sum z)/d mean");
            const want = tf.tidy(() => tf.mul(0.5, tf.sub(fn(m, v, 12), m)).dataSync());
            expectArrayClose(gv.dataSync(), want, 1e-4, "d(sum z)/d logVar");
          } finally {
            tf.dispose([gm, gv]);
          }
        } finally {
          tf.dispose([m, v]);
        }
      },
    });
    return cases;
  },
);

// ---- the negative ELBO of one image ------------------------------------------------

type ElboFn = (x: tf.Tensor3D, xHat: tf.Tensor3D, zMean: tf.Tensor1D, zLogVar: tf.Tensor1D) => number;
/** Reference: BCE summed over pixels (clipped to [1e-7, 1-1e-7]) + KL, in nats. */
function referenceNegElbo(x: tf.Tensor3D, p: tf.Tensor3D, m: tf.Tensor1D, v: tf.Tensor1D): number {
  return tf.tidy(() => tf.sum(bceElementwise(x, p)).add(klPerExample(m.expandDims(0) as tf.Tensor2D, v.expandDims(0) as tf.Tensor2D).sum()).dataSync()[0]);
}
const negativeElbo = exercise<ElboFn>(
  "negativeElbo",
  "negative ELBO = reconstruction + KL, in nats: the binary cross-entropy SUMMED over all pixels (not the mean; clip xHat to " +
    "[1e-7, 1 - 1e-7] before the log) plus KL = -0.5 * sum(1 + logVar - mean^2 - exp(logVar)). Return a plain number (.dataSync()[0] inside tf.tidy).",
  (fn) => {
    const cases: CheckCase[] = [];
    const run = (name: string, make: () => [tf.Tensor3D, tf.Tensor3D, tf.Tensor1D, tf.Tensor1D]) => cases.push({
      name,
      run: () => callAndVerify(make, ([x, p, m, v]) => fn(x, p, m, v), (got: unknown, [x, p, m, v]) => {
        if (got instanceof tf.Tensor) throw new Mismatch("return a plain number (read the scalar with .dataSync()[0]), not a tensor");
        expectClose(got, referenceNegElbo(x, p, m, v), 1e-4, "negative ELBO (nats)");
      }),
    });
    run("a perfect-ish reconstruction and q = prior: only the reconstruction term", () =>
      [tf.tensor3d([1, 0, 1, 0], [2, 2, 1]), tf.tensor3d([0.9, 0.1, 0.8, 0.2], [2, 2, 1]), tf.zeros([2]) as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D]);
    run("xHat = 0.5 everywhere: reconstruction = pixels x ln 2, plus a KL of 1", () =>
      [tf.tensor3d([1, 0, 0.3, 0.7], [2, 2, 1]), tf.fill([2, 2, 1], 0.5) as tf.Tensor3D, tf.tensor1d([1, 1]), tf.zeros([2]) as tf.Tensor1D]);
    run("a pixel predicted exactly 0 where the image is 1 (clip!)", () =>
      [tf.tensor3d([1, 1, 0, 0], [2, 2, 1]), tf.tensor3d([0, 0.7, 0, 0.2], [2, 2, 1]), tf.tensor1d([0.3, -0.2]), tf.tensor1d([-1, 0.5])]);
    for (let s = 0; s < 2; s++) {
      run(`a random 8x8 image with a 2-D latent #${s + 1}`, () => [
        tf.randomUniform([8, 8, 1], 0, 1, "float32", 31 + s) as tf.Tensor3D,
        tf.randomUniform([8, 8, 1], 0.01, 0.99, "float32", 41 + s) as tf.Tensor3D,
        tf.randomNormal([2], 0, 1, "float32", 51 + s) as tf.Tensor1D,
        tf.randomUniform([2], -2, 1, "float32", 61 + s) as tf.Tensor1D,
      ]);
    }
    return cases;
  },
);

const all = { klDivergence, sampleZ, negativeElbo };
type All = typeof all;
export const check = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.check])) as { [K in keyof All]: All[K]["check"] };
export const evaluate = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.evaluate])) as { [K in keyof All]: All[K]["evaluate"] };
export { todo } from "./check";
