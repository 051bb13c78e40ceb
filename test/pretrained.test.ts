import { describe, it, expect, beforeAll, afterAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as util from "util";
import {
  describePretrained, loadOrTrain, PretrainedInfo, pretrainedFile, readPretrainedInfo, reinitialise, writePretrainedInfo,
} from "../lib/train/pretrained";
import { saveWeights } from "../lib/train/weights";
import { train } from "../lib/train/train";

const root = path.resolve(__dirname, "..");

/** Folders that hold a save: model.json itself, or a task's encoder/decoder subfolders. */
function weightFolders(dir: string): string[] {
  const found = new Set<string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "model.json") found.add(["encoder", "decoder"].includes(path.basename(d)) ? path.dirname(d) : d);
    }
  };
  walk(dir);
  return [...found].map((f) => path.relative(root, f)).sort();
}

describe("pretrained metadata: one schema for every shipped weights folder", () => {
  it("every pretrained/* weights folder has a valid training.json with results and the command that made it", () => {
    const folders = weightFolders(path.join(root, "pretrained"));
    expect(folders).toEqual(["pretrained/autoencoder", "pretrained/face-vae/attribute-classifier", "pretrained/face-vae/vae", "pretrained/vae"]);
    for (const dir of folders) {
      const info = readPretrainedInfo(dir);
      expect(info, `${dir}/training.json`).not.toBeNull();
      expect(info!.commands.every((c) => c.startsWith("npx tsx scripts/train-pretrained-"))).toBe(true);
      expect(Object.keys(info!.results).length).toBeGreaterThan(0);
      expect(info!.log.length).toBeGreaterThan(0);
    }
    // The numbers the notebooks and README quote come from these files.
    expect(describePretrained("pretrained/autoencoder", readPretrainedInfo("pretrained/autoencoder")!))
      .toBe("pretrained/autoencoder: 5 epochs over 300,000 images, 88 min on wasm; validation BCE per pixel 0.2523 (book: 0.2535).");
    expect(describePretrained("pretrained/vae", readPretrainedInfo("pretrained/vae")!))
      .toMatch(/negative ELBO, nats\/image \(10000 images\) 268\.0, test KL, nats\/image 5\.03, .*IWAE.* 264\.1\.$/);
  });

  it("invalid metadata fails naming the file, the fields and the fix", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-meta-"));
    try {
      fs.writeFileSync(path.join(dir, "training.json"), JSON.stringify({ schema: 1, title: "x", model: "m", commands: [], recipe: {}, trained: {}, results: {}, log: [] }));
      expect(() => readPretrainedInfo(dir)).toThrow(/training\.json does not follow the pretrained metadata schema 1[\s\S]*commands: expected a non-empty list[\s\S]*trained\.images: expected a number[\s\S]*results: expected at least one result[\s\S]*scripts\/train-pretrained/);
      fs.writeFileSync(path.join(dir, "training.json"), "{ nope");
      expect(() => readPretrainedInfo(dir)).toThrow(/training\.json: not valid JSON/);
      fs.rmSync(path.join(dir, "training.json"));
      expect(readPretrainedInfo(dir)).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("loadOrTrain: the one way notebooks load shipped weights or train", () => {
  let dir: string;
  const tiny = () => tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: "d1" }), tf.layers.dense({ units: 2, name: "d2" })] });
  const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  let saved: number[][];
  let x: tf.Tensor2D, y: tf.Tensor2D;
  const info: PretrainedInfo = {
    schema: 1, title: "a tiny test model", model: "tiny()", commands: ["npx tsx scripts/train-pretrained-tiny.ts"], recipe: { optimizer: "adam" },
    trained: { epochs: 2, images: 64, seconds: 120, backend: "cpu", threads: 1, workers: 1, machine: "test", date: "2026-01-01T00:00:00Z" },
    results: { mse: { label: "validation MSE", value: 0.12345, digits: 3, book: 0.1, headline: true } }, log: [{ epoch: 1, loss: 1 }],
  };

  beforeAll(async () => {
    await tf.setBackend("cpu");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-pretrained-"));
    const m = tiny();
    await saveWeights(m, dir);
    writePretrainedInfo(dir, info);
    saved = weightsOf(m);
    m.dispose();
    x = tf.randomNormal([32, 4], 0, 1, "float32", 1) as tf.Tensor2D;
    y = tf.randomNormal([32, 2], 0, 1, "float32", 2) as tf.Tensor2D;
  });
  afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); tf.dispose([x, y]); });

  const fit = (m: tf.LayersModel) => train(m, { x, y }, { epochs: 1, batchSize: 8, workers: 1, progress: false, seed: 3 });

  it("loads the weights and describes them in one line (also as the cell's Out[n])", async () => {
    const m = tiny();
    let trained = false;
    const r = await loadOrTrain(m, dir, { fromScratch: false, train: async () => { trained = true; return fit(m); } });
    expect(trained).toBe(false);
    expect(r.source).toBe("pretrained");
    expect(weightsOf(m)).toEqual(saved);
    expect(r.info?.results.mse.value).toBe(0.12345);
    expect(util.inspect(r)).toBe(`Loaded ${dir}: 2 epochs over 64 images, 2 min on cpu; validation MSE 0.123 (book: 0.1).`);
    m.dispose();
  });

  it("TRAIN_FROM_SCRATCH re-initialises a model that already holds the loaded weights, then trains", async () => {
    const m = tiny();
    await loadOrTrain(m, dir, { fromScratch: false, train: () => fit(m) });
    expect(weightsOf(m)).toEqual(saved);
    const before = tf.memory().numTensors;
    let atStart: number[][] = [];
    const r = await loadOrTrain(m, dir, { fromScratch: true, train: async () => { atStart = weightsOf(m); return fit(m); } });
    expect(r.source).toBe("trained");
    expect(r.history?.epochs).toBe(1);
    // Training started from fresh weights, not from the loaded ones.
    expect(atStart[0]).not.toEqual(saved[0]);
    expect(atStart[2]).not.toEqual(saved[2]);
    expect(util.inspect(r)).toMatch(/^TRAIN_FROM_SCRATCH is true: training here from fresh random weights\. /);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it("trains instead when the folder has no weights, and says so", async () => {
    const m = tiny();
    const missing = path.join(dir, "nothing-here");
    const r = await loadOrTrain(m, missing, { fromScratch: false, train: () => fit(m) });
    expect(r.source).toBe("trained");
    expect(String(r)).toMatch(/has no weights \(model\.json\/weights\.bin missing\): training here from fresh random weights/);
    expect(fs.existsSync(pretrainedFile(missing))).toBe(false);
    m.dispose();
  });

  it("reinitialise leaves no tensors behind", async () => {
    const m = tiny();
    const before = tf.memory().numTensors;
    await reinitialise(m);
    await reinitialise(m);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});

// Issue 15 item 2: re-running only the switch's cell with TRAIN_FROM_SCRATCH = true kept
// training the loaded pretrained autoencoder (first loss 0.247 under "from scratch").
describe("the shipped autoencoder under TRAIN_FROM_SCRATCH", () => {
  it("starts training from a fresh model (BCE ~0.69), not from the loaded weights (BCE ~0.25)", async () => {
    const { initBackend } = await import("../lib/engine/backend");
    const { buildAutoencoder } = await import("../lib/models/autoencoder");
    const { loadFashionMnist } = await import("../lib/data/fashion-mnist");
    const { reconstructionError } = await import("../lib/eval/reconstruction");
    await tf.setBackend((await initBackend({ quiet: true })).name);
    const test = await loadFashionMnist({ split: "test", limit: 200 });
    const ae = buildAutoencoder();
    const bce = () => reconstructionError((im) => ae.reconstruct(im), test.images).mean;
    try {
      await loadOrTrain(ae, "pretrained/autoencoder", { fromScratch: false, train: () => { throw new Error("must not train"); } });
      expect(bce()).toBeLessThan(0.27);
      let first = NaN;
      const r = await loadOrTrain(ae, "pretrained/autoencoder", {
        fromScratch: true,
        train: async () => { first = bce(); return train(ae, test.images.slice(0, 100), { epochs: 1, batchSize: 100, workers: 1, progress: false }); },
      });
      expect(first).toBeGreaterThan(0.5);
      expect(r.source).toBe("trained");
    } finally {
      ae.dispose();
      test.images.dispose();
      await tf.setBackend("cpu");
    }
  }, 120_000);
});
