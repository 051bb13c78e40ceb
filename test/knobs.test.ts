import { describe, it, expect, beforeAll, afterAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { autoencoderTask, disposeTask, Task } from "../lib/models/task";
import { buildTaskFromSpec } from "../lib/models/builders";
import { loadOrTrain, recipeDifferences } from "../lib/train/pretrained";
import { architectureDifferences, loadWeights, saveWeights } from "../lib/train/weights";
import { chooseWorkers, train } from "../lib/train/train";
import { initBackend } from "../lib/engine/backend";

// Issue 22 item 4: a changed knob never silently loads weights trained with another recipe.
// Tiny conv autoencoders written the way a notebook cell writes them: tf.sequential, no layer names.
function encoder(latentDim: number, activation: "relu" | "elu" = "relu"): tf.Sequential {
  return tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, strides: 2, padding: "same", activation }),
    tf.layers.flatten(),
    tf.layers.dense({ units: latentDim }),
  ] });
}
function decoder(latentDim: number): tf.Sequential {
  return tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [latentDim], units: 4 * 4 * 4 }),
    tf.layers.reshape({ targetShape: [4, 4, 4] }),
    tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
    tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" }),
  ] });
}
const ae = (latentDim = 2, loss: "bce" | "mse" = "bce", activation: "relu" | "elu" = "relu") =>
  autoencoderTask(encoder(latentDim, activation), decoder(latentDim), loss);

let dir: string;
let x: tf.Tensor4D;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-knobs-"));
  x = tf.randomUniform([16, 8, 8, 1], 0, 1, "float32", 5) as tf.Tensor4D;
  const saved = ae();
  await saveWeights(saved, dir);
  disposeTask(saved);
});
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); x.dispose(); });

const quickTrain = (t: Task) => () => train(t, x, { epochs: 1, batchSize: 8, workers: 1, progress: false, seed: 1 });

describe("weights load by position, whatever tfjs named the layers", () => {
  it("a model built again (new auto names) loads the save and computes the same", async () => {
    const a = ae(), b = ae();
    await loadWeights(a, dir);
    await loadWeights(b, dir);
    expect(a.models.encoder.layers[0].name).not.toBe(b.models.encoder.layers[0].name);
    const za = a.models.encoder.predict(x) as tf.Tensor, zb = b.models.encoder.predict(x) as tf.Tensor;
    expect(Array.from(za.dataSync())).toEqual(Array.from(zb.dataSync()));
    tf.dispose([za, zb]); disposeTask(a); disposeTask(b);
  });
});

describe("architectureDifferences / recipeDifferences", () => {
  it("are empty for the same settings, and name each changed knob", () => {
    const same = ae(), dim = ae(3), act = ae(2, "bce", "elu"), mse = ae(2, "mse");
    expect(recipeDifferences(same, dir)).toEqual([]);
    expect(recipeDifferences(dim, dir)).toEqual(expect.arrayContaining([
      "encoder layer 3 (Dense) units: 2 there, 3 here", "decoder input shape: [null,2] there, [null,3] here"]));
    expect(recipeDifferences(act, dir)).toEqual(["encoder layer 1 (Conv2D) activation: relu there, elu here"]);
    expect(recipeDifferences(mse, dir)).toEqual(["reconstruction: bce there, mse here"]);
    for (const t of [same, dim, act, mse]) disposeTask(t);
  });

  it("compare Sequential and functional builds of the same layers as equal", () => {
    const seq = encoder(2);
    const input = tf.input({ shape: [8, 8, 1] });
    let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu", name: "named_conv" }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
    const fn = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, name: "z" }).apply(h) as tf.SymbolicTensor });
    expect(architectureDifferences(fn.toJSON(null, false), seq)).toEqual([]);
    const wide = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8 })] });
    expect(architectureDifferences(fn.toJSON(null, false), wide)).toEqual(expect.arrayContaining([`${wide.name} input shape: [null,8,8,1] there, [null,4] here`]));
    seq.dispose(); fn.dispose(); wide.dispose();
  });
});

describe("loadOrTrain with changed knobs", () => {
  it("loads when nothing changed", async () => {
    const t = ae();
    const r = await loadOrTrain(t, dir, { fromScratch: false, train: () => { throw new Error("must not train"); } });
    expect(r.source).toBe("pretrained");
    disposeTask(t);
  });

  for (const [what, make, says] of [
    ["LATENT_DIM", () => ae(3), /encoder layer 3 \(Dense\) units: 2 there, 3 here/],
    ["the activation", () => ae(2, "bce", "elu"), /activation: relu there, elu here/],
    ["the loss", () => ae(2, "mse"), /reconstruction: bce there, mse here/],
  ] as const) {
    it(`does not load when ${what} changed: says which setting differs, then trains`, async () => {
      const t = make();
      const logs: string[] = [];
      const log = console.log;
      console.log = (...a: unknown[]) => { logs.push(a.join(" ")); };
      try {
        const r = await loadOrTrain(t, dir, { fromScratch: false, train: quickTrain(t) });
        expect(r.source).toBe("trained");
      } finally {
        console.log = log;
      }
      expect(logs[0]).toMatch(says);
      expect(logs[0]).toMatch(/was trained with another recipe .*: training here from fresh random weights\./);
      disposeTask(t);
    });
  }

  it("a loss written as a function is another recipe than the named one", async () => {
    const myLoss = (a: tf.Tensor, b: tf.Tensor) => tf.losses.meanSquaredError(a, b) as tf.Scalar;
    const t = autoencoderTask(encoder(2), decoder(2), myLoss);
    expect(recipeDifferences(t, dir)).toEqual(["reconstruction: bce there, function myLoss here"]);
    disposeTask(t);
  });
});

describe("autoencoderTask: a notebook's encoder and decoder as a trainable task", () => {
  it("with a named loss workers can rebuild it (same parameters); with a notebook function they cannot, and train() says so", async () => {
    const named = ae();
    expect(named.spec?.builder).toBe("autoencoderTask");
    const twin = await buildTaskFromSpec(named.spec!);
    expect(twin.models.encoder.countParams()).toBe(named.models.encoder.countParams());
    expect(twin.models.decoder.countParams()).toBe(named.models.decoder.countParams());
    const own = autoencoderTask(encoder(2), decoder(2), (a, b) => tf.losses.meanSquaredError(a, b) as tf.Scalar);
    expect(own.spec).toBeUndefined();
    // what train() decides on wasm with enough data (5000 examples) on 2+ cores
    await initBackend({ quiet: true }); // GDL_BACKEND=wasm in this vitest project
    await tf.setBackend("wasm");
    const choice = { own: chooseWorkers(own, {}, 5000), named: chooseWorkers(named, {}, 5000) };
    await tf.setBackend("cpu");
    expect(choice.own.workers).toBe(1);
    expect(choice.own.notice).toBe(true);
    expect(choice.own.reason).toMatch(/cannot rebuild/);
    expect(choice.named.workers).toBeGreaterThan(1);
    for (const t of [named, twin, own]) disposeTask(t);
  });

  it("trains: the loss falls, for a named loss and for a notebook function alike", async () => {
    for (const t of [ae(), autoencoderTask(encoder(2), decoder(2), (a, b) => tf.losses.meanSquaredError(a, b) as tf.Scalar)]) {
      const h = await train(t, x, { epochs: 8, batchSize: 8, workers: 1, progress: false, seed: 2, learningRate: 1e-2 });
      expect(h.metrics.loss[h.metrics.loss.length - 1]).toBeLessThan(h.metrics.loss[0]);
      disposeTask(t);
    }
  });
});
