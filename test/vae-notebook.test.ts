import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as path from "path";
import { buildDecoder } from "../lib/models/autoencoder";
import { binaryCrossEntropy, klPerExample, sampleLatent } from "../lib/models/losses";
import { buildVae, buildVaeEncoder, vaeBatchLoss } from "../lib/models/vae";
import { evaluate } from "../lib/exercises/vae";
import * as S from "../lib/exercises/solutions/vae";
import { evalSavedCells } from "./helpers/saved-cells";

// Issue 22 item 3: notebook 05 builds the VAE in cells (//@save copies in lib/models/vae.ts) and its
// loss uses the learner's sampleZ / klDivergence. These check behaviour: the notebook's encoder is
// the Vae class's (so the shipped weights fit it), and the loss really runs the sampler it is given.
const nb = path.resolve(__dirname, "..", "notebooks", "05-variational-autoencoder.ipynb");

describe("notebook 05's VAE", () => {
  const cells = evalSavedCells(nb, { binaryCrossEntropy });

  it("buildVaeEncoder: the book's parameter count, and the same layers and outputs as buildVae()'s encoder", () => {
    const fromNotebook = cells.buildVaeEncoder as typeof buildVaeEncoder;
    for (const d of [2, 5]) {
      const a = fromNotebook(d), b = buildVae({ latentDim: d }).encoder;
      if (d === 2) expect(a.countParams()).toBe(100868);
      expect(a.layers.map((l) => l.getClassName())).toEqual(b.layers.map((l) => l.getClassName()));
      expect(a.countParams()).toBe(b.countParams());
      b.setWeights(a.getWeights());
      const x = tf.randomUniform([2, 32, 32, 1], 0, 1, "float32", 3);
      const ya = a.predict(x) as tf.Tensor[], yb = b.predict(x) as tf.Tensor[];
      expect(ya.map((t) => Array.from(t.dataSync()))).toEqual(yb.map((t) => Array.from(t.dataSync())));
      tf.dispose([x, ...ya, ...yb]); a.dispose(); b.dispose();
    }
  });

  it("vaeBatchLoss equals the Vae class's loss for the same weights and seed, with lib's or the reference sampler", () => {
    const loss = cells.vaeBatchLoss as typeof vaeBatchLoss;
    const vae = buildVae();
    const encoder = buildVaeEncoder(2), decoder = buildDecoder(2);
    encoder.setWeights(vae.encoder.getWeights());
    decoder.setWeights(vae.decoder.getWeights());
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([4, 32, 32, 1], 0, 1, "float32", 5);
    const ctx = { training: true, step: 0, seed: 9 };
    const value = (r: { loss: tf.Scalar; parts?: Record<string, tf.Scalar> }) => {
      const v = [r.loss, r.parts!.reconstruction, r.parts!.kl].map((t) => t.dataSync()[0]);
      tf.dispose([r.loss, ...Object.values(r.parts!)]);
      return v;
    };
    const ref = tf.tidy(() => value(vae.loss({ x, y: x }, ctx)));
    const lib = tf.tidy(() => value(loss(encoder, decoder, x, 500, sampleLatent, klPerExample, ctx)));
    const learner = tf.tidy(() => value(loss(encoder, decoder, x, 500, S.sampleZ, S.klDivergence, ctx)));
    for (const got of [lib, learner]) got.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 3));
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    vae.dispose(); encoder.dispose(); decoder.dispose();
  });

  it("a deliberately wrong sampleZ fails its check and changes the loss the VAE would train with", () => {
    const loss = cells.vaeBatchLoss as typeof vaeBatchLoss;
    // variance instead of standard deviation: exp(logVar) * eps
    const wrong = (m: tf.Tensor2D, v: tf.Tensor2D, seed?: number) =>
      tf.tidy(() => tf.add(m, tf.mul(tf.exp(v), tf.randomNormal(m.shape, 0, 1, "float32", seed))) as tf.Tensor2D);
    expect(evaluate.sampleZ(wrong).status).toBe("fail");
    const encoder = buildVaeEncoder(2), decoder = buildDecoder(2);
    // A log-variance head biased to log sigma^2 = 2, so sigma and sigma^2 differ clearly.
    const w = encoder.getWeights();
    encoder.setWeights([...w.slice(0, -1), tf.fill([2], 2)]);
    const x = tf.randomUniform([4, 32, 32, 1], 0, 1, "float32", 5);
    const ctx = { training: true, step: 0, seed: 9 };
    const total = (s: typeof wrong) => tf.tidy(() => loss(encoder, decoder, x, 500, s, klPerExample, ctx).loss.dataSync()[0]);
    expect(Math.abs(total(wrong) - total(S.sampleZ))).toBeGreaterThan(1e-3);
    expect(total(S.sampleZ)).toBeCloseTo(total(sampleLatent), 4);
    x.dispose(); encoder.dispose(); decoder.dispose();
  });
});
