import { describe, it, expect } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { evaluate, check } from "../lib/exercises/vae";
import { hasPassed } from "../lib/exercises/check";
import { capturePrinted, itGivesTheRightVerdicts, type ExerciseTable } from "./helpers/exercises";
import * as S from "../lib/exercises/solutions/vae";

const printed = capturePrinted(() => tf.setBackend("cpu"));

const bceSum = (x: tf.Tensor, p: tf.Tensor) => {
  const c = tf.clipByValue(p, 1e-7, 1 - 1e-7);
  return tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(c)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, c))))));
};
const kl1 = (m: tf.Tensor, v: tf.Tensor) => tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, v), tf.square(m)), tf.exp(v))));

type Ev = typeof evaluate;
// For each exercise: the solution, and plausible wrong answers (each must fail).
const table: ExerciseTable<Ev> = {
  klDivergence: {
    solution: S.klDivergence,
    wrong: [
      // mean over latent dims instead of the sum
      (m, v) => tf.tidy(() => tf.mul(-0.5, tf.mean(tf.sub(tf.sub(tf.add(1, v), tf.square(m)), tf.exp(v)), 1)) as tf.Tensor1D),
      // sign flipped
      (m, v) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.sub(tf.sub(tf.add(1, v), tf.square(m)), tf.exp(v)), 1)) as tf.Tensor1D),
      // treats logVar as the standard deviation
      (m, v) => tf.tidy(() => tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, tf.log(tf.square(v).add(1e-9))), tf.square(m)), tf.square(v)), 1)) as tf.Tensor1D),
      // a batch mean instead of one value per example
      (m, v) => tf.tidy(() => S.klDivergence(m, v).mean().reshape([1]) as tf.Tensor1D),
      // right values, leaks
      (m, v) => tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, v), tf.square(m)), tf.exp(v)), 1)) as tf.Tensor1D,
    ],
  },
  sampleZ: {
    solution: S.sampleZ,
    wrong: [
      // variance instead of standard deviation
      (m, v, seed) => tf.tidy(() => tf.add(m, tf.mul(tf.exp(v), tf.randomNormal(m.shape, 0, 1, "float32", seed))) as tf.Tensor2D),
      // log-variance used as the standard deviation
      (m, v, seed) => tf.tidy(() => tf.add(m, tf.mul(v, tf.randomNormal(m.shape, 0, 1, "float32", seed))) as tf.Tensor2D),
      // ignores the seed: a fresh draw every call
      (m, v) => tf.tidy(() => tf.add(m, tf.mul(tf.exp(tf.mul(0.5, v)), tf.randomNormal(m.shape))) as tf.Tensor2D),
      // forgets the noise: z = mean
      (m) => tf.clone(m),
      // right values, but computed in plain JS: no gradient reaches mean/logVar
      (m, v, seed) => tf.tidy(() => {
        const e = tf.randomNormal(m.shape, 0, 1, "float32", seed).dataSync(), [a, b] = [m.dataSync(), v.dataSync()];
        return tf.tensor2d(Array.from(a, (x, i) => x + Math.exp(0.5 * b[i]) * e[i]), m.shape);
      }),
      // right values, leaks
      (m, v, seed) => tf.add(m, tf.mul(tf.exp(tf.mul(0.5, v)), tf.randomNormal(m.shape, 0, 1, "float32", seed))) as tf.Tensor2D,
    ],
  },
  negativeElbo: {
    solution: S.negativeElbo,
    wrong: [
      // the book's training loss units: mean BCE over pixels
      (x, p, m, v) => tf.tidy(() => tf.add(tf.div(bceSum(x, p), x.size), kl1(m, v)).dataSync()[0]),
      // forgets the KL term
      (x, p) => tf.tidy(() => bceSum(x, p).dataSync()[0]),
      // subtracts the KL (that is the ELBO's sign, not the negative ELBO's)
      (x, p, m, v) => tf.tidy(() => tf.sub(bceSum(x, p), kl1(m, v)).dataSync()[0]),
      // no clipping: Infinity for a confident mistake
      (x, p, m, v) => tf.tidy(() => tf.add(tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))))), kl1(m, v)).dataSync()[0]),
    ],
  },
};

describe("VAE exercise checks", () => {
  itGivesTheRightVerdicts(evaluate, table, { tensors: true });

  it("hasPassed follows the latest check of each exercise (notebook 05's loss waits for it)", () => {
    evaluate.sampleZ(S.sampleZ);
    expect(hasPassed("sampleZ")).toBe(true);
    evaluate.sampleZ(table.sampleZ.wrong[0]);
    expect(hasPassed("sampleZ")).toBe(false);
    evaluate.klDivergence(() => { throw new Error("not yet"); });
    expect(hasPassed("klDivergence")).toBe(false);
    evaluate.klDivergence(S.klDivergence);
    expect(hasPassed("klDivergence")).toBe(true);
  });

  it("specific messages: leaks, missing gradients, tensors instead of numbers", () => {
    expect(evaluate.klDivergence(table.klDivergence.wrong[4]).message).toMatch(/left \d+ tensors? behind.*tf.tidy/);
    expect(evaluate.sampleZ(table.sampleZ.wrong[4]).message).toMatch(/gradient/);
    expect(evaluate.sampleZ(table.sampleZ.wrong[0]).message).toMatch(/standard deviation/);
    expect(evaluate.sampleZ(table.sampleZ.wrong[2]).message).toMatch(/seed/);
    expect(evaluate.klDivergence(table.klDivergence.wrong[3]).message).toMatch(/expected shape \[2\]/);
    printed.length = 0;
    expect(() => check.negativeElbo((() => tf.scalar(1)) as never)).not.toThrow();
    expect(printed[0]).toMatch(/plain number/);
    expect(() => (check.sampleZ as (f: unknown) => void)(3)).not.toThrow();
    expect(printed[1]).toMatch(/pass your function itself/);
  });
});
