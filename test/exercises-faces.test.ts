import { describe, it, expect } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { evaluate, check } from "../lib/exercises/faces";
import { capturePrinted, itGivesTheRightVerdicts, type ExerciseTable } from "./helpers/exercises";
import * as S from "../lib/exercises/solutions/faces";

const printed = capturePrinted(() => tf.setBackend("cpu"));

type Ev = typeof evaluate;
// For each exercise: the solution, and plausible wrong answers (each must fail).
const table: ExerciseTable<Ev> = {
  attributeVector: {
    solution: S.attributeVector,
    wrong: [
      (z, l) => { const v = S.attributeVector(z, l); const n = tf.neg(v) as tf.Tensor1D; v.dispose(); return n; }, // without - with
      (z, l) => tf.tidy(() => { // mean(with) - mean(all)
        const idx = l.flatMap((v, i) => (v === 1 ? [i] : []));
        return tf.sub(tf.gather(z, tf.tensor1d(idx, "int32")).mean(0), z.mean(0)) as tf.Tensor1D;
      }),
      (z, l) => tf.tidy(() => { // sums instead of means
        const pick = (want: number) => tf.gather(z, tf.tensor1d(l.flatMap((v, i) => (v === want ? [i] : [])), "int32")).sum(0);
        return tf.sub(pick(1), pick(0)) as tf.Tensor1D;
      }),
      (z, l) => { // right values, leaks the intermediates
        const pick = (want: number) => tf.gather(z, tf.tensor1d(l.flatMap((v, i) => (v === want ? [i] : [])), "int32")).mean(0);
        return tf.sub(pick(1), pick(0)) as tf.Tensor1D;
      },
    ],
  },
  flipRate: {
    solution: S.flipRate,
    wrong: [
      (b, a) => Array.from(a).filter((v) => v > 0.5).length / a.length, // fraction present after, over all faces
      (b, a) => { let f = 0; for (let i = 0; i < b.length; i++) if (b[i] <= 0.5 && a[i] > 0.5) f++; return f / b.length; }, // wrong denominator
      (b, a) => { let n = 0, f = 0; for (let i = 0; i < b.length; i++) if (b[i] < 0.5) { n++; if (a[i] >= 0.5) f++; } return f / n; }, // 0.5 handled the other way
    ],
  },
  klPerDimension: {
    solution: S.klPerDimension,
    wrong: [
      (m, v) => tf.tidy(() => Array.from(tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, v), tf.square(m)), tf.exp(v))).sum(0).dataSync())), // sum over faces
      (m, v) => tf.tidy(() => Array.from(tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, v), m), tf.exp(v))).mean(0).dataSync())), // mu not squared
      (m, v) => tf.tidy(() => Array.from(tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, v), tf.square(m)), tf.exp(v))).mean(1).dataSync())), // per face
      (m, v) => Array.from(tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, v), tf.square(m)), tf.exp(v))).mean(0).dataSync()), // leaks
    ],
  },
};

describe("faces exercise checks", () => {
  itGivesTheRightVerdicts(evaluate, table, { tensors: true });

  it("leaky answers get a specific message", () => {
    expect(evaluate.attributeVector(table.attributeVector.wrong[3]).message).toMatch(/left \d+ tensors? behind.*tf.tidy/);
    expect(evaluate.klPerDimension(table.klPerDimension.wrong[3]).message).toMatch(/left \d+ tensors? behind/);
  });

  it("check.* prints and never throws", () => {
    printed.length = 0;
    expect(() => check.flipRate(() => { throw new TypeError("boom"); })).not.toThrow();
    expect(printed[0]).toMatch(/threw TypeError: boom/);
    expect(() => (check.attributeVector as (f: unknown) => void)(3)).not.toThrow();
    expect(printed[1]).toMatch(/pass your function itself/);
    expect(() => check.klPerDimension((() => tf.scalar(1)) as never)).not.toThrow();
    expect(printed[2]).toMatch(/plain array/);
  });
});
