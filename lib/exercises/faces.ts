// Exercise checks for the faces chapter (notebook 06). In a notebook:
//   import { check, todo } from "./lib/exercises/faces";
//   check.attributeVector(attributeVector);   // ✅ / ❌ + hint / ⏳; never throws
// `evaluate.*` does the same and returns the CheckResult (used by tests).
// References: lib/latent/attributes (attribute vectors) and lib/models/losses
// (the KL term); a function that leaves tensors behind fails with a hint.
import * as tf from "@tensorflow/tfjs";
import { CheckCase, callAndVerify, exercise, expectArrayClose, expectClose, expectTrue, Mismatch, shapeOf } from "./check";
import { attributeVector as referenceAttributeVector } from "../latent/attributes";
import { klPerExample } from "../models/losses";

// ---- attribute vector ---------------------------------------------------------

type AttributeVectorFn = (codes: tf.Tensor2D, labels: number[]) => tf.Tensor1D;
const attributeVector = exercise<AttributeVectorFn>(
  "attributeVector",
  "split the rows of `codes` by label (collect the indices where labels[i] === 1 and === 0, then tf.gather), average each group " +
    "over axis 0 (.mean(0)) and return mean(with) - mean(without) as a [latentDim] tensor, all inside tf.tidy.",
  (fn) => {
    const cases: CheckCase[] = [];
    const run = (name: string, make: () => { z: tf.Tensor2D; labels: number[] }) => cases.push({
      name,
      run: () => {
        const { z, labels } = make();
        const want = referenceAttributeVector(z, labels);
        const wantArr = Array.from(want.dataSync());
        want.dispose();
        callAndVerify(() => [z], ([codes]) => fn(codes as tf.Tensor2D, labels), (got: unknown) => {
          if (!(got instanceof tf.Tensor)) throw new Mismatch(`return a tensor of shape [${z.shape[1]}], got ${shapeOf(got)}`);
          expectTrue(got.rank === 1 && got.shape[0] === z.shape[1], `expected shape [${z.shape[1]}] (one number per latent dimension), got [${got.shape}]`);
          expectArrayClose(Array.from(got.dataSync()), wantArr, 1e-4, "attribute vector");
        });
      },
    });
    run("two faces with, two without, in 2-D", () => ({ z: tf.tensor2d([[1, 2], [3, 4], [0, 0], [2, -2]]), labels: [1, 1, 0, 0] }));
    run("uneven groups: 1 with, 4 without", () => ({ z: tf.tensor2d([[5, 1, 0], [1, 1, 1], [2, 2, 2], [0, 0, 3], [1, 1, 2]]), labels: [1, 0, 0, 0, 0] }));
    run("200 random 16-d codes with mixed labels", () => ({
      z: tf.randomNormal([200, 16], 0, 1, "float32", 5) as tf.Tensor2D,
      labels: Array.from({ length: 200 }, (_, i) => ((i * 7919) % 13 < 4 ? 1 : 0)),
    }));
    return cases;
  },
);

// ---- flip rate ---------------------------------------------------------------

type FlipRateFn = (before: ArrayLike<number>, after: ArrayLike<number>) => number;
const flipRate = exercise<FlipRateFn>(
  "flipRate",
  "look only at faces the classifier said LACK the attribute before the edit (before[i] <= 0.5); return the fraction of them " +
    "that HAVE it after (after[i] > 0.5). Faces that already had it do not count, neither as flips nor in the denominator.",
  (fn) => {
    const cases: CheckCase[] = [];
    const ref = (b: ArrayLike<number>, a: ArrayLike<number>) => {
      let n = 0, f = 0;
      for (let i = 0; i < b.length; i++) if (b[i] <= 0.5) { n++; if (a[i] > 0.5) f++; }
      return f / n;
    };
    const run = (name: string, before: number[], after: number[]) => cases.push({
      name,
      run: () => {
        const got: unknown = fn(Float32Array.from(before), Float32Array.from(after));
        if (got instanceof tf.Tensor) throw new Mismatch("return a plain number, not a tensor");
        expectClose(got, ref(before, after), 1e-9, "flip rate");
      },
    });
    run("all four flip", [0.1, 0.2, 0.3, 0.4], [0.9, 0.8, 0.7, 0.6]);
    run("half flip", [0.1, 0.2, 0.3, 0.4], [0.9, 0.1, 0.7, 0.2]);
    run("faces that already had it are ignored", [0.9, 0.1, 0.95, 0.2], [0.99, 0.8, 0.1, 0.3]);
    run("exactly 0.5 counts as absent, before and after", [0.5, 0.5, 0.1], [0.5, 0.51, 0.6]);
    const b = Array.from({ length: 500 }, (_, i) => ((i * 37) % 100) / 100);
    run("500 faces", b, b.map((v, i) => (v + ((i * 13) % 7) / 10) % 1));
    return cases;
  },
);

// ---- KL per latent dimension -----------------------------------------------------

type KlFn = (zMean: tf.Tensor2D, zLogVar: tf.Tensor2D) => number[];
const klPerDimension = exercise<KlFn>(
  "klPerDimension",
  "for each face and dimension the KL of N(mu, exp(logVar)) from N(0, 1) is -0.5 * (1 + logVar - mu^2 - exp(logVar)); " +
    "average it over the faces (axis 0) and return the d numbers as a plain array (Array.from(t.dataSync()) inside tf.tidy).",
  (fn) => {
    const cases: CheckCase[] = [];
    const ref = (m: tf.Tensor2D, v: tf.Tensor2D) => tf.tidy(() => Array.from({ length: m.shape[1] }, (_, j) =>
      tf.mean(klPerExample(m.slice([0, j], [-1, 1]), v.slice([0, j], [-1, 1]))).dataSync()[0]));
    const run = (name: string, make: () => [tf.Tensor2D, tf.Tensor2D]) => cases.push({
      name,
      run: () => callAndVerify(make, ([m, v]) => fn(m, v), (got: unknown, [m, v]) => {
        if (got instanceof tf.Tensor) throw new Mismatch("return a plain array of numbers (Array.from(t.dataSync())), not a tensor");
        expectArrayClose(got, ref(m, v), 1e-4, "KL per dimension");
      }),
    });
    run("the prior itself: mu = 0, logVar = 0 gives 0", () => [tf.zeros([3, 4]) as tf.Tensor2D, tf.zeros([3, 4]) as tf.Tensor2D]);
    run("one face, mu = [1, -2], logVar = [0, 0]", () => [tf.tensor2d([[1, -2]]), tf.tensor2d([[0, 0]])]);
    run("narrow posteriors: logVar = -4", () => [tf.tensor2d([[0, 0.5], [0, -0.5]]), tf.fill([2, 2], -4) as tf.Tensor2D]);
    run("64 random faces, 10 dimensions", () => [
      tf.randomNormal([64, 10], 0, 1.5, "float32", 8) as tf.Tensor2D,
      tf.randomUniform([64, 10], -3, 1, "float32", 9) as tf.Tensor2D,
    ]);
    return cases;
  },
);

const all = { attributeVector, flipRate, klPerDimension };
type All = typeof all;
export const check = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.check])) as { [K in keyof All]: All[K]["check"] };
export const evaluate = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.evaluate])) as { [K in keyof All]: All[K]["evaluate"] };
export { todo } from "./check";
