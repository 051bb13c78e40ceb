// predictParallel (lib/engine/predict): inference split by rows over wasm worker
// threads gives model.predict's results, for one- and two-output models.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { predictParallel } from "../lib/engine/predict/index";
import { buildVae } from "../lib/models/vae";

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

beforeAll(async () => {
  process.env.GDL_BACKEND = "wasm";
  await initBackend({ quiet: true });
});

describe("predictParallel on wasm", () => {
  it("two workers give model.predict's values (VAE encoder's two outputs, decoder), without leaking tensors", async () => {
    const vae = buildVae();
    const x = tf.randomUniform([301, 32, 32, 1], 0, 1, "float32", 5); // odd: shards of 150 and 151 rows
    const before = tf.memory().numTensors;
    const [mean, logVar] = await predictParallel(vae.encoder, x, { workers: 2, minRows: 0, batchSize: 64 }) as tf.Tensor[];
    const [refMean, refLogVar] = vae.encoder.predict(x, { batchSize: 64 }) as tf.Tensor[];
    expect(mean.shape).toEqual([301, 2]);
    expect(Array.from(mean.dataSync())).toEqual(Array.from(refMean.dataSync()));
    expect(Array.from(logVar.dataSync())).toEqual(Array.from(refLogVar.dataSync()));
    const img = await predictParallel(vae.decoder, mean, { workers: 2, minRows: 0 }) as tf.Tensor;
    const refImg = vae.decoder.predict(mean) as tf.Tensor;
    expect(img.shape).toEqual([301, 32, 32, 1]);
    expect(maxDiff(img, refImg)).toBe(0);
    tf.dispose([mean, logVar, refMean, refLogVar, img, refImg]);
    expect(tf.memory().numTensors).toBe(before);
    // New weights reach the workers on the next call (no stale replica).
    vae.decoder.setWeights(vae.decoder.getWeights().map((w) => tf.mul(w, 0.5)));
    const z = tf.zeros([300, 2]);
    const after = await predictParallel(vae.decoder, z, { workers: 2, minRows: 0 }) as tf.Tensor;
    const refAfter = vae.decoder.predict(z) as tf.Tensor;
    expect(maxDiff(after, refAfter)).toBe(0);
    tf.dispose([x, z, after, refAfter]);
    vae.dispose();
  }, 120_000);

  it("below minRows, or with one worker, it is model.predict in this thread", async () => {
    const vae = buildVae();
    const z = tf.zeros([10, 2]);
    const a = await predictParallel(vae.decoder, z) as tf.Tensor; // 10 < 256 rows
    const b = await predictParallel(vae.decoder, z, { workers: 1, minRows: 0 }) as tf.Tensor;
    const ref = vae.decoder.predict(z) as tf.Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(ref.dataSync()));
    expect(Array.from(b.dataSync())).toEqual(Array.from(ref.dataSync()));
    tf.dispose([z, a, b, ref]);
    vae.dispose();
  });
});
