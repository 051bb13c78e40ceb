import { it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { keep, releaseAll } from "../lib/keep";

beforeAll(async () => { await tf.setBackend("cpu"); });

it("re-running a keep() cell three times does not grow the tensor count", () => {
  const cell = () => keep("data", { images: tf.ones([4, 2]), labels: [1, 2], nested: [tf.zeros([3])] });
  cell();
  const after1 = tf.memory().numTensors;
  cell();
  cell();
  expect(tf.memory().numTensors).toBe(after1);
  releaseAll();
});

it("keeps tensors that the new value still holds", () => {
  const shared = tf.ones([2]);
  keep("x", { a: shared, b: tf.zeros([2]) });
  keep("x", { a: shared });
  expect(shared.isDisposed).toBe(false);
  releaseAll();
  expect(shared.isDisposed).toBe(true);
});

it("disposes a model kept under the same name", () => {
  const make = () => tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  keep("m", make());
  const n = tf.memory().numTensors;
  keep("m", make());
  expect(tf.memory().numTensors).toBe(n);
  releaseAll();
});

it("keeping the same value again frees nothing", () => {
  const d = keep("same", { images: tf.zeros([2, 2]) });
  keep("same", d);
  expect(d.images.isDisposed).toBe(false);
  releaseAll();
});
