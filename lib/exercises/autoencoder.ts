// Exercise checks for the autoencoder chapter (notebook 04). In a notebook:
//   import { check } from "./lib/exercises/autoencoder";
//   check.reconstructionError(reconstructionError);   // ✅ / ❌ + hint / ⏳; never throws
// `evaluate.*` does the same and returns the CheckResult (used by tests).
// Hidden cases are small seeded tensors; lib/eval and lib/latent are the
// reference answers. Each check also counts tensors: a function that leaves
// tensors behind fails with a hint to use tf.tidy.
import * as tf from "@tensorflow/tfjs";
import { CheckCase, callAndVerify, exercise, expectArrayClose, expectClose, expectTrue, Mismatch, shapeOf } from "./check";
import { perImageError, nearestImages } from "../eval/reconstruction";
import { interpolate as referenceInterpolate } from "../latent/explore";

// ---- reconstruction error of one image -------------------------------------

type ErrorFn = (original: tf.Tensor3D, reconstruction: tf.Tensor3D) => number;
const reconstructionError = exercise<ErrorFn>(
  "reconstructionError",
  "mean over all pixels of -(x log p + (1 - x) log(1 - p)), with p = reconstruction clipped to [1e-7, 1 - 1e-7] " +
    "(tf.clipByValue) so a confident mistake costs a lot but never Infinity. Return a number: (await or) .dataSync()[0] inside tf.tidy.",
  (fn) => {
    const ref = (x: tf.Tensor3D, r: tf.Tensor3D) => tf.tidy(() => perImageError(x, r, "bce").dataSync()[0]);
    const cases: CheckCase[] = [];
    const run = (name: string, make: () => [tf.Tensor3D, tf.Tensor3D]) => cases.push({
      name,
      run: () => callAndVerify(make, ([x, r]) => fn(x, r), (got: unknown, [x, r]) => {
        if (got instanceof tf.Tensor) throw new Mismatch("return a plain number (read the scalar with .dataSync()[0]), not a tensor");
        expectClose(got, ref(x, r), 1e-4, "mean BCE per pixel");
      }),
    });
    run("a 1x2 image: x = [1, 0], p = [0.8, 0.4]", () => [tf.tensor3d([1, 0], [1, 2, 1]), tf.tensor3d([0.8, 0.4], [1, 2, 1])]);
    run("grey target pixels (x = 0.5) are allowed", () => [tf.tensor3d([0.5, 0.5, 0.2, 0.9], [2, 2, 1]), tf.tensor3d([0.5, 0.1, 0.3, 0.6], [2, 2, 1])]);
    run("a reconstruction pixel of exactly 0 where the image is 1 (clip!)", () => [tf.tensor3d([1, 1, 0, 0], [2, 2, 1]), tf.tensor3d([0, 0.7, 0, 0.2], [2, 2, 1])]);
    for (let s = 0; s < 3; s++) {
      run(`random 8x8 image #${s + 1}`, () => [
        tf.randomUniform([8, 8, 1], 0, 1, "float32", 11 + s) as tf.Tensor3D,
        tf.randomUniform([8, 8, 1], 0.01, 0.99, "float32", 21 + s) as tf.Tensor3D,
      ]);
    }
    return cases;
  },
);

// ---- nearest training image ------------------------------------------------

type NearestFn = (query: tf.Tensor3D, images: tf.Tensor4D) => number;
const nearestImage = exercise<NearestFn>(
  "nearestImage",
  "compute the mean squared difference between the query and every image at once (broadcast query.expandDims(0) against images, " +
    "tf.squaredDifference then .mean([1, 2, 3])), then take the index of the smallest with argMin. Return a plain number.",
  (fn) => {
    const cases: CheckCase[] = [];
    const run = (name: string, make: () => [tf.Tensor3D, tf.Tensor4D]) => cases.push({
      name,
      run: () => callAndVerify(make, ([q, imgs]) => fn(q, imgs), (got: unknown, [q, imgs]) => {
        if (got instanceof tf.Tensor) throw new Mismatch("return the index as a plain number (.dataSync()[0]), not a tensor");
        expectTrue(typeof got === "number" && Number.isInteger(got), `expected an integer index, got ${shapeOf(got)} (${String(got)})`);
        const want = nearestImages(q, imgs).indices[0];
        if (got !== want) {
          const msd = (i: number) => (i >= 0 && i < imgs.shape[0] ? tf.tidy(() => tf.squaredDifference(imgs.slice(i, 1), q.expandDims(0)).mean().dataSync()[0]).toFixed(4) : "out of range");
          throw new Mismatch(`got index ${got}, but image ${want} is closer (mean squared difference ${msd(want)} vs ${msd(got as number)})`);
        }
      }),
    });
    const set = (seed: number, n = 40) => tf.randomUniform([n, 6, 6, 1], 0, 1, "float32", seed) as tf.Tensor4D;
    run("the query is an exact copy of image 17", () => { const s = set(1); return [tf.tidy(() => s.slice(17, 1).squeeze([0])) as tf.Tensor3D, s]; });
    run("a noisy copy of the last image", () => { const s = set(2); return [tf.tidy(() => tf.add(s.slice(39, 1).squeeze([0]), tf.randomNormal([6, 6, 1], 0, 0.05, "float32", 3))) as tf.Tensor3D, s]; });
    run("an all-black query", () => [tf.zeros([6, 6, 1]) as tf.Tensor3D, set(4)]);
    run("a query that matches none exactly", () => [tf.randomUniform([6, 6, 1], 0, 1, "float32", 5) as tf.Tensor3D, set(6, 200)]);
    return cases;
  },
);

// ---- linear interpolation ----------------------------------------------------

type InterpolateFn = (z0: tf.Tensor1D, z1: tf.Tensor1D, steps: number) => tf.Tensor2D;
const interpolate = exercise<InterpolateFn>(
  "interpolate",
  "row i is (1 - t) * z0 + t * z1 with t = i / (steps - 1), so row 0 is z0 and the last row is z1. " +
    "tf.linspace(0, 1, steps).reshape([steps, 1]) broadcasts against z0 and z1; wrap it all in tf.tidy and return the [steps, d] tensor.",
  (fn) => {
    const cases: CheckCase[] = [];
    const run = (name: string, z0: number[], z1: number[], steps: number) => cases.push({
      name,
      run: () => {
        const want = referenceInterpolate(z0, z1, steps);
        const wantRows = want.arraySync();
        want.dispose();
        callAndVerify(() => [tf.tensor1d(z0), tf.tensor1d(z1)], ([a, b]) => fn(a as tf.Tensor1D, b as tf.Tensor1D, steps), (got: unknown) => {
          if (!(got instanceof tf.Tensor)) throw new Mismatch(`return a tensor of shape [${steps}, ${z0.length}], got ${shapeOf(got)}`);
          expectTrue(got.rank === 2 && got.shape[0] === steps && got.shape[1] === z0.length, `expected shape [${steps}, ${z0.length}] (one row per step), got [${got.shape}]`);
          const rows = got.arraySync() as number[][];
          expectArrayClose(rows[0], wantRows[0], 1e-5, "first row (should be z0)");
          expectArrayClose(rows[steps - 1], wantRows[steps - 1], 1e-5, "last row (should be z1)");
          rows.forEach((r, i) => expectArrayClose(r, wantRows[i], 1e-5, `row ${i}`));
        });
      },
    });
    run("2 steps: just the two ends", [0, 0], [1, 2], 2);
    run("5 steps in 2-D", [-2, 1], [2, -3], 5);
    run("10 steps in 3-D", [0.5, 1, -1], [1.5, -1, 4], 10);
    return cases;
  },
);

const all = { reconstructionError, nearestImage, interpolate };
type All = typeof all;
export const check = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.check])) as { [K in keyof All]: All[K]["check"] };
export const evaluate = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.evaluate])) as { [K in keyof All]: All[K]["evaluate"] };
export { todo } from "./check";
