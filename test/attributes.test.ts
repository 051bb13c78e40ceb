import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { attributeVector, attributeVectors, addAttribute, editCodes, morph, attributeStrip, morphStrip } from "../lib/latent/attributes";
import { attributeEditTable, measureAttributeEdit, CLASSIFIER_ATTRIBUTES, blur, labelMatrix, buildAttributeClassifier, predictAttributes } from "../lib/eval/attributes";
import { loadSyntheticFaces } from "../lib/data/synthetic-faces";

beforeAll(async () => { await tf.setBackend("cpu"); });

const arr = (t: tf.Tensor) => Array.from(t.dataSync());

describe("attribute vectors: arithmetic", () => {
  it("is mean(with) - mean(without), and add/edit/morph move codes as stated", () => {
    const before = tf.memory().numTensors;
    const z = tf.tensor2d([[1, 0], [3, 2], [0, 0], [2, 4], [4, 2]]);
    const labels = [1, 1, 0, 0, 0];
    const v = attributeVector(z, labels);
    expect(arr(v)).toEqual([2 - 2, 1 - 2]);
    const strip = addAttribute([1, 1], v, [-1, 0, 2]);
    expect(strip.arraySync()).toEqual([[1, 2], [1, 1], [1, -1]]);
    const edited = editCodes(z, v, 0.5);
    expect(edited.arraySync()[1]).toEqual([3, 1.5]);
    const m = morph([0, 0], [4, 8], 5);
    expect(m.arraySync()).toEqual([[0, 0], [1, 2], [2, 4], [3, 6], [4, 8]]);
    const vs = attributeVectors(z, { A: [1, 1, 0, 0, 0, 1, 1], B: [0, 0, 0, 0, 1] });
    expect(arr(vs.A)).toEqual(arr(v)); // longer label columns are cut to the codes
    expect(arr(vs.B)).toEqual([4 - 1.5, 2 - 1.5]);
    tf.dispose([z, v, strip, edited, m, ...Object.values(vs)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects labels that cannot define a vector, naming the problem", () => {
    const z = tf.zeros([3, 2]) as tf.Tensor2D;
    expect(() => attributeVector(z, [1, 0])).toThrow(/2 labels for 3 codes/);
    expect(() => attributeVector(z, [1, 1, 1], "Smiling")).toThrow(/Smiling needs faces with and without it, got 3 with and 0 without/);
    expect(() => attributeVector(z, [1, 2, 0])).toThrow(/labels must be 0 or 1, got 2 at index 1/);
    expect(() => attributeVectors(z, { A: [1, 0, 1] }, ["Wings"])).toThrow(/no attribute "Wings"; the data set has A/);
    expect(() => editCodes(z, tf.zeros([3]) as tf.Tensor1D, 1)).toThrow(/vector must have shape \[2\]/);
    z.dispose();
  });
});

describe("attribute vectors on a tiny model (pixels as codes)", () => {
  // The tiniest autoencoder: encode = flatten, decode = reshape. Latent
  // arithmetic is then image arithmetic, so its effect is checkable against
  // the generator's counterfactual drawings of the same faces.
  const encode = (x: tf.Tensor4D) => x.reshape([x.shape[0], -1]) as tf.Tensor2D;
  const decode = (z: tf.Tensor2D) => z.reshape([z.shape[0], 32, 32, 3]) as tf.Tensor4D;
  const dist = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sub(a, b).square().sum([1, 2, 3]).sqrt().mean().dataSync()[0]);
  const distRow = (a: tf.Tensor4D, i: number, b: tf.Tensor4D, j: number) => tf.tidy(() => dist(a.slice(i, 1), b.slice(j, 1)));

  it("adding the Eyeglasses vector moves faces toward their glasses-on drawings, subtracting moves back", () => {
    const before = tf.memory().numTensors;
    const train = loadSyntheticFaces({ count: 600, seed: 31 });
    const off = loadSyntheticFaces({ count: 50, seed: 32, set: { glasses: false } });
    const on = loadSyntheticFaces({ count: 50, seed: 32, set: { glasses: true } });
    const z = encode(train.images);
    const v = attributeVector(z, train.attributes.Eyeglasses, "Eyeglasses");
    const vHair = attributeVector(z, train.attributes.Long_Hair, "Long_Hair");
    const zOff = encode(off.images), zOn = encode(on.images);
    const added = tf.tidy(() => decode(editCodes(zOff, v, 1)));
    const removed = tf.tidy(() => decode(editCodes(zOn, v, -1)));
    const wrong = tf.tidy(() => decode(editCodes(zOff, vHair, 1)));
    const d0 = dist(off.images, on.images);
    expect(dist(added, on.images)).toBeLessThan(0.85 * d0);
    expect(dist(removed, off.images)).toBeLessThan(0.85 * d0);
    // Another attribute's vector does not add glasses.
    expect(dist(wrong, on.images)).toBeGreaterThan(0.95 * d0);
    // The strip lays out rows x strengths; strength 0 reproduces the input.
    const strip = tf.tidy(() => attributeStrip(decode, zOff.slice(0, 2), v, [0, 1, 2]));
    expect(strip.shape).toEqual([6, 32, 32, 3]);
    expect(distRow(strip, 3, off.images, 1)).toBeLessThan(1e-5);
    expect(distRow(strip, 4, on.images, 1)).toBeLessThan(0.85 * distRow(off.images, 1, on.images, 1));
    const ms = tf.tidy(() => morphStrip(decode, zOff.slice(0, 2), zOn.slice(0, 2), 4));
    expect(ms.shape).toEqual([8, 32, 32, 3]);
    expect(distRow(ms, 7, on.images, 1)).toBeLessThan(1e-5);
    expect(distRow(ms, 4, off.images, 1)).toBeLessThan(1e-5);
    tf.dispose([train.images, off.images, on.images, z, v, vHair, zOff, zOn, added, removed, wrong, strip, ms]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("measuring edits with a classifier", () => {
  // A hand-set classifier on 2x2 images: "Eyeglasses" iff mean red > 0.5,
  // every other attribute constantly absent.
  function fakeClassifier(): tf.LayersModel {
    const k = CLASSIFIER_ATTRIBUTES.length, j = CLASSIFIER_ATTRIBUTES.indexOf("Eyeglasses");
    const input = tf.input({ shape: [2, 2, 3] });
    const pooled = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ units: k, activation: "sigmoid" });
    const model = tf.model({ inputs: input, outputs: dense.apply(pooled) as tf.SymbolicTensor });
    const w = new Float32Array(3 * k), b = new Float32Array(k).fill(-10);
    w[0 * k + j] = 100; b[j] = -50;
    dense.setWeights([tf.tensor2d(w, [3, k]), tf.tensor1d(b)]);
    return model;
  }

  it("reports the fraction with the attribute per strength, and whether other attributes held", () => {
    const clf = fakeClassifier();
    const before = tf.memory().numTensors;
    const n = 10;
    const z = tf.tidy(() => tf.tile(tf.tensor2d([[0.2, 0.3, 0.3]]), [n, 4]) as tf.Tensor2D); // red 0.2 everywhere
    const v = tf.tensor1d(Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 0.6 : 0)));
    const decode = (c: tf.Tensor2D) => c.reshape([c.shape[0], 2, 2, 3]) as tf.Tensor4D;
    const r = measureAttributeEdit(decode, clf, z, v, "Eyeglasses", [0, 0.4, 1, -1]);
    expect(r.map((m) => m.present)).toEqual([0, 0, 1, 0]);
    expect(r.every((m) => m.n === n && m.othersUnchanged === 1)).toBe(true);
    expect(() => measureAttributeEdit(decode, clf, z, v, "Wings", [1])).toThrow(/not "Wings"/);
    tf.dispose([z, v]);
    expect(tf.memory().numTensors).toBe(before);
    clf.dispose();
  });

  it("attributeEditTable: one row per attribute and direction (add to faces without, subtract from faces with), no leaks", () => {
    const clf = fakeClassifier();
    const before = tf.memory().numTensors;
    const glasses = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    const codes = tf.tidy(() => tf.concat(Array.from(glasses, (g) => tf.tile(tf.tensor2d([[g ? 0.8 : 0.2, 0.3, 0.3]]), [1, 4]))) as tf.Tensor2D);
    const v = tf.tensor1d(Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 0.6 : 0)));
    const decode = (c: tf.Tensor2D) => c.reshape([c.shape[0], 2, 2, 3]) as tf.Tensor4D;
    const [header, rows] = attributeEditTable(decode, clf, codes, { Eyeglasses: v }, { attributes: { Eyeglasses: glasses } }, ["Eyeglasses"], 2);
    expect(header).toEqual(["attribute", "edit", "faces", "has it at s = 0", "s = 1", "s = 2", "other attributes unchanged (s = 1)"]);
    expect(rows).toEqual([["Eyeglasses", "add", "2", "0%", "100%", "100%", "100%"], ["Eyeglasses", "subtract", "2", "100%", "0%", "0%", "100%"]]);
    expect(() => attributeEditTable(decode, clf, codes, {}, { attributes: { Eyeglasses: glasses } }, ["Eyeglasses"], 2)).toThrow(/no vector for "Eyeglasses"/);
    tf.dispose([codes, v]);
    expect(tf.memory().numTensors).toBe(before);
    clf.dispose();
  });

  it("classifier helpers: label matrix, blur, predictions per attribute, no leaks", () => {
    const ds = loadSyntheticFaces({ count: 8, seed: 3 });
    const clf = buildAttributeClassifier();
    const before = tf.memory().numTensors;
    const y = labelMatrix(ds.attributes);
    expect(y.shape).toEqual([8, CLASSIFIER_ATTRIBUTES.length]);
    expect(y.arraySync()[2][CLASSIFIER_ATTRIBUTES.indexOf("Eyeglasses")]).toBe(ds.attributes.Eyeglasses[2]);
    const b = blur(ds.images);
    // A box blur keeps the mean (up to edges) and lowers pixel-to-pixel variation.
    const tv = (t: tf.Tensor4D) => tf.tidy(() => tf.sub(t.slice([0, 1, 0, 0], [-1, 31, -1, -1]), t.slice([0, 0, 0, 0], [-1, 31, -1, -1])).abs().mean().dataSync()[0]);
    expect(tv(b)).toBeLessThan(0.7 * tv(ds.images));
    const p = predictAttributes(clf, ds.images, 3);
    expect(Object.keys(p)).toEqual([...CLASSIFIER_ATTRIBUTES]);
    expect(p.Smiling.length).toBe(8);
    expect(() => labelMatrix({ Smiling: new Uint8Array(2) })).toThrow(/no attribute Eyeglasses/);
    tf.dispose([y, b]);
    expect(tf.memory().numTensors).toBe(before);
    clf.dispose();
    ds.images.dispose();
  });
});
