import { describe, it, expect } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { evaluate, check } from "../lib/exercises/autoencoder";
import { capturePrinted, itGivesTheRightVerdicts, type ExerciseTable } from "./helpers/exercises";
import * as S from "../lib/exercises/solutions/autoencoder";

const printed = capturePrinted(() => tf.setBackend("cpu"));

type Ev = typeof evaluate;
// For each exercise: the solution, and plausible wrong answers (each must fail).
const table: ExerciseTable<Ev> = {
  reconstructionError: {
    solution: S.reconstructionError,
    wrong: [
      // no clipping: Infinity when a pixel is predicted exactly 0
      (x, r) => tf.tidy(() => tf.neg(tf.add(tf.mul(x, tf.log(r)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, r))))).mean().dataSync()[0]),
      // sum instead of mean over pixels
      (x, r) => tf.tidy(() => tf.metrics.binaryCrossentropy(x.flatten(), r.flatten()).dataSync()[0] * x.size),
      // MSE is not BCE
      (x, r) => tf.tidy(() => tf.squaredDifference(x, r).mean().dataSync()[0]),
      // right number, but leaks every intermediate tensor
      (x, r) => { const p = tf.clipByValue(r, 1e-7, 1 - 1e-7); return tf.neg(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p))))).mean().dataSync()[0]; },
    ],
  },
  nearestImage: {
    solution: S.nearestImage,
    wrong: [
      (q, imgs) => tf.tidy(() => tf.squaredDifference(imgs, q.expandDims(0)).mean([1, 2, 3]).argMax().dataSync()[0]), // farthest
      (q, imgs) => tf.tidy(() => tf.mul(imgs, q.expandDims(0)).sum([1, 2, 3]).argMax().dataSync()[0]), // dot product similarity
      (q, imgs) => { const i = S.nearestImage(q, imgs); imgs.dispose(); return i; }, // disposes its input
    ],
  },
  interpolate: {
    solution: S.interpolate,
    wrong: [
      (a, b, steps) => tf.tidy(() => { const t = tf.linspace(0, 1, steps + 1).slice(0, steps).reshape([steps, 1]); return tf.add(tf.mul(tf.sub(1, t), a), tf.mul(t, b)) as tf.Tensor2D; }), // misses z1
      (a, b, steps) => tf.tidy(() => { const t = tf.linspace(0, 1, steps).reshape([steps, 1]); return tf.add(tf.mul(t, a), tf.mul(tf.sub(1, t), b)) as tf.Tensor2D; }), // backwards
      (a, b, steps) => { const t = tf.linspace(0, 1, steps).reshape([steps, 1]); return tf.add(tf.mul(tf.sub(1, t), a), tf.mul(t, b)) as tf.Tensor2D; }, // right values, leaks
    ],
  },
};

describe("autoencoder exercise checks", () => {
  itGivesTheRightVerdicts(evaluate, table, { tensors: true });

  it("leaky and input-disposing answers get a specific message", () => {
    expect(evaluate.reconstructionError(table.reconstructionError.wrong[3]).message).toMatch(/left \d+ tensors? behind.*tf.tidy/);
    expect(evaluate.nearestImage(table.nearestImage.wrong[2]).message).toMatch(/disposed its input/);
    expect(evaluate.interpolate(table.interpolate.wrong[2]).message).toMatch(/left \d+ tensors? behind/);
  });

  it("check.* prints and never throws", () => {
    printed.length = 0;
    expect(() => check.interpolate(() => { throw new TypeError("boom"); })).not.toThrow();
    expect(printed[0]).toMatch(/threw TypeError: boom/);
    expect(() => (check.nearestImage as (f: unknown) => void)(3)).not.toThrow();
    expect(printed[1]).toMatch(/pass your function itself/);
    expect(() => check.reconstructionError((() => tf.scalar(1)) as never)).not.toThrow();
    expect(printed[2]).toMatch(/plain number/);
  });
});
